import { and, asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { marketplaceCredentials, subscriptions, tenants, users } from '../../db/schema.js'

export async function createTenantWithOwner(
  tx: Db,
  input: { name: string; marketplaceType: string; email: string; passwordHash: string }
): Promise<{ tenantId: string; userId: string }> {
  const [tenant] = await tx.insert(tenants).values({ name: input.name, marketplaceType: input.marketplaceType }).returning({ id: tenants.id })
  const tenantId = tenant!.id
  await tx.insert(subscriptions).values({ tenantId, plan: 'free', status: 'active' })
  const [user] = await tx.insert(users).values({ tenantId, email: input.email, passwordHash: input.passwordHash, role: 'owner' }).returning({ id: users.id })
  return { tenantId, userId: user!.id }
}

export async function findTenant(tx: Db, tenantId: string) {
  const [row] = await tx
    .select({
      id: tenants.id,
      name: tenants.name,
      marketplaceType: tenants.marketplaceType,
      createdAt: tenants.createdAt,
      plan: subscriptions.plan,
      subscriptionStatus: subscriptions.status
    })
    .from(tenants)
    .innerJoin(subscriptions, eq(subscriptions.tenantId, tenants.id))
    .where(eq(tenants.id, tenantId))
  return row ?? null
}

export async function updateTenant(tx: Db, tenantId: string, changes: { name?: string; lowStockThreshold?: number; lowStockDays?: number | null }): Promise<void> {
  await tx.update(tenants).set({ ...changes, updatedAt: sql`now()` }).where(eq(tenants.id, tenantId))
}

export async function setPlan(tx: Db, tenantId: string, plan: string): Promise<boolean> {
  const rows = await tx
    .update(subscriptions)
    .set({ plan, updatedAt: sql`now()` })
    .where(eq(subscriptions.tenantId, tenantId))
    .returning({ tenantId: subscriptions.tenantId })
  return rows.length > 0
}

export const credentialColumns = {
  marketplaceType: marketplaceCredentials.marketplaceType,
  apiKeyLast4: marketplaceCredentials.apiKeyLast4,
  status: marketplaceCredentials.status,
  statusDetail: marketplaceCredentials.statusDetail,
  configuredAt: marketplaceCredentials.configuredAt,
  verifiedAt: marketplaceCredentials.verifiedAt
}

export type CredentialMetadata = {
  marketplaceType: string
  apiKeyLast4: string
  status: string
  statusDetail: string | null
  configuredAt: Date
  verifiedAt: Date | null
}

export async function listCredentials(tx: Db, tenantId: string): Promise<CredentialMetadata[]> {
  return tx.select(credentialColumns).from(marketplaceCredentials).where(eq(marketplaceCredentials.tenantId, tenantId)).orderBy(asc(marketplaceCredentials.marketplaceType))
}

export interface StoredCredentials {
  tenantId: string
  marketplaceType: string
  apiKeyEncrypted: string
  clientIdEncrypted: string | null
  apiKeyLast4: string
  status: 'valid' | 'unverified' | 'invalid'
  statusDetail: string | null
  verifiedAt: Date | null
}

export async function upsertCredentials(tx: Db, row: StoredCredentials): Promise<CredentialMetadata> {
  const [saved] = await tx
    .insert(marketplaceCredentials)
    .values({ ...row, configuredAt: sql`now()` })
    .onConflictDoUpdate({
      target: [marketplaceCredentials.tenantId, marketplaceCredentials.marketplaceType],
      set: {
        apiKeyEncrypted: row.apiKeyEncrypted,
        clientIdEncrypted: row.clientIdEncrypted,
        apiKeyLast4: row.apiKeyLast4,
        status: row.status,
        statusDetail: row.statusDetail,
        verifiedAt: row.verifiedAt,
        configuredAt: sql`now()`
      }
    })
    .returning(credentialColumns)
  return saved!
}

export async function deleteCredentials(tx: Db, tenantId: string, marketplaceType: string): Promise<boolean> {
  const rows = await tx
    .delete(marketplaceCredentials)
    .where(and(eq(marketplaceCredentials.tenantId, tenantId), eq(marketplaceCredentials.marketplaceType, marketplaceType)))
    .returning({ t: marketplaceCredentials.tenantId })
  return rows.length > 0
}
