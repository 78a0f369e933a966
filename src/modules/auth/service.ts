import type { Cache } from '../../cache/cache.js'
import { writeTenant } from '../../cache/tenant-write.js'
import type { Database, Db } from '../../db/database.js'
import { conflict, unauthenticated } from '../../errors.js'
import type { MultiFernet } from '../../security/fernet.js'
import type { PasswordHasher } from '../../security/passwords.js'
import { hashRefreshToken, newRefreshToken, type AccessTokenService } from '../../security/tokens.js'
import { recordAudit } from '../audit/repository.js'
import { createTenantWithOwner } from '../tenants/repository.js'
import { normalizeEmail } from '../users/email.js'
import { findCredentialsByEmail, isUniqueViolation, recordLogin } from '../users/repository.js'
import type { AuthContext, RequestMeta } from './context.js'
import type { LoginThrottle } from './login-throttle.js'
import { assertAcceptablePassword } from './passwords-policy.js'
import type { Role } from './permissions.js'
import * as repo from './repository.js'

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: 'bearer'
  expires_in: number
}

export interface RegisterInput {
  email: string
  password: string
  company_name: string
  marketplace_type: 'wildberries' | 'ozon'
}

const INVALID_LOGIN = 'Invalid email or password'

export class AuthService {
  constructor(
    private readonly deps: {
      db: Database
      cache: Cache
      hasher: PasswordHasher
      tokens: AccessTokenService
      cipher: MultiFernet
      refreshReuseGraceSeconds: number
      loginThrottle: LoginThrottle
    }
  ) {}

