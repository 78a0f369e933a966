import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_PASSWORD, addMember, bearer, buildTestApp, login, registerTenant, uniqueEmail, type TestApp } from '../../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })

describe('users', () => {
  describe('POST /api/v1/users', () => {
    it('should let the owner add an admin, and an admin add a user but not an admin', async () => {
      const owner = await registerTenant(t.app)
      const admin = await addMember(t.app, owner, 'admin')
      const asAdmin = await req('POST', '/api/v1/users', admin.headers, { email: uniqueEmail(), password: TEST_PASSWORD, role: 'user' })
      expect(asAdmin.statusCode).toBe(201)
      const adminAddsAdmin = await req('POST', '/api/v1/users', admin.headers, { email: uniqueEmail(), password: TEST_PASSWORD, role: 'admin' })
      expect(adminAddsAdmin.statusCode).toBe(403)
    })

    it('should never create a second owner', async () => {
      const owner = await registerTenant(t.app)
      const res = await req('POST', '/api/v1/users', owner.headers, { email: uniqueEmail(), password: TEST_PASSWORD, role: 'owner' })
      expect(res.statusCode).toBe(403)
    })

    it('should refuse an email already used in any tenant with 409', async () => {
      const a = await registerTenant(t.app)
      const b = await registerTenant(t.app)
      const res = await req('POST', '/api/v1/users', b.headers, { email: a.email.toUpperCase(), password: TEST_PASSWORD, role: 'user' })
      expect(res.statusCode).toBe(409)
    })

    it('should stop at the plan’s user quota with a 403 naming the quota', async () => {
      const owner = await registerTenant(t.app)
      for (let i = 0; i < 4; i += 1) await addMember(t.app, owner, 'viewer')
      const res = await req('POST', '/api/v1/users', owner.headers, { email: uniqueEmail(), password: TEST_PASSWORD, role: 'viewer' })
      expect(res.statusCode).toBe(403)
      expect(res.json().type).toMatch(/quota-exceeded\/users$/)
    })
  })

  describe('GET /api/v1/users', () => {
    it('should list only the caller’s team', async () => {
      const a = await registerTenant(t.app)
      await addMember(t.app, a, 'user')
      await registerTenant(t.app)
      const res = await req('GET', '/api/v1/users', a.headers)
      expect(res.statusCode).toBe(200)
      expect(res.json().total).toBe(2)
      expect(res.json().items.every((u: { tenant_id: string }) => u.tenant_id === a.tenantId)).toBe(true)
      expect(JSON.stringify(res.json())).not.toContain('password')
    })
  })

  describe('PATCH /api/v1/users/:id', () => {
    it('should change a role with effect on the member’s very next request', async () => {
      const owner = await registerTenant(t.app)
      const admin = await addMember(t.app, owner, 'admin')
      expect((await req('GET', '/api/v1/users', admin.headers)).statusCode).toBe(200)
      const res = await req('PATCH', `/api/v1/users/${admin.userId}`, owner.headers, { role: 'viewer' })
      expect(res.statusCode).toBe(200)
      expect(res.json().role).toBe('viewer')
      expect((await req('GET', '/api/v1/users', admin.headers)).statusCode).toBe(403)
    })

    it('should not demote the owner', async () => {
      const owner = await registerTenant(t.app)
      const admin = await addMember(t.app, owner, 'admin')
      expect((await req('PATCH', `/api/v1/users/${owner.userId}`, owner.headers, { role: 'admin' })).statusCode).toBe(403)
      expect((await req('PATCH', `/api/v1/users/${owner.userId}`, admin.headers, { role: 'viewer' })).statusCode).toBe(403)
    })

    it('should not let an admin change another admin', async () => {
      const owner = await registerTenant(t.app)
      const admin = await addMember(t.app, owner, 'admin')
      const other = await addMember(t.app, owner, 'admin')
      expect((await req('PATCH', `/api/v1/users/${other.userId}`, admin.headers, { role: 'user' })).statusCode).toBe(403)
    })

    it('should answer 404 for a user of another tenant and leave it untouched', async () => {
      const a = await registerTenant(t.app)
      const member = await addMember(t.app, a, 'user')
      const b = await registerTenant(t.app)
      expect((await req('PATCH', `/api/v1/users/${member.userId}`, b.headers, { role: 'viewer' })).statusCode).toBe(404)
      const list = (await req('GET', '/api/v1/users', a.headers)).json()
      expect(list.items.find((u: { id: string }) => u.id === member.userId).role).toBe('user')
    })

    it('should answer 422 for an id that is not a UUID', async () => {
      const owner = await registerTenant(t.app)
      expect((await req('PATCH', '/api/v1/users/not-a-uuid', owner.headers, { role: 'user' })).statusCode).toBe(422)
    })
  })

  describe('DELETE /api/v1/users/:id', () => {
    it('should remove a member whose tokens stop working at once', async () => {
      const owner = await registerTenant(t.app)
      const member = await addMember(t.app, owner, 'user')
      expect((await req('DELETE', `/api/v1/users/${member.userId}`, owner.headers)).statusCode).toBe(204)
      expect((await req('GET', '/api/v1/users/me', member.headers)).statusCode).toBe(401)
      const refresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: member.refreshToken } })
      expect(refresh.statusCode).toBe(401)
    })

    it('should not remove the owner, nor let another tenant remove anyone', async () => {
      const owner = await registerTenant(t.app)
      const admin = await addMember(t.app, owner, 'admin')
      const stranger = await registerTenant(t.app)
      expect((await req('DELETE', `/api/v1/users/${owner.userId}`, admin.headers)).statusCode).toBe(403)
      expect((await req('DELETE', `/api/v1/users/${admin.userId}`, stranger.headers)).statusCode).toBe(404)
    })
  })

  describe('POST /api/v1/users/me/password', () => {
    it('should change the password and end the user’s other sessions', async () => {
      const owner = await registerTenant(t.app)
      const other = await login(t.app, owner.email)
      const res = await req('POST', '/api/v1/users/me/password', owner.headers, { current_password: TEST_PASSWORD, new_password: 'a brand new passphrase' })
      expect(res.statusCode).toBe(204)
      expect((await req('GET', '/api/v1/users/me', owner.headers)).statusCode).toBe(200)
      expect((await req('GET', '/api/v1/users/me', other.headers)).statusCode).toBe(401)
      await expect(login(t.app, owner.email)).rejects.toThrow(/401/)
      await expect(login(t.app, owner.email, 'a brand new passphrase')).resolves.toBeTruthy()
    })

    it('should refuse a wrong current password with 422', async () => {
      const owner = await registerTenant(t.app)
      const res = await req('POST', '/api/v1/users/me/password', owner.headers, { current_password: 'wrong one!', new_password: 'a brand new passphrase' })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors[0].field).toBe('current_password')
    })
  })

  describe('GET and DELETE /api/v1/users/me/sessions', () => {
    it('should list live sessions with the current one marked, and end another', async () => {
      const owner = await registerTenant(t.app)
      const other = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: owner.email, password: TEST_PASSWORD },
        headers: { 'user-agent': 'phone-app/1.0' }
      })
      const list = (await req('GET', '/api/v1/users/me/sessions', owner.headers)).json()
      expect(list.items).toHaveLength(2)
      expect(list.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1)
      const phone = list.items.find((s: { user_agent: string }) => s.user_agent === 'phone-app/1.0')
      expect(phone).toBeTruthy()
      expect((await req('DELETE', `/api/v1/users/me/sessions/${phone.id}`, owner.headers)).statusCode).toBe(204)
      expect((await req('GET', '/api/v1/users/me', bearer(other.json().access_token))).statusCode).toBe(401)
      expect((await req('DELETE', `/api/v1/users/me/sessions/${phone.id}`, owner.headers)).statusCode).toBe(404)
    })

    it('should not end another user’s session', async () => {
      const a = await registerTenant(t.app)
      const b = await registerTenant(t.app)
      const sessions = (await req('GET', '/api/v1/users/me/sessions', a.headers)).json()
      expect((await req('DELETE', `/api/v1/users/me/sessions/${sessions.items[0].id}`, b.headers)).statusCode).toBe(404)
      expect((await req('GET', '/api/v1/users/me', a.headers)).statusCode).toBe(200)
    })
  })
})
