import { readFileSync } from 'node:fs'
import { hash as argon2Hash, type Algorithm } from '@node-rs/argon2'
import { describe, expect, it } from 'vitest'
import {
  OWASP_ARGON2ID_PARAMS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PasswordHasher,
  isCommonPassword,
  type PasswordHashParams
} from '../../src/security/passwords.js'

/** Far below production cost, to keep the suite fast; the algorithm is the same. */
const FAST: PasswordHashParams = { memoryCost: 256, timeCost: 1, parallelism: 1 }

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(FAST)

  describe('hash', () => {
    it('should produce an argon2id PHC string with the configured parameters', async () => {
      expect(await hasher.hash('s3cret-pass')).toMatch(/^\$argon2id\$v=19\$m=256,t=1,p=1\$[^$]+\$[^$]+$/)
    })

    it('should use the OWASP parameters by default', async () => {
      expect(OWASP_ARGON2ID_PARAMS).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 })
      expect(await new PasswordHasher().hash('s3cret-pass')).toContain('$m=19456,t=2,p=1$')
    })

    it('should salt every hash', async () => {
      expect(await hasher.hash('same password')).not.toBe(await hasher.hash('same password'))
    })

    it('should run no more hashes at once than its concurrency, the rest waiting their turn', async () => {
      const one = new PasswordHasher(FAST, { concurrency: 1 })
      const hashes = [one.hash('first pass'), one.hash('second pass'), one.hash('third pass')]
      expect(one.waiting).toBe(2)
      const stored = await Promise.all(hashes)
      expect(one.waiting).toBe(0)
      expect(await one.verify(stored[2]!, 'third pass')).toBe(true)
    })

    it('should reject parameters that are not positive integers', () => {
      expect(() => new PasswordHasher({ ...FAST, timeCost: 0 })).toThrow(RangeError)
      expect(() => new PasswordHasher({ ...FAST, memoryCost: 1.5 })).toThrow(/memoryCost/)
    })
  })

  describe('verify', () => {
    it('should accept the right password and reject a wrong one', async () => {
      const stored = await hasher.hash('correct horse')
      expect(await hasher.verify(stored, 'correct horse')).toBe(true)
      expect(await hasher.verify(stored, 'correct horsE')).toBe(false)
      expect(await hasher.verify(stored, '')).toBe(false)
    })

    it('should count every character of a long password', async () => {
      const prefix = 'a'.repeat(99)
      const stored = await hasher.hash(`${prefix}b`)
      expect(await hasher.verify(stored, `${prefix}b`)).toBe(true)
      expect(await hasher.verify(stored, `${prefix}c`)).toBe(false)
    })

    it('should handle non-ASCII passwords', async () => {
      const password = 'пароль-密码-🔑-ünïcödé'
      const stored = await hasher.hash(password)
      expect(await hasher.verify(stored, password)).toBe(true)
      expect(await hasher.verify(stored, 'пароль-密码-🔐-ünïcödé')).toBe(false)
    })

    it('should treat canonically equivalent Unicode spellings as the same password', async () => {
      const precomposed = 'caf\u00e9-latte'
      const decomposed = 'cafe\u0301-latte'
      expect(await hasher.verify(await hasher.hash(precomposed), decomposed)).toBe(true)
    })

    it('should verify hashes made with other parameters', async () => {
      const stored = await new PasswordHasher({ memoryCost: 512, timeCost: 2, parallelism: 2 }).hash('old password')
      expect(await hasher.verify(stored, 'old password')).toBe(true)
    })

    it.each([
      ['an empty string', ''],
      ['garbage', 'not a hash'],
      ['a truncated hash', '$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ'],
      ['a bcrypt hash', '$2b$12$C6UzMDM.H6dfI/f/IKxGhuZ/Fv7b3C.8BoNnOoQ6ZBv7f0PEeYxd2']
    ])('should return false, not throw, for %s', async (_label, stored) => {
      await expect(hasher.verify(stored, 'password')).resolves.toBe(false)
    })
  })

  describe('needsRehash', () => {
    it('should be false for a hash made with the current parameters', async () => {
      expect(hasher.needsRehash(await hasher.hash('pw'))).toBe(false)
    })

    it.each([
      ['memoryCost', { ...FAST, memoryCost: 512 }],
      ['timeCost', { ...FAST, timeCost: 2 }],
      ['parallelism', { ...FAST, parallelism: 2 }]
    ])('should be true after %s changes', async (_name, params) => {
      expect(new PasswordHasher(params).needsRehash(await hasher.hash('pw'))).toBe(true)
    })

    it('should be true for an argon2i hash or a hash it cannot read', async () => {
      const argon2i = await argon2Hash('pw', { ...FAST, algorithm: 1 as Algorithm })
      expect(argon2i).toMatch(/^\$argon2i\$/)
      expect(hasher.needsRehash(argon2i)).toBe(true)
      expect(hasher.needsRehash('not a hash')).toBe(true)
    })
  })

  describe('burn', () => {
    it('should take about as long as verifying a real hash', async () => {
      const owasp = new PasswordHasher()
      const stored = await owasp.hash('real password')
      await owasp.burn('warm-up')
      const time = async (work: () => Promise<unknown>): Promise<number> => {
        const start = performance.now()
        for (let round = 0; round < 3; round++) await work()
        return performance.now() - start
      }
      const verifying = await time(() => owasp.verify(stored, 'guess'))
      const burning = await time(() => owasp.burn('guess'))
      expect(burning).toBeGreaterThan(verifying / 3)
      expect(burning).toBeLessThan(verifying * 3)
    })

    it('should resolve to nothing for any input', async () => {
      await expect(hasher.burn('')).resolves.toBeUndefined()
      await expect(hasher.burn('anything at all')).resolves.toBeUndefined()
    })
  })

  it('should keep the event loop responsive while hashing', async () => {
    const owasp = new PasswordHasher()
    let ticks = 0
    const timer = setInterval(() => ticks++, 2)
    try {
      await Promise.all(['one', 'two', 'three', 'four'].map((password) => owasp.hash(password)))
    } finally {
      clearInterval(timer)
    }
    expect(ticks).toBeGreaterThanOrEqual(3)
  })
})

describe('password length policy', () => {
  it('should allow 8 to 128 code points', () => {
    expect([PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH]).toEqual([8, 128])
  })
})

describe('isCommonPassword', () => {
  const shippedList = readFileSync(new URL('../../src/security/common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('# '))

  it('should ship at least 10,000 distinct common passwords', () => {
    expect(new Set(shippedList).size).toBeGreaterThanOrEqual(10_000)
    expect(shippedList).toHaveLength(new Set(shippedList).size)
  })

  it('should recognise every entry of the shipped list, in any case', () => {
    expect(shippedList.filter((password) => !isCommonPassword(password))).toEqual([])
    expect(shippedList.filter((password) => !isCommonPassword(password.toUpperCase()))).toEqual([])
  })

  it.each(['password123', 'Password1', 'QWERTY123', '12345678', 'iloveyou', 'letmein', 'ｐａｓｓｗｏｒｄ'])(
    'should flag %s',
    (password) => {
      expect(isCommonPassword(password)).toBe(true)
    }
  )

  it.each(['', 'password123 ', 'correct horse battery staple', 'Tr0ub4dor&3-xkcd-936', 'пароль123'])(
    'should not flag %j',
    (password) => {
      expect(isCommonPassword(password)).toBe(false)
    }
  )
})
