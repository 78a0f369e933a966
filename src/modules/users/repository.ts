import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { users } from '../../db/schema.js'
import type { Role } from '../auth/permissions.js'

export interface UserRow {
  id: string
  tenantId: string
  email: string
  role: Role
  createdAt: Date
  updatedAt: Date
  lastLoginAt: Date | null
}

const publicColumns = {
  id: users.id,
  tenantId: users.tenantId,
  email: users.email,
  role: users.role,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  lastLoginAt: users.lastLoginAt
}

const asUser = (row: { role: string } & Omit<UserRow, 'role'>): UserRow => ({ ...row, role: row.role as Role })

/** Postgres' unique_violation: the caller turns it into a 409 on the email. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code
  return code === '23505'
}

export async function insertUser(tx: Db, user: { tenantId: string; email: string; passwordHash: string; role: Role }): Promise<UserRow> {
  const [row] = await tx.insert(users).values(user).returning(publicColumns)
  return asUser(row!)
}

const inTenant = (tenantId: string, id: string) => and(eq(users.tenantId, tenantId), eq(users.id, id))

export async function findUser(tx: Db, tenantId: string, id: string): Promise<UserRow | null> {
  const [row] = await tx.select(publicColumns).from(users).where(inTenant(tenantId, id))
  return row ? asUser(row) : null
}

/** Login looks users up across tenants; only a `system` transaction can see them all. */
export async function findCredentialsByEmail(tx: Db, email: string) {
  const [row] = await tx
    .select({ id: users.id, tenantId: users.tenantId, role: users.role, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email))
  return row ? { ...row, role: row.role as Role } : null
}

export async function findPasswordHash(tx: Db, tenantId: string, id: string): Promise<string | null> {
  const [row] = await tx.select({ hash: users.passwordHash }).from(users).where(inTenant(tenantId, id))
  return row?.hash ?? null
}

export async function listUsers(tx: Db, tenantId: string): Promise<UserRow[]> {
  const rows = await tx.select(publicColumns).from(users).where(eq(users.tenantId, tenantId)).orderBy(asc(users.createdAt), asc(users.id))
  return rows.map(asUser)
}

export async function countUsers(tx: Db, tenantId: string): Promise<number> {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(users.tenantId, tenantId))
  return row?.n ?? 0
}

export async function updateRole(tx: Db, tenantId: string, id: string, role: Role): Promise<UserRow | null> {
  const [row] = await tx.update(users).set({ role, updatedAt: sql`now()` }).where(inTenant(tenantId, id)).returning(publicColumns)
  return row ? asUser(row) : null
}

export async function updatePasswordHash(tx: Db, tenantId: string, id: string, passwordHash: string): Promise<void> {
  await tx.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(inTenant(tenantId, id))
}

export async function recordLogin(tx: Db, tenantId: string, id: string, newHash: string | null): Promise<void> {
  await tx
    .update(users)
    .set(newHash ? { lastLoginAt: sql`now()`, passwordHash: newHash } : { lastLoginAt: sql`now()` })
    .where(inTenant(tenantId, id))
}

export async function deleteUser(tx: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await tx.delete(users).where(inTenant(tenantId, id)).returning({ id: users.id })
  return rows.length > 0
}
