import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm'
import type { Database, Db } from '../../db/database.js'
import { refreshTokens, sessions, users } from '../../db/schema.js'
import type { Plan } from '../tenants/plans.js'
import type { Role } from './permissions.js'

/** Who a verified token speaks for, as of now: the user's role, the tenant's plan, when the session ends. */
export interface Principal {
  role: Role
  plan: Plan
  /** Epoch milliseconds; a cached principal is good only until then. */
  sessionExpiresAt: number
}

/**
 * The user's current role and the tenant's plan, if the user and the session named in the token both still exist
 * and are live. The plan rides along (one primary-key join) because the API rate limit depends on it.
 */
export async function findPrincipal(db: Database, tenantId: string, userId: string, sessionId: string): Promise<Principal | null> {
  const rows = await db.tenantRead<Principal>(
    tenantId,
    `SELECT u.role, p.plan, (extract(epoch FROM s.expires_at) * 1000)::float8 AS "sessionExpiresAt"
       FROM users u JOIN sessions s ON s.user_id = u.id JOIN subscriptions p ON p.tenant_id = u.tenant_id
      WHERE u.tenant_id = $1 AND u.id = $2 AND s.id = $3 AND s.revoked_at IS NULL AND s.expires_at > now()`,
    [tenantId, userId, sessionId]
  )
  return rows[0] ?? null
}

export interface NewSession {
  tenantId: string
  userId: string
  userAgent: string | null
  ip: string
  expiresAt: Date
}

export async function insertSession(tx: Db, session: NewSession): Promise<string> {
  const [row] = await tx.insert(sessions).values(session).returning({ id: sessions.id })
  return row!.id
}

export async function insertRefreshToken(
  tx: Db,
  token: { tenantId: string; sessionId: string; tokenHash: string; expiresAt: Date }
): Promise<void> {
  await tx.insert(refreshTokens).values(token)
}

/** The refresh token with its session and user, locked so that concurrent refreshes of one token queue up. */
export async function lockRefreshToken(tx: Db, tokenHash: string) {
  const [row] = await tx
    .select({
      id: refreshTokens.id,
      tenantId: refreshTokens.tenantId,
      sessionId: refreshTokens.sessionId,
      expiresAt: refreshTokens.expiresAt,
      rotatedAt: refreshTokens.rotatedAt,
      childTokenEncrypted: refreshTokens.childTokenEncrypted,
      sessionRevokedAt: sessions.revokedAt,
      sessionExpiresAt: sessions.expiresAt,
      userId: users.id,
      role: users.role
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .for('update', { of: refreshTokens })
  return row ? { ...row, role: row.role as Role } : null
}

export async function markRotated(tx: Db, tenantId: string, id: string, childTokenEncrypted: string | null): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ rotatedAt: sql`now()`, childTokenEncrypted })
    .where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.id, id)))
}

export async function touchSession(tx: Db, tenantId: string, id: string, meta: { ip: string; userAgent: string | null }): Promise<void> {
  await tx
    .update(sessions)
    .set({ lastUsedAt: sql`now()`, ip: meta.ip, userAgent: meta.userAgent })
    .where(and(eq(sessions.tenantId, tenantId), eq(sessions.id, id)))
}

export type SessionScope = { kind: 'all' } | { kind: 'only'; sessionId: string } | { kind: 'except'; sessionId: string }

/** Ends live sessions of a user; their refresh tokens and access tokens stop working at once. Returns how many. */
export async function revokeSessions(tx: Db, tenantId: string, userId: string, scope: SessionScope, reason: string): Promise<number> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokeReason: reason })
    .where(
      and(
        eq(sessions.tenantId, tenantId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        scope.kind === 'only' ? eq(sessions.id, scope.sessionId) : scope.kind === 'except' ? ne(sessions.id, scope.sessionId) : undefined
      )
    )
    .returning({ id: sessions.id })
  return rows.length
}

export async function listLiveSessions(tx: Db, tenantId: string, userId: string) {
  return tx
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      userAgent: sessions.userAgent,
      ip: sessions.ip,
      expiresAt: sessions.expiresAt
    })
    .from(sessions)
    .where(and(eq(sessions.tenantId, tenantId), eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(sql`${sessions.lastUsedAt} desc`)
}
