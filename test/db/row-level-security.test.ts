import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { users } from '../../src/db/schema.js'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../helpers/app.js'

let t: TestApp
let a: Account
let b: Account
beforeAll(async () => {
  t = await buildTestApp()
  a = await registerTenant(t.app)
  b = await registerTenant(t.app)
})
afterAll(() => t.close())

describe('row-level security', () => {
  it('should return only the current tenant’s rows to a query that forgot its tenant filter', async () => {
    const rows = await t.app.db.tenant(a.tenantId, (tx) => tx.select({ tenantId: users.tenantId }).from(users))
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.tenantId === a.tenantId)).toBe(true)
  })

  it('should return nothing when no tenant is set', async () => {
    const rows = await t.app.db.tenant('00000000-0000-0000-0000-000000000000', (tx) => tx.select().from(users))
    expect(rows).toEqual([])
  })

  it('should refuse to write a row into another tenant', async () => {
    const attempt = t.app.db.tenant(a.tenantId, (tx) =>
      tx.insert(users).values({ tenantId: b.tenantId, email: 'intruder@example.com', passwordHash: 'x', role: 'owner' })
    )
    await expect(attempt).rejects.toThrow()
  })

  it('should not let an update reach another tenant’s rows', async () => {
    const stamp = new Date('2001-01-01T00:00:00Z')
    const changed = await t.app.db.tenant(a.tenantId, (tx) => tx.update(users).set({ lastLoginAt: stamp }).returning({ id: users.id }))
    expect(changed.map((row) => row.id)).toEqual([a.userId])
    const [bOwner] = await t.app.db.tenant(b.tenantId, (tx) => tx.select({ lastLoginAt: users.lastLoginAt }).from(users))
    expect(bOwner!.lastLoginAt).not.toEqual(stamp)
  })

  it('should show no rows to the connecting role outside the app roles', async () => {
    const result = await t.app.db.owner.query<{ n: number }>('SELECT count(*)::int AS n FROM users')
    const superuser = await t.app.db.owner.query<{ s: boolean }>("SELECT rolsuper AS s FROM pg_roles WHERE rolname = current_user")
    // A superuser bypasses RLS by definition; every other owner is bound by FORCE ROW LEVEL SECURITY.
    if (!superuser.rows[0]!.s) expect(result.rows[0]!.n).toBe(0)
    else expect(result.rows[0]!.n).toBeGreaterThan(0)
  })
})

describe('tenant isolation under load', () => {
  it('should keep 500 interleaved parallel requests of two tenants apart', async () => {
    const requests = Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? a : b))
    const results = await Promise.all(
      requests.map(async (who) => {
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/me', headers: who.headers })
        const users = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: who.headers })
        return { who, tenant: res.json().id as string, members: users.json().items.map((u: { tenant_id: string }) => u.tenant_id) as string[] }
      })
    )
    for (const r of results) {
      expect(r.tenant).toBe(r.who.tenantId)
      expect(r.members.every((id) => id === r.who.tenantId)).toBe(true)
    }
  })
})
