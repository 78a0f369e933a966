/**
 * Access tokens (JWT per RFC 9068, verified per RFC 8725) and opaque refresh tokens.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import {
  SignJWT,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type CryptoKey,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
  type JWTVerifyResult
} from 'jose'
import { ROLES, type Role } from '../modules/auth/roles.js'
import { loadJwtKeys, type JwtKeyRing, type JwtSettings } from './jwt-keys.js'

export type { JwtSettings }

function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value)
}

export interface AccessTokenClaims {
  sub: string
  tenant_id: string
  role: Role
  /** The session (refresh-token family) the token belongs to; ending the session ends the token. */
  sid: string
  jti: string
  iat: number
  exp: number
}

/** Any token that fails verification; the message is the same for every cause and never contains the token. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError'

  constructor() {
    super('invalid token')
  }
}

const ACCESS_TOKEN_TYPE = 'at+jwt'
/** Verified tokens remembered per process: at most a few megabytes. */
const VERIFIED_TOKENS = 5_000
const CLOCK_TOLERANCE_SECONDS = 5
const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'sub', 'jti', 'tenant_id', 'role', 'sid']

/** Header parameters that point at keys chosen by the token's author; our keys come only from settings. */
const FOREIGN_KEY_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const

function checkHeader(token: string): void {
  const header = decodeProtectedHeader(token)
  if (FOREIGN_KEY_HEADERS.some((name) => name in header)) throw new InvalidTokenError()
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

function toClaims(payload: JWTPayload): AccessTokenClaims {
  const { sub, tenant_id: tenantId, role, sid, jti, iat, exp } = payload
  if (
    !isNonEmptyString(sub) ||
    !isNonEmptyString(tenantId) ||
    !isNonEmptyString(sid) ||
    !isNonEmptyString(jti) ||
    !isRole(role) ||
    typeof iat !== 'number' ||
    typeof exp !== 'number'
  ) {
    throw new InvalidTokenError()
  }
  return { sub, tenant_id: tenantId, role, sid, jti, iat, exp }
}

/**
 * Signs and verifies access tokens with one pinned algorithm.
 *
 * @example
 * const tokens = await AccessTokenService.create(settings)
 * const { token } = await tokens.sign({ userId, tenantId, role: 'owner', sessionId })
 * const claims = await tokens.verify(token) // { sub: userId, tenant_id: tenantId, role: 'owner', … }
 */
export class AccessTokenService {
  readonly #settings: JwtSettings
  readonly #keys: JwtKeyRing
  readonly #verifyOptions: JWTVerifyOptions
  /**
   * Tokens already verified, by their exact text (signature included): a client sends the same token with every
   * request for its whole life, and checking the signature again would give the same answer. Only the time checks
   * are repeated.
   */
  readonly #verified = new LRUCache<string, AccessTokenClaims>({ max: VERIFIED_TOKENS })

  private constructor(settings: JwtSettings, keys: JwtKeyRing) {
    this.#settings = settings
    this.#keys = keys
    this.#verifyOptions = {
      algorithms: [settings.algorithm],
      typ: ACCESS_TOKEN_TYPE,
      issuer: settings.issuer,
      audience: settings.audience,
      requiredClaims: REQUIRED_CLAIMS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      // Also rejects an iat in the future, which jose checks only when a maximum age is set.
      maxTokenAge: settings.accessTtlSeconds
    }
  }

  /**
   * Imports the configured keys once.
   *
   * @throws Error naming the bad setting (never its value) for a short secret, bad PEM or bad JWKS
   */
  static async create(settings: JwtSettings): Promise<AccessTokenService> {
    if (!Number.isSafeInteger(settings.accessTtlSeconds) || settings.accessTtlSeconds < 1) {
      throw new Error('JWT setting accessTtlSeconds: must be a positive integer')
    }
    return new AccessTokenService(settings, await loadJwtKeys(settings))
  }

  /** Issues an access token with a fresh random `jti`, valid for `accessTtlSeconds`. */
  async sign(subject: { userId: string; tenantId: string; role: Role; sessionId: string }): Promise<{
    token: string
    jti: string
    expiresIn: number
  }> {
    const { algorithm: alg, issuer, audience, accessTtlSeconds } = this.#settings
    const jti = randomUUID()
    const now = Math.floor(Date.now() / 1000)
    const header: JWTHeaderParameters = { alg, typ: ACCESS_TOKEN_TYPE }
    if (this.#keys.kind === 'asymmetric') header.kid = this.#keys.kid
    const token = await new SignJWT({ tenant_id: subject.tenantId, role: subject.role, sid: subject.sessionId })
      .setProtectedHeader(header)
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(subject.userId)
      .setJti(jti)
      .setIssuedAt(now)
      .setExpirationTime(now + accessTtlSeconds)
      .sign(this.#keys.signingKey)
    return { token, jti, expiresIn: accessTtlSeconds }
  }

  /**
   * Verifies signature, algorithm, `typ`, issuer, audience, lifetime and the shape of every claim.
   *
   * @throws InvalidTokenError for any token that is not a valid, current access token of ours
   */
  async verify(token: string): Promise<AccessTokenClaims> {
    const known = this.#verified.get(token)
    if (known && this.#current(known)) return known
    try {
      checkHeader(token)
      const claims = Object.freeze(toClaims((await this.#verifySignedToken(token)).payload))
      this.#verified.set(token, claims)
      return claims
    } catch {
      // Whatever jose objects to (including TypeErrors on odd input) is the client's fault: a 401, never a 500.
      throw new InvalidTokenError()
    }
  }

  /** jose's time checks, for a token whose signature and claims were already verified. */
  #current(claims: AccessTokenClaims): boolean {
    const now = Math.floor(Date.now() / 1000)
    return (
      claims.exp > now - CLOCK_TOLERANCE_SECONDS &&
      claims.iat <= now + CLOCK_TOLERANCE_SECONDS &&
      now - claims.iat <= this.#settings.accessTtlSeconds + CLOCK_TOLERANCE_SECONDS
    )
  }

  /** The public keys for `/.well-known/jwks.json`: current first, then the extra ones; none for HS256. */
  jwks(): { keys: object[] } {
    if (this.#keys.kind === 'symmetric') return { keys: [] }
    return { keys: [...this.#keys.verificationKeys.values()].map((entry) => ({ ...entry.jwk })) }
  }

  async #verifySignedToken(token: string): Promise<JWTVerifyResult> {
    const keys = this.#keys
    if (keys.kind === 'asymmetric') {
      return jwtVerify(token, (header): CryptoKey => {
        const entry = header.kid === undefined ? undefined : keys.verificationKeys.get(header.kid)
        if (entry === undefined) throw new InvalidTokenError()
        return entry.key
      }, this.#verifyOptions)
    }
    // HS256 tokens carry no kid, so try the current secret first and then each previous one.
    for (const secret of keys.secrets) {
      try {
        return await jwtVerify(token, secret, this.#verifyOptions)
      } catch (error) {
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw error
      }
    }
    throw new InvalidTokenError()
  }
}

/**
 * Creates an opaque refresh token (256 random bits, url-safe) and the SHA-256 hash to store instead of it.
 *
 * @example
 * const { token, hash } = newRefreshToken() // send `token`, store `hash`
 */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashRefreshToken(token) }
}

/**
 * Hashes a presented refresh token for lookup. A fast hash suffices: the token has 256 bits of entropy, so
 * unlike a password it cannot be guessed from its hash.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}
