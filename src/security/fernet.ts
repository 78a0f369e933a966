/**
 * Fernet encryption with key rotation, interoperable with Python's `cryptography.fernet`.
 * Used for secrets at rest (marketplace API keys); `ENCRYPTION_MASTER_KEY` holds one or more keys.
 */
import { randomBytes } from 'node:crypto'
import {
  FernetDecryptError,
  FernetKeyError,
  decodeFernetKey,
  decryptFernetPayload,
  encodeBase64Url,
  encryptFernetToken,
  hasValidSignature,
  parseFernetToken,
  type FernetKey,
  type FernetTokenParts
} from './fernet-token.js'

export { FernetDecryptError, FernetKeyError }

/** Same tolerance as Python's `cryptography`: a token may be stamped up to a minute ahead of our clock. */
const MAX_CLOCK_SKEW_SECONDS = 60

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Creates a new random key in the format of Python's `Fernet.generate_key()`.
 *
 * @example
 * const key = generateFernetKey() // 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4='
 */
export function generateFernetKey(): string {
  return encodeBase64Url(randomBytes(32))
}

/** Tells whether `key` is 32 bytes written as canonical, padded url-safe base64. */
export function isValidFernetKey(key: string): boolean {
  return decodeFernetKey(key) !== undefined
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

function checkAge(timestamp: number, ttlSeconds: number): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) throw new RangeError('ttlSeconds must be a non-negative number')
  const now = nowSeconds()
  if (timestamp + ttlSeconds < now) throw new FernetDecryptError('Fernet token has expired')
  if (timestamp > now + MAX_CLOCK_SKEW_SECONDS) throw new FernetDecryptError('Fernet token is dated in the future')
}

/**
 * A list of Fernet keys: the first encrypts, every one decrypts, so keys can be rotated without downtime.
 *
 * @example
 * const fernet = MultiFernet.fromEnv(process.env.ENCRYPTION_MASTER_KEY ?? '')
 * const token = fernet.encrypt('wb-api-key')
 * fernet.decrypt(token) // 'wb-api-key'
 */
export class MultiFernet {
  readonly #keys: readonly FernetKey[]
  readonly #primary: FernetKey

  /** @throws FernetKeyError naming the position (1-based) of the first bad key, or when the list is empty */
  constructor(keys: string[]) {
    const decoded = keys.map((key, index) => {
      const fernetKey = decodeFernetKey(key)
      if (fernetKey === undefined) {
        throw new FernetKeyError(
          `Fernet key #${index + 1} of ${keys.length} is invalid: expected 32 bytes in url-safe base64 (44 characters)`
        )
      }
      return fernetKey
    })
    const [primary] = decoded
    if (primary === undefined) throw new FernetKeyError('at least one Fernet key is required')
    this.#keys = decoded
    this.#primary = primary
  }

  /** Builds from a comma-separated list such as `ENCRYPTION_MASTER_KEY="new, old"`; the first key is primary. */
  static fromEnv(value: string): MultiFernet {
    return new MultiFernet(value.split(',').map((key) => key.trim()))
  }

  /** Encrypts UTF-8 text with the primary key, a fresh random IV and the current time. */
  encrypt(plaintext: string): string {
    return encryptFernetToken(this.#primary, Buffer.from(plaintext, 'utf8'), nowSeconds(), randomBytes(16))
  }

  /**
   * Decrypts a token made with any of the keys.
   *
   * @param ttlSeconds when given, tokens older than this (or dated over a minute ahead) are rejected
   * @throws FernetDecryptError when the token is malformed, forged, made with an unknown key or too old
   */
  decrypt(token: string, ttlSeconds?: number): string {
    const parts = parseFernetToken(token)
    const plaintext = this.#open(parts, this.#keys)
    if (ttlSeconds !== undefined) checkAge(parts.timestamp, ttlSeconds)
    try {
      return utf8.decode(plaintext)
    } catch {
      throw new FernetDecryptError('Fernet token plaintext is not valid UTF-8')
    }
  }

  /**
   * Re-encrypts a token under the primary key. Like Python's `MultiFernet.rotate`, the original timestamp is
   * kept, so a TTL still counts from when the secret was first encrypted.
   */
  rotate(token: string): string {
    const parts = parseFernetToken(token)
    return encryptFernetToken(this.#primary, this.#open(parts, this.#keys), parts.timestamp, randomBytes(16))
  }

  /** Tells whether the primary key opens the token, so a key-rotation job can skip it. */
  isPrimary(token: string): boolean {
    try {
      this.#open(parseFernetToken(token), [this.#primary])
      return true
    } catch (error) {
      if (error instanceof FernetDecryptError) return false
      throw error
    }
  }

  #open(parts: FernetTokenParts, keys: readonly FernetKey[]): Buffer {
    const key = keys.find((candidate) => hasValidSignature(candidate, parts))
    if (key === undefined) throw new FernetDecryptError('Fernet token signature does not match any key')
    return decryptFernetPayload(key, parts)
  }
}
