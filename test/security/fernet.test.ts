import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FernetDecryptError,
  FernetKeyError,
  MultiFernet,
  generateFernetKey,
  isValidFernetKey
} from '../../src/security/fernet.js'
import { decodeFernetKey, encryptFernetToken } from '../../src/security/fernet-token.js'

interface PythonVector {
  description: string
  key: string
  token: string
  plaintext: string
}

const pythonVectors = (
  JSON.parse(readFileSync(new URL('./fixtures/fernet-python-vectors.json', import.meta.url), 'utf8')) as {
    vectors: PythonVector[]
  }
).vectors

/** From https://github.com/fernet/spec (generate.json / verify.json). */
const specVector = {
  key: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
  timestamp: 499162800,
  iv: Buffer.from(Array.from({ length: 16 }, (_, index) => index)),
  plaintext: 'hello',
  token:
    'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=='
}

const PYTHON_DECRYPT = [
  'import json, sys',
  'from cryptography.fernet import Fernet',
  'request = json.load(sys.stdin)',
  'sys.stdout.write(Fernet(request["key"]).decrypt(request["token"]).decode("utf-8"))'
].join('\n')

function probePythonFernet(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import cryptography.fernet'], { encoding: 'utf8' })
  if (probe.error !== undefined) return 'python3 is not installed'
  return probe.status === 0 ? undefined : 'the python3 cryptography package is not installed'
}

function toBytes(token: string): Buffer {
  return Buffer.from(token, 'base64url')
}

function toToken(bytes: Buffer): string {
  const text = bytes.toString('base64url')
  return text + '='.repeat((4 - (text.length % 4)) % 4)
}

describe('generateFernetKey', () => {
  it('should produce 32 random bytes as 44 characters of padded url-safe base64', () => {
    const key = generateFernetKey()
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/)
    expect(Buffer.from(key, 'base64url')).toHaveLength(32)
    expect(generateFernetKey()).not.toBe(key)
  })
})

describe('isValidFernetKey', () => {
  it('should accept generated keys and keys made by Python', () => {
    expect(isValidFernetKey(generateFernetKey())).toBe(true)
    expect(pythonVectors.every((vector) => isValidFernetKey(vector.key))).toBe(true)
  })

  it.each([
    ['an empty string', ''],
    ['a key without padding', specVector.key.slice(0, -1)],
    ['standard base64 characters', specVector.key.replace('_', '/')],
    ['16 bytes', Buffer.alloc(16).toString('base64url') + '=='],
    ['a non-canonical final character', specVector.key.slice(0, 42) + '5=']
  ])('should reject %s', (_label, key) => {
    expect(isValidFernetKey(key)).toBe(false)
  })
})

