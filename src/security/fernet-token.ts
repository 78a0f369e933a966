/**
 * The Fernet token format (https://github.com/fernet/spec), one key at a time.
 *
 * Internal to the security package: `fernet.ts` is the public API. Encryption here takes the timestamp and IV
 * as arguments so that the spec's deterministic test vector can be reproduced; production code must only
 * encrypt through `MultiFernet`, which draws a fresh random IV for every token.
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto'

export class FernetKeyError extends Error {
  override name = 'FernetKeyError'
}

/** Thrown for every token that cannot be opened; the message states the reason, never the key or plaintext. */
export class FernetDecryptError extends Error {
  override name = 'FernetDecryptError'
}

const VERSION = 0x80
const TIMESTAMP_LENGTH = 8
const IV_LENGTH = 16
const HMAC_LENGTH = 32
const BLOCK_LENGTH = 16
const HEADER_LENGTH = 1 + TIMESTAMP_LENGTH + IV_LENGTH
const KEY_LENGTH = 32

/** A decoded Fernet key: the first half signs, the second half encrypts. */
export interface FernetKey {
  readonly signingKey: Buffer
  readonly encryptionKey: Buffer
}

/** A token split into its fields; nothing in it is authenticated until `hasValidSignature` says so. */
export interface FernetTokenParts {
  readonly timestamp: number
  readonly iv: Buffer
  readonly ciphertext: Buffer
  readonly signed: Buffer
  readonly hmac: Buffer
}

/** Url-safe base64 with `=` padding, as Python's `base64.urlsafe_b64encode` writes it. */
export function encodeBase64Url(bytes: Buffer): string {
  const text = bytes.toString('base64url')
  return text + '='.repeat((4 - (text.length % 4)) % 4)
}

/**
 * Decodes padded url-safe base64, accepting only the canonical spelling: Node's decoder silently skips
 * foreign characters and ignores unused trailing bits, so without the round-trip check two different
 * strings could carry the same token.
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return encodeBase64Url(bytes) === text ? bytes : undefined
}

/** Decodes a key written as Python's `Fernet.generate_key()` writes it, or returns undefined. */
export function decodeFernetKey(key: string): FernetKey | undefined {
  const bytes = decodeBase64Url(key)
  if (bytes?.length !== KEY_LENGTH) return undefined
  return { signingKey: bytes.subarray(0, KEY_LENGTH / 2), encryptionKey: bytes.subarray(KEY_LENGTH / 2) }
}

function sign(key: FernetKey, data: Buffer): Buffer {
  return createHmac('sha256', key.signingKey).update(data).digest()
}

/**
 * Builds a token from explicit parts.
 *
 * @param timestamp seconds since the epoch written into the token
 * @param iv 16 bytes; must be unpredictable and never reused with the same key
 */
export function encryptFernetToken(key: FernetKey, plaintext: Buffer, timestamp: number, iv: Buffer): string {
  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv)
  const header = Buffer.alloc(1 + TIMESTAMP_LENGTH)
  header.writeUInt8(VERSION, 0)
  header.writeBigUInt64BE(BigInt(timestamp), 1)
  const signed = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()])
  return encodeBase64Url(Buffer.concat([signed, sign(key, signed)]))
}

/** Splits a token into its fields, rejecting anything that is not shaped like a Fernet token. */
export function parseFernetToken(token: string): FernetTokenParts {
  const bytes = decodeBase64Url(token)
  const ciphertextLength = bytes === undefined ? 0 : bytes.length - HEADER_LENGTH - HMAC_LENGTH
  if (
    bytes === undefined ||
    bytes[0] !== VERSION ||
    ciphertextLength < BLOCK_LENGTH ||
    ciphertextLength % BLOCK_LENGTH !== 0
  ) {
    throw new FernetDecryptError('malformed Fernet token')
  }
  const signed = bytes.subarray(0, bytes.length - HMAC_LENGTH)
  return {
    timestamp: Number(bytes.readBigUInt64BE(1)),
    iv: bytes.subarray(1 + TIMESTAMP_LENGTH, HEADER_LENGTH),
    ciphertext: bytes.subarray(HEADER_LENGTH, signed.length),
    signed,
    hmac: bytes.subarray(signed.length)
  }
}

/** Constant-time check that `key` signed the token. */
export function hasValidSignature(key: FernetKey, parts: FernetTokenParts): boolean {
  return timingSafeEqual(sign(key, parts.signed), parts.hmac)
}

/** Decrypts an authenticated token's ciphertext; call only after `hasValidSignature` (no padding oracle). */
export function decryptFernetPayload(key: FernetKey, parts: FernetTokenParts): Buffer {
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.encryptionKey, parts.iv)
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()])
  } catch {
    throw new FernetDecryptError('Fernet token payload has invalid padding')
  }
}
