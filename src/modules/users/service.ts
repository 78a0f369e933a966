import type { Cache } from '../../cache/cache.js'
import { writeTenant } from '../../cache/tenant-write.js'
import type { Database } from '../../db/database.js'
import { DomainError, conflict, forbidden, invalid, notFound } from '../../errors.js'
import type { PasswordHasher } from '../../security/passwords.js'
import { recordAudit } from '../audit/repository.js'
import type { AuthContext } from '../auth/context.js'
import { assertAcceptablePassword } from '../auth/passwords-policy.js'
import { ASSIGNABLE_ROLES, canManageMember, type Role } from '../auth/permissions.js'
import { listLiveSessions, revokeSessions } from '../auth/repository.js'
import { findTenant } from '../tenants/repository.js'
import { planLimits } from '../tenants/plans.js'
import { normalizeEmail } from './email.js'
import * as repo from './repository.js'

/**
 * Every change to a member's role, password or sessions goes through `writeTenant`: authentication reads the
 * caller's role and session through the tenant's cache, and such a change must count from the very next request.
 */
export class UsersService {
  constructor(private readonly deps: { db: Database; hasher: PasswordHasher; cache: Cache }) {}

  async me(auth: AuthContext): Promise<repo.UserRow> {
    const user = await this.deps.db.tenant(auth.tenantId, (tx) => repo.findUser(tx, auth.tenantId, auth.userId))
    if (!user) throw notFound('User')
    return user
  }

  /** Changes the caller's password and ends every other session of the caller. */
  async changePassword(auth: AuthContext, input: { current_password: string; new_password: string }): Promise<void> {
    const { db, hasher } = this.deps
    const currentHash = await db.tenant(auth.tenantId, (tx) => repo.findPasswordHash(tx, auth.tenantId, auth.userId))
    if (!currentHash || !(await hasher.verify(currentHash, input.current_password))) throw invalid('current_password', 'is incorrect')
    assertAcceptablePassword('new_password', input.new_password)
    const newHash = await hasher.hash(input.new_password)
    await writeTenant(this.deps, auth.tenantId, async (tx) => {
      await repo.updatePasswordHash(tx, auth.tenantId, auth.userId, newHash)
      const ended = await revokeSessions(tx, auth.tenantId, auth.userId, { kind: 'except', sessionId: auth.sessionId }, 'password_changed')
      await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'password.changed', details: { sessions_ended: ended } })
    })
  }

  async sessions(auth: AuthContext) {
    const rows = await this.deps.db.tenant(auth.tenantId, (tx) => listLiveSessions(tx, auth.tenantId, auth.userId))
    return rows.map((s) => ({ ...s, current: s.id === auth.sessionId }))
  }

  async endSession(auth: AuthContext, sessionId: string): Promise<void> {
    await writeTenant(this.deps, auth.tenantId, async (tx) => {
      const ended = await revokeSessions(tx, auth.tenantId, auth.userId, { kind: 'only', sessionId }, 'ended_by_user')
      if (ended === 0) throw notFound('Session')
      await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'session.revoked', target: { type: 'session', id: sessionId } })
    })
  }

  async list(auth: AuthContext): Promise<repo.UserRow[]> {
    return this.deps.db.tenant(auth.tenantId, (tx) => repo.listUsers(tx, auth.tenantId))
  }

  async create(auth: AuthContext, input: { email: string; password: string; role: Role }): Promise<repo.UserRow> {
    assertCanAssign(auth.role, input.role)
    assertAcceptablePassword('password', input.password)
    const passwordHash = await this.deps.hasher.hash(input.password)
    try {
      return await this.deps.db.tenant(auth.tenantId, async (tx) => {
        const tenant = await findTenant(tx, auth.tenantId)
        const limit = planLimits(tenant?.plan ?? 'free').users
        if (limit !== null && (await repo.countUsers(tx, auth.tenantId)) >= limit) {
          throw new DomainError('quota_exceeded', `Your plan allows ${limit} users; upgrade to add more`, { type: 'quota-exceeded/users', extra: { limit } })
        }
        const user = await repo.insertUser(tx, { tenantId: auth.tenantId, email: normalizeEmail(input.email), passwordHash, role: input.role })
        await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'user.created', target: { type: 'user', id: user.id }, details: { role: user.role } })
        return user
      })
    } catch (error) {
      if (repo.isUniqueViolation(error)) throw conflict('An account with this email already exists', 'email-taken')
      throw error
    }
  }

  async changeRole(auth: AuthContext, userId: string, role: Role): Promise<repo.UserRow> {
    return writeTenant(this.deps, auth.tenantId, async (tx) => {
      const target = await repo.findUser(tx, auth.tenantId, userId)
      if (!target) throw notFound('User')
      if (target.role === 'owner') throw forbidden('The owner’s role cannot be changed')
      if (!canManageMember(auth.role, target.role)) throw forbidden(`Your role (${auth.role}) cannot manage a member with role ${target.role}`)
      assertCanAssign(auth.role, role)
      const updated = await repo.updateRole(tx, auth.tenantId, userId, role)
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'user.role_changed',
        target: { type: 'user', id: userId },
        details: { from: target.role, to: role }
      })
      return updated!
    })
  }

  /** Removes a member; the member's sessions go with the row, so their tokens stop working on the next request. */
  async remove(auth: AuthContext, userId: string): Promise<void> {
    await writeTenant(this.deps, auth.tenantId, async (tx) => {
      const target = await repo.findUser(tx, auth.tenantId, userId)
      if (!target) throw notFound('User')
      if (target.role === 'owner') throw forbidden('The owner cannot be removed')
      if (!canManageMember(auth.role, target.role)) throw forbidden(`Your role (${auth.role}) cannot manage a member with role ${target.role}`)
      await repo.deleteUser(tx, auth.tenantId, userId)
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'user.removed',
        target: { type: 'user', id: userId },
        details: { email: target.email, role: target.role }
      })
    })
  }
}

function assertCanAssign(actor: Role, role: Role): void {
  if (role === 'owner') throw forbidden('A tenant has exactly one owner; nobody can create or assign another')
  if (!ASSIGNABLE_ROLES[actor].includes(role)) throw forbidden(`Your role (${actor}) cannot assign the role ${role}`)
}
