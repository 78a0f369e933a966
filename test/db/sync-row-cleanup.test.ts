import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SqlExecutor } from '../../src/db/database.js'
import { buildTestApp, type Account, type TestApp } from '../helpers/app.js'
import { runSync, tenantWithWildberries } from '../helpers/sync.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

/** A tenant synced twice, with two SKUs in each of two warehouses and the history the second sync's changes left. */
async function syncedTenant(): Promise<Account> {
  const { owner, apiKey } = await tenantWithWildberries(t, { products: 2, sellerWarehouses: 2 })
  await runSync(t, owner)
  t.fake.sellers.update(apiKey, { stockVersion: 1 })
  await runSync(t, owner)
  return owner
}

const count = async (raw: SqlExecutor, text: string, values: unknown[]) => (await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${text}`, values)).rows[0]!.n

/** What is left of a tenant's sync data, seen across tenants so that nothing is hidden by RLS. */
const remaining = (tenantId: string) =>
  t.app.db.system(async (_tx, raw) => ({
    products: await count(raw, 'products WHERE tenant_id = $1', [tenantId]),
    skus: await count(raw, 'skus WHERE tenant_id = $1', [tenantId]),
    levels: await count(raw, 'stock_levels WHERE tenant_id = $1', [tenantId]),
    history: await count(raw, 'stock_history WHERE tenant_id = $1', [tenantId])
  }))

describe('sync tables without foreign keys', () => {
  it('should delete a tenant’s products, SKUs, levels and history with the tenant, and no other tenant’s', async () => {
    const [gone, kept] = [await syncedTenant(), await syncedTenant()]
    const before = await remaining(kept.tenantId)
    const synced = await remaining(gone.tenantId)
    expect(synced).toMatchObject({ products: 2, skus: 2, levels: 4 })
    expect(synced.history).toBeGreaterThan(0)
    await t.app.db.system((_tx, raw) => raw.query('DELETE FROM tenants WHERE id = $1', [gone.tenantId]))
    expect(await remaining(gone.tenantId)).toEqual({ products: 0, skus: 0, levels: 0, history: 0 })
    expect(await remaining(kept.tenantId)).toEqual(before)
  })

  it('should delete the SKUs of a deleted product with their levels and keep the others', async () => {
    const owner = await syncedTenant()
    await t.app.db.tenant(owner.tenantId, (_tx, raw) => raw.query('DELETE FROM products WHERE id = (SELECT min(id::text)::uuid FROM products)'))
    expect(await remaining(owner.tenantId)).toMatchObject({ products: 1, skus: 1, levels: 2 })
  })

  it('should delete the levels of a deleted SKU and keep the others', async () => {
    const owner = await syncedTenant()
    const levels = await t.app.db.tenant(owner.tenantId, async (_tx, raw) => {
      await raw.query('DELETE FROM skus WHERE id = (SELECT min(id::text)::uuid FROM skus)')
      return count(raw, 'stock_levels l WHERE NOT EXISTS (SELECT 1 FROM skus s WHERE s.id = l.sku_id)', [])
    })
    expect(levels).toBe(0)
    expect((await remaining(owner.tenantId)).levels).toBe(2)
  })

  it('should delete the levels of a deleted warehouse and keep the others', async () => {
    const owner = await syncedTenant()
    const levels = await t.app.db.tenant(owner.tenantId, async (_tx, raw) => {
      await raw.query('DELETE FROM warehouses WHERE id = (SELECT min(id::text)::uuid FROM warehouses)')
      return count(raw, 'stock_levels l WHERE NOT EXISTS (SELECT 1 FROM warehouses w WHERE w.id = l.warehouse_id)', [])
    })
    expect(levels).toBe(0)
    expect((await remaining(owner.tenantId)).levels).toBe(2)
  })
})