describe('MultiFernet', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  describe('constructor', () => {
    it('should name the position of a bad key without echoing it', () => {
      const badKey = 'not-a-valid-key-but-a-secret-nonetheless'
      const create = (): MultiFernet => new MultiFernet([generateFernetKey(), badKey])
      expect(create).toThrow(FernetKeyError)
      expect(create).toThrow(/#2 of 2/)
      expect(create).toThrow(expect.objectContaining({ message: expect.not.stringContaining(badKey) }))
    })

    it('should require at least one key', () => {
      expect(() => new MultiFernet([])).toThrow(FernetKeyError)
    })
  })

  describe('fromEnv', () => {
    it('should split on commas, trim whitespace and make the first key primary', () => {
      const [primary, secondary] = [generateFernetKey(), generateFernetKey()]
      const both = MultiFernet.fromEnv(` ${primary} ,\n${secondary} `)
      expect(new MultiFernet([primary]).decrypt(both.encrypt('secret'))).toBe('secret')
      expect(both.decrypt(new MultiFernet([secondary]).encrypt('old'))).toBe('old')
    })

    it('should reject an empty entry by position', () => {
      expect(() => MultiFernet.fromEnv(`${generateFernetKey()},,${generateFernetKey()}`)).toThrow(/#2 of 3/)
    })
  })

  describe('encrypt / decrypt', () => {
    it.each(['', 'wb-api-key', 'Ключ API: 在庫 📦', 'x'.repeat(1000)])('should round-trip %j', (plaintext) => {
      const fernet = new MultiFernet([generateFernetKey()])
      expect(fernet.decrypt(fernet.encrypt(plaintext))).toBe(plaintext)
    })

    it('should use a fresh IV for every token', () => {
      const fernet = new MultiFernet([generateFernetKey()])
      expect(fernet.encrypt('same')).not.toBe(fernet.encrypt('same'))
    })

    it('should write version 0x80 and the current time in seconds', () => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-02T03:04:05.678Z') })
      const bytes = toBytes(new MultiFernet([generateFernetKey()]).encrypt('x'))
      expect(bytes[0]).toBe(0x80)
      expect(Number(bytes.readBigUInt64BE(1))).toBe(Math.floor(Date.parse('2026-01-02T03:04:05Z') / 1000))
    })

    it('should reject a token whose bytes were altered anywhere', () => {
      const fernet = new MultiFernet([generateFernetKey()])
      const bytes = toBytes(fernet.encrypt('payload'))
      for (let index = 0; index < bytes.length; index++) {
        const tampered = Buffer.from(bytes)
        tampered.writeUInt8(tampered.readUInt8(index) ^ 0x01, index)
        expect(() => fernet.decrypt(toToken(tampered)), `byte ${index}`).toThrow(FernetDecryptError)
      }
    })

    it('should reject a token with a changed, removed or added character', () => {
      const fernet = new MultiFernet([generateFernetKey()])
      const token = fernet.encrypt('payload')
      const lastDataChar = token.replace(/=+$/, '').length - 1
      const changed = token.slice(0, lastDataChar) + (token[lastDataChar] === 'A' ? 'B' : 'A') + token.slice(lastDataChar + 1)
      for (const variant of [changed, token.slice(0, -1), `${token}=`, ` ${token}`, token.replaceAll('-', '+')]) {
        if (variant !== token) expect(() => fernet.decrypt(variant)).toThrow(FernetDecryptError)
      }
    })

    it('should reject a token truncated to fewer than one cipher block', () => {
      const fernet = new MultiFernet([generateFernetKey()])
      const bytes = toBytes(fernet.encrypt('payload'))
      const withoutCiphertext = Buffer.concat([bytes.subarray(0, 25), bytes.subarray(-32)])
      expect(() => fernet.decrypt(toToken(withoutCiphertext))).toThrow(/malformed/)
    })

    it('should reject a token made with another key, with a message that leaks nothing', () => {
      const key = generateFernetKey()
      const token = new MultiFernet([generateFernetKey()]).encrypt('top secret')
      const decrypt = (): string => new MultiFernet([key]).decrypt(token)
      expect(decrypt).toThrow(FernetDecryptError)
      expect(decrypt).toThrow(
        expect.objectContaining({ message: expect.not.stringMatching(new RegExp(`top secret|${key}`)) })
      )
    })

    it('should reject an authentic token whose plaintext is not UTF-8', () => {
      const key = generateFernetKey()
      const decoded = decodeFernetKey(key)
      if (decoded === undefined) throw new Error('generated key must decode')
      const token = encryptFernetToken(decoded, Buffer.from([0xff, 0xfe]), 1, Buffer.alloc(16))
      expect(() => new MultiFernet([key]).decrypt(token)).toThrow(/UTF-8/)
    })

    it('should decrypt with any of the keys', () => {
      const keys = [generateFernetKey(), generateFernetKey(), generateFernetKey()]
      const fernet = new MultiFernet(keys)
      for (const key of keys) {
        expect(fernet.decrypt(new MultiFernet([key]).encrypt(`by ${key}`))).toBe(`by ${key}`)
      }
    })
  })

  describe('decrypt with a TTL', () => {
    const fernet = new MultiFernet([generateFernetKey()])

    function tokenMadeAt(iso: string): string {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date(iso) })
      const token = fernet.encrypt('aged')
      vi.useRealTimers()
      return token
    }

    it('should accept a token exactly at its TTL and reject it one second later', () => {
      const token = tokenMadeAt('2026-03-01T12:00:00Z')
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-01T12:01:00Z') })
      expect(fernet.decrypt(token, 60)).toBe('aged')
      vi.setSystemTime(new Date('2026-03-01T12:01:01Z'))
      expect(() => fernet.decrypt(token, 60)).toThrow(/expired/)
      expect(fernet.decrypt(token)).toBe('aged')
    })

    it('should reject a token dated more than a minute in the future', () => {
      const token = tokenMadeAt('2026-03-01T12:01:01Z')
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-01T12:00:00Z') })
      expect(() => fernet.decrypt(token, 3600)).toThrow(/future/)
      vi.setSystemTime(new Date('2026-03-01T12:00:01Z'))
      expect(fernet.decrypt(token, 3600)).toBe('aged')
    })

    it('should refuse a negative TTL', () => {
      expect(() => fernet.decrypt(fernet.encrypt('x'), -1)).toThrow(RangeError)
    })
  })

  describe('rotate', () => {
    it('should re-encrypt under the primary key and keep the original timestamp', () => {
      const [oldKey, newKey] = [generateFernetKey(), generateFernetKey()]
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') })
      const oldToken = new MultiFernet([oldKey]).encrypt('api key')
      vi.setSystemTime(new Date('2026-06-01T00:00:00Z'))
      const rotated = new MultiFernet([newKey, oldKey]).rotate(oldToken)
      expect(new MultiFernet([newKey]).decrypt(rotated)).toBe('api key')
      expect(toBytes(rotated).readBigUInt64BE(1)).toBe(toBytes(oldToken).readBigUInt64BE(1))
    })

    it('should refuse a token that no key opens', () => {
      const token = new MultiFernet([generateFernetKey()]).encrypt('x')
      expect(() => new MultiFernet([generateFernetKey()]).rotate(token)).toThrow(FernetDecryptError)
    })
  })

  describe('isPrimary', () => {
    const [newKey, oldKey] = [generateFernetKey(), generateFernetKey()]
    const fernet = new MultiFernet([newKey, oldKey])

    it('should be true only for tokens made with the primary key', () => {
      expect(fernet.isPrimary(fernet.encrypt('x'))).toBe(true)
      expect(fernet.isPrimary(new MultiFernet([oldKey]).encrypt('x'))).toBe(false)
      expect(fernet.isPrimary(fernet.rotate(new MultiFernet([oldKey]).encrypt('x')))).toBe(true)
    })

    it('should be false for foreign or malformed tokens', () => {
      expect(fernet.isPrimary(new MultiFernet([generateFernetKey()]).encrypt('x'))).toBe(false)
      expect(fernet.isPrimary('not a token')).toBe(false)
    })
  })

  describe('compatibility with the Fernet spec and Python', () => {
    it('should reproduce the spec test vector from its key, time and IV', () => {
      const key = decodeFernetKey(specVector.key)
      if (key === undefined) throw new Error('spec key must decode')
      const token = encryptFernetToken(key, Buffer.from(specVector.plaintext), specVector.timestamp, specVector.iv)
      expect(token).toBe(specVector.token)
    })

    it('should decrypt the spec test vector, within its 60 s TTL one second after it was made', () => {
      vi.useFakeTimers({ toFake: ['Date'], now: (specVector.timestamp + 1) * 1000 })
      expect(new MultiFernet([specVector.key]).decrypt(specVector.token, 60)).toBe(specVector.plaintext)
    })

    it.each(pythonVectors)('should decrypt the Python-made token: $description', (vector) => {
      expect(new MultiFernet([vector.key]).decrypt(vector.token)).toBe(vector.plaintext)
    })

    const pythonMissing = probePythonFernet()
    it.skipIf(pythonMissing !== undefined)(
      `should make tokens that Python's cryptography.fernet decrypts${pythonMissing === undefined ? '' : ` (skipped: ${pythonMissing})`}`,
      () => {
        const key = generateFernetKey()
        const plaintext = 'Остатки: 在庫 📦 — Python interop'
        const token = new MultiFernet([key]).encrypt(plaintext)
        const result = spawnSync('python3', ['-c', PYTHON_DECRYPT], {
          input: JSON.stringify({ key, token }),
          encoding: 'utf8'
        })
        expect(result.stderr).toBe('')
        expect(result.stdout).toBe(plaintext)
      }
    )
  })
})
