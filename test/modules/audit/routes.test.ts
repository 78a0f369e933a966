import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMember, buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { captureLogs } from '../../helpers/logs.js'

const logs = captureLogs()
let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ LOG_LEVEL: 'debug' }, { logStream: logs.stream })
})
afterAll(() => t.close())

interface AuditItem {
  id: number
  action: string
  actor_user_id: string | null
  target_type: string | null
  target_id: string | null
  details: Record<string, unknown>
}

const list = (who: Account, query = '') => t.app.inject({ url: `/api/v1/audit${query}`, headers: who.headers })
const items = async (who: Account, query = '') => (await list(who, query)).json<{ items: AuditItem[] }>().items

/** A tenant with a little history: sign-up, a rename, a new member who logs in, a failed login of the owner. */
async function tenantWithHistory() {
  const owner = await registerTenant(t.app)
  await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: owner.headers, payload: { name: 'Renamed Ltd' } })
  const admin = await addMember(t.app, owner, 'admin')
  await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: owner.email, password: 'not the password' } })
  return { owner, admin }
}

describe('audit', () => {
  describe('GET /api/v1/audit', () => {
    it('should list the tenant’s events newest first', async () => {
      const { owner, admin } = await tenantWithHistory()
      const res = await list(owner)
      expect(res.statusCode).toBe(200)
      const events = res.json().items as AuditItem[]
      expect(events.map((e) => e.action)).toEqual(['login.failed', 'login.succeeded', 'user.created', 'tenant.updated', 'tenant.registered'])
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => b - a))
      expect(res.json().next_cursor).toBeNull()
      expect(events[2]).toMatchObject({ actor_user_id: owner.userId, target_type: 'user', target_id: admin.userId, details: { role: 'admin' } })
      expect(events[0]).toMatchObject({
        actor_user_id: owner.userId,
        ip: '127.0.0.1',
        request_id: expect.any(String),
        details: { reason: 'wrong_password' },
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)
      })
    })

    it('should filter by action and by actor', async () => {
      const { owner, admin } = await tenantWithHistory()
      expect((await items(owner, '?action=tenant.updated')).map((e) => e.details)).toEqual([{ name: 'Renamed Ltd' }])
      expect((await items(owner, `?actor_user_id=${admin.userId}`)).map((e) => e.action)).toEqual(['login.succeeded'])
      expect(await items(owner, `?action=tenant.updated&actor_user_id=${admin.userId}`)).toEqual([])
    })

    it('should page with an opaque cursor until every event was seen once', async () => {
      const { owner } = await tenantWithHistory()
      const all = await items(owner)
      const seen: number[] = []
      let cursor: string | null = null
      do {
        const page: { items: AuditItem[]; next_cursor: string | null } = (await list(owner, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()
        expect(page.items.length).toBeLessThanOrEqual(2)
        seen.push(...page.items.map((e) => e.id))
        cursor = page.next_cursor
      } while (cursor)
      expect(seen).toEqual(all.map((e) => e.id))
    })

    it('should refuse a bad cursor, limit or filter with 422', async () => {
      const { owner } = await tenantWithHistory()
      // A real signature on a body the server did not sign: an attempt to jump to another position.
      const [, tag] = (await list(owner, '?limit=1')).json().next_cursor.split('.')
      const forged = `${Buffer.from(JSON.stringify(['audit', 1])).toString('base64url')}.${tag}`
      const otherList = t.app.cursors.encode(['name', 'Red mug', owner.userId])
      const bad = [forged, otherList, t.app.cursors.encode(['audit', 0]), 'bm90LWEtY3Vyc29y'].map((c) => `?cursor=${encodeURIComponent(c)}`)
      for (const query of [...bad, '?limit=0', '?limit=201', '?actor_user_id=nope', '?action=DROP%20TABLE', '?other=1']) {
        expect((await list(owner, query)).statusCode, query).toBe(422)
      }
    })

    it('should show a tenant none of another tenant’s events', async () => {
      const a = await tenantWithHistory()
      const b = await registerTenant(t.app)
      const events = await items(b)
      expect(events.map((e) => e.action)).toEqual(['tenant.registered'])
      expect(await items(b, `?actor_user_id=${a.owner.userId}`)).toEqual([])
      expect(JSON.stringify(events)).not.toContain(a.owner.tenantId)
    })

    it('should be for owners and admins only', async () => {
      const { owner, admin } = await tenantWithHistory()
      expect((await list(admin)).statusCode).toBe(200)
      for (const role of ['user', 'viewer']) {
        const member = await addMember(t.app, owner, role)
        const res = await list(member)
        expect(res.statusCode).toBe(403)
        expect(res.headers['content-type']).toContain('application/problem+json')
      }
    })

    it('should never show a stored secret, nor write it to the logs', async () => {
      const apiKey = `wb-audit-secret-${process.pid}-KEEPOUT`
      t.fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products: 2 })
      const owner = await registerTenant(t.app)
      const stored = await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me/credentials', headers: owner.headers, payload: { marketplace_type: 'wildberries', api_key: apiKey } })
      expect(stored.statusCode).toBe(200)
      const res = await list(owner, '?action=credentials.updated')
      expect(res.json().items).toEqual([expect.objectContaining({ target_id: 'wildberries', details: { api_key_last4: 'POUT', status: 'valid' } })])
      expect(res.body).not.toContain(apiKey)
      expect(logs.records().length).toBeGreaterThan(0)
      expect(logs.text()).not.toContain(apiKey)
      expect(logs.text()).not.toContain(owner.accessToken)
    })
  })
})