  /** Creates the tenant, its owner and a FREE subscription in one transaction, and logs the owner in. */
  async register(meta: RequestMeta, input: RegisterInput): Promise<TokenPair> {
    assertAcceptablePassword('password', input.password)
    const passwordHash = await this.deps.hasher.hash(input.password)
    const email = normalizeEmail(input.email)
    try {
      return await this.deps.db.system(async (tx) => {
        const { tenantId, userId } = await createTenantWithOwner(tx, {
          name: input.company_name.trim(),
          marketplaceType: input.marketplace_type,
          email,
          passwordHash
        })
        await recordAudit(tx, meta, { tenantId, actorUserId: userId, action: 'tenant.registered', target: { type: 'tenant', id: tenantId } })
        return this.startSession(tx, meta, { userId, tenantId, role: 'owner' })
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('An account with this email already exists', 'email-taken')
      throw error
    }
  }

  /**
   * Unknown email and wrong password give the same answer in comparable time: an unknown email still costs one
   * hash verification against a dummy. Repeated failures lock the account out from the caller's address for a while.
   */
  async login(meta: RequestMeta, input: { email: string; password: string }): Promise<TokenPair> {
    const email = normalizeEmail(input.email)
    await this.deps.loginThrottle.attempt(email, meta.ip)
    const user = await this.deps.db.system((tx) => findCredentialsByEmail(tx, email))
    const valid = user ? await this.deps.hasher.verify(user.passwordHash, input.password) : await this.deps.hasher.burn(input.password).then(() => false)
    if (!user || !valid) {
      await this.deps.db.system((tx) =>
        recordAudit(tx, meta, {
          tenantId: user?.tenantId ?? null,
          actorUserId: user?.id ?? null,
          action: 'login.failed',
          details: { email, reason: user ? 'wrong_password' : 'unknown_email' }
        })
      )
      throw unauthenticated(INVALID_LOGIN)
    }
    await this.deps.loginThrottle.succeeded(email, meta.ip)
    const rehash = this.deps.hasher.needsRehash(user.passwordHash) ? await this.deps.hasher.hash(input.password) : null
    return this.deps.db.tenant(user.tenantId, async (tx) => {
      await recordLogin(tx, user.tenantId, user.id, rehash)
      await recordAudit(tx, meta, { tenantId: user.tenantId, actorUserId: user.id, action: 'login.succeeded' })
      return this.startSession(tx, meta, { userId: user.id, tenantId: user.tenantId, role: user.role })
    })
  }

  /**
   * Exchanges a refresh token for a new pair and retires it. A token that was already exchanged means a copy is in
   * someone else's hands: its whole session is ended. Within the optional grace window the immediate child is
   * handed out again instead, for clients that lost the first response.
   */
  async refresh(meta: RequestMeta, refreshToken: string): Promise<TokenPair> {
    const outcome = await this.deps.db.system(async (tx) => {
      const row = await repo.lockRefreshToken(tx, hashRefreshToken(refreshToken))
      const now = Date.now()
      if (!row || row.sessionRevokedAt || row.expiresAt.getTime() <= now || row.sessionExpiresAt.getTime() <= now) return { kind: 'invalid' as const }
      const subject = { userId: row.userId, tenantId: row.tenantId, role: row.role, sessionId: row.sessionId }
      if (row.rotatedAt) {
        const graceMs = this.deps.refreshReuseGraceSeconds * 1000
        if (graceMs > 0 && row.childTokenEncrypted && now - row.rotatedAt.getTime() <= graceMs) {
          return { kind: 'issued' as const, subject, refreshToken: this.deps.cipher.decrypt(row.childTokenEncrypted) }
        }
        await repo.revokeSessions(tx, row.tenantId, row.userId, { kind: 'only', sessionId: row.sessionId }, 'refresh_token_reuse')
        await recordAudit(tx, meta, {
          tenantId: row.tenantId,
          actorUserId: row.userId,
          action: 'session.reuse_detected',
          target: { type: 'session', id: row.sessionId }
        })
        return { kind: 'reused' as const, tenantId: row.tenantId }
      }
      const child = newRefreshToken()
      await repo.markRotated(tx, row.tenantId, row.id, this.deps.refreshReuseGraceSeconds > 0 ? this.deps.cipher.encrypt(child.token) : null)
      await repo.insertRefreshToken(tx, { tenantId: row.tenantId, sessionId: row.sessionId, tokenHash: child.hash, expiresAt: row.sessionExpiresAt })
      await repo.touchSession(tx, row.tenantId, row.sessionId, meta)
      return { kind: 'issued' as const, subject, refreshToken: child.token }
    })
    if (outcome.kind === 'reused') {
      // The tenant is known only inside the transaction, so its cache is invalidated after the commit: the stolen
      // session's access tokens stop working before this answer goes out.
      await this.deps.cache.invalidateTenant(outcome.tenantId)
      throw unauthenticated('The refresh token was already used; the session has been ended')
    }
    if (outcome.kind === 'invalid') throw unauthenticated('The refresh token is invalid or expired')
    return this.pair(outcome.subject, outcome.refreshToken)
  }

  async logout(auth: AuthContext, scope: 'all' | 'local' | 'others'): Promise<void> {
    const sessionScope: repo.SessionScope =
      scope === 'local' ? { kind: 'only', sessionId: auth.sessionId } : scope === 'others' ? { kind: 'except', sessionId: auth.sessionId } : { kind: 'all' }
    await writeTenant(this.deps, auth.tenantId, async (tx) => {
      const ended = await repo.revokeSessions(tx, auth.tenantId, auth.userId, sessionScope, `logout_${scope}`)
      await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'session.revoked', details: { scope, ended } })
    })
  }

  /** Opens a session (a refresh-token family) inside the caller's transaction and signs the first pair. */
  async startSession(tx: Db, meta: RequestMeta, user: { userId: string; tenantId: string; role: Role }): Promise<TokenPair> {
    const expiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_MS)
    const sessionId = await repo.insertSession(tx, { tenantId: user.tenantId, userId: user.userId, userAgent: meta.userAgent, ip: meta.ip, expiresAt })
    const refresh = newRefreshToken()
    await repo.insertRefreshToken(tx, { tenantId: user.tenantId, sessionId, tokenHash: refresh.hash, expiresAt })
    return this.pair({ ...user, sessionId }, refresh.token)
  }

  private async pair(subject: { userId: string; tenantId: string; role: Role; sessionId: string }, refreshToken: string): Promise<TokenPair> {
    const access = await this.deps.tokens.sign(subject)
    return { access_token: access.token, refresh_token: refreshToken, token_type: 'bearer', expires_in: access.expiresIn }
  }
}
