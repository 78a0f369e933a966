/**
 * Loads the JWT key material named by `JwtSettings` once, at start-up, and fails with an error that names the
 * offending setting but never shows key material.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { calculateJwkThumbprint, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose'

export interface JwtSettings {
  algorithm: 'HS256' | 'RS256' | 'EdDSA'
  /** HS256 signing key; at least 32 bytes (RFC 7518 §3.2) */
  secretKey: string
  /** HS256 keys that still verify, so a secret can be rotated without logging everyone out */
  previousSecretKeys: string[]
  /** PKCS8 PEM private key; required for RS256/EdDSA */
  privateKeyPem?: string
  /** kid of the current asymmetric key; defaults to its RFC 7638 JWK thumbprint */
  keyId?: string
  /** JSON JWKS of previous public keys (each with a kid) that still verify */
  extraPublicKeys?: string
  issuer: string
  audience: string
  accessTtlSeconds: number
}

type AsymmetricAlgorithm = Exclude<JwtSettings['algorithm'], 'HS256'>

/** A public key that verifies tokens whose header names its kid. */
interface VerificationKey {
  readonly key: CryptoKey
  readonly jwk: JWK
}

export type JwtKeyRing =
  | {
      readonly kind: 'symmetric'
      readonly signingKey: CryptoKey
      /** the signing key first, then the previous ones */
      readonly secrets: readonly CryptoKey[]
    }
  | {
      readonly kind: 'asymmetric'
      readonly kid: string
      readonly signingKey: CryptoKey
      readonly verificationKeys: ReadonlyMap<string, VerificationKey>
    }

const MIN_HMAC_SECRET_BYTES = 32

/** Environment variables arrive as empty strings when unset, so blank counts as not given. */
function given(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== ''
}

class JwtSettingsError extends Error {
  override name = 'JwtSettingsError'

  constructor(setting: string, problem: string) {
    super(`JWT setting ${setting}: ${problem}`)
  }
}

/**
 * Imported once as a non-extractable WebCrypto key: handing jose raw bytes would import them again on every
 * sign and verify, which costs about a tenth of a request's CPU.
 */
async function loadSecret(setting: string, secret: string): Promise<CryptoKey> {
  const bytes = new TextEncoder().encode(secret)
  if (bytes.length < MIN_HMAC_SECRET_BYTES) {
    throw new JwtSettingsError(setting, `an HS256 key must be at least ${MIN_HMAC_SECRET_BYTES} bytes`)
  }
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
}

async function loadSymmetric(settings: JwtSettings): Promise<JwtKeyRing> {
  const signingKey = await loadSecret('secretKey', settings.secretKey)
  const previous = await Promise.all(settings.previousSecretKeys.map((secret, index) => loadSecret(`previousSecretKeys[${index}]`, secret)))
  return { kind: 'symmetric', signingKey, secrets: [signingKey, ...previous] }
}

const KEY_REQUIREMENT = { RS256: 'RSA of at least 2048 bits', EdDSA: 'Ed25519' } as const
const MIN_RSA_BITS = 2048

/**
 * Re-derives the public JWK through node:crypto, so that no private member can reach the published JWKS.
 * Checks RSA size here because jose only does when a token is signed or verified, long after start-up.
 */
function publicJwkOf(input: string | JsonWebKey, alg: AsymmetricAlgorithm): JWK {
  const key = typeof input === 'string' ? createPublicKey(input) : createPublicKey({ key: input, format: 'jwk' })
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new RangeError('RSA key too small')
  }
  return key.export({ format: 'jwk' }) as JWK
}

async function importVerificationKey(jwk: JWK, kid: string, alg: string): Promise<VerificationKey> {
  const published: JWK = { ...jwk, kid, alg, use: 'sig' }
  return { key: (await importJWK(published, alg)) as CryptoKey, jwk: published }
}

function parseJwks(text: string): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new JwtSettingsError('extraPublicKeys', 'is not valid JSON')
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) throw new JwtSettingsError('extraPublicKeys', 'must be a JWKS object: {"keys": [...]}')
  return keys
}

async function loadExtraKeys(text: string, alg: AsymmetricAlgorithm, keys: Map<string, VerificationKey>): Promise<void> {
  for (const [index, entry] of parseJwks(text).entries()) {
    const setting = `extraPublicKeys.keys[${index}]`
    const jwk = entry as { kid?: unknown; d?: unknown } | null
    if (typeof jwk?.kid !== 'string' || jwk.kid === '') throw new JwtSettingsError(setting, 'needs a "kid"')
    if (keys.has(jwk.kid)) throw new JwtSettingsError(setting, `kid "${jwk.kid}" is used by another key`)
    if (jwk.d !== undefined) throw new JwtSettingsError(setting, 'is a private key; publish public keys only')
    try {
      keys.set(jwk.kid, await importVerificationKey(publicJwkOf(jwk as JsonWebKey, alg), jwk.kid, alg))
    } catch {
      throw new JwtSettingsError(setting, `is not a public key for ${alg} (${KEY_REQUIREMENT[alg]})`)
    }
  }
}

async function loadAsymmetric(settings: JwtSettings, alg: AsymmetricAlgorithm): Promise<JwtKeyRing> {
  const pem = settings.privateKeyPem
  if (!given(pem)) throw new JwtSettingsError('privateKeyPem', `is required for ${alg}`)
  let signingKey: CryptoKey
  let publicJwk: JWK
  try {
    signingKey = await importPKCS8(pem, alg)
    publicJwk = publicJwkOf(pem, alg)
  } catch {
    throw new JwtSettingsError('privateKeyPem', `is not a PKCS8 PEM private key for ${alg} (${KEY_REQUIREMENT[alg]})`)
  }
  const kid = given(settings.keyId) ? settings.keyId : await calculateJwkThumbprint(publicJwk)
  const verificationKeys = new Map([[kid, await importVerificationKey(publicJwk, kid, alg)]])
  if (given(settings.extraPublicKeys)) {
    await loadExtraKeys(settings.extraPublicKeys, alg, verificationKeys)
  }
  return { kind: 'asymmetric', kid, signingKey, verificationKeys }
}

/**
 * Imports the keys for the configured algorithm. Settings that belong to the other family are ignored
 * (`secretKey` may double as the application secret when tokens are signed with RS256 or EdDSA).
 *
 * @throws Error naming the bad setting, e.g. "JWT setting privateKeyPem: is required for EdDSA"
 */
export async function loadJwtKeys(settings: JwtSettings): Promise<JwtKeyRing> {
  if (settings.algorithm === 'HS256') return loadSymmetric(settings)
  return loadAsymmetric(settings, settings.algorithm)
}
