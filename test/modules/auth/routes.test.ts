import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_PASSWORD, bearer, buildTestApp, login, registerTenant, uniqueEmail, type TestApp } from '../../helpers/app.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, payload: payload as object, headers })

describe('auth', () => {
  describe('POST /api/v1/auth/register', () => {
    it('should create the tenant, its owner and a FREE subscription, and return a token pair', async () => {
      const email = uniqueEmail()
      const res = await post('/api/v1/auth/register', { email, password: TEST_PASSWORD, company_name: 'Shop', marketplace_type: 'ozon' })
      expect(res.statusCode).toBe(201)
      expect(res.headers['cache-control']).toBe('no-store')
      const body = res.json()
      expect(body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 900 })
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(body.access_token) })
      expect(me.json()).toMatchObject({ email, role: 'owner' })
      const tenant = await t.app.inject({ method: 'GET', url: '/api/v1/tenants/me', headers: bearer(body.access_token) })
      expect(tenant.json()).toMatchObject({ name: 'Shop', marketplace_type: 'ozon', subscription: { plan: 'free', status: 'active' }, credentials: [] })
    })

    it('should give each new tenant a time-ordered id (UUIDv7), later than every earlier tenant\'s', async () => {
      const first = await registerTenant(t.app)
      const second = await registerTenant(t.app)
      for (const { tenantId } of [first, second]) expect(tenantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      // PostgreSQL orders uuids by their bytes, as the lowercase hex text orders.
      expect(second.tenantId > first.tenantId).toBe(true)
    })

    it('should store the email normalised and refuse the same email in another case with 409', async () => {
      const email = uniqueEmail('Mixed.Case')
      const first = await registerTenant(t.app, { email: email.toUpperCase() })
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: first.headers })
      expect(me.json().email).toBe(email.toLowerCase())
      const again = await post('/api/v1/auth/register', { email: email.toLowerCase(), password: TEST_PASSWORD, company_name: 'B', marketplace_type: 'ozon' })
      expect(again.statusCode).toBe(409)
      expect(again.headers['content-type']).toContain('application/problem+json')
    })

    it('should refuse a common password with 422 naming the field', async () => {
      const res = await post('/api/v1/auth/register', { email: uniqueEmail(), password: 'password123', company_name: 'A', marketplace_type: 'ozon' })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors).toEqual([{ field: 'password', message: expect.stringContaining('common') }])
    })

    it('should refuse passwords shorter than 8 or longer than 128 characters before hashing', async () => {
      for (const password of ['short', 'x'.repeat(129)]) {
        const res = await post('/api/v1/auth/register', { email: uniqueEmail(), password, company_name: 'A', marketplace_type: 'ozon' })
        expect(res.statusCode).toBe(422)
        expect(res.json().errors[0].field).toBe('password')
      }
    })

    it('should count length in characters, accepting an 8-character non-ASCII password', async () => {
      const res = await post('/api/v1/auth/register', { email: uniqueEmail(), password: 'пароль🔑🔑', company_name: 'A', marketplace_type: 'ozon' })
      expect(res.statusCode).toBe(201)
    })

    it('should refuse unknown fields such as tenant_id or role with 422', async () => {
      const res = await post('/api/v1/auth/register', {
        email: uniqueEmail(),
        password: TEST_PASSWORD,
        company_name: 'A',
        marketplace_type: 'ozon',
        role: 'admin',
        tenant_id: '00000000-0000-0000-0000-000000000000'
      })
      expect(res.statusCode).toBe(422)
      expect(res.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['role', 'tenant_id'])
    })
  })

  describe('POST /api/v1/auth/login', () => {
    it('should return a token pair for the right password', async () => {
      const owner = await registerTenant(t.app)
      const res = await post('/api/v1/auth/login', { email: owner.email, password: TEST_PASSWORD })
      expect(res.statusCode).toBe(200)
      expect(res.json().token_type).toBe('bearer')
    })

    it('should answer an unknown email and a wrong password with the same 401 body', async () => {
      const owner = await registerTenant(t.app)
      const wrong = await post('/api/v1/auth/login', { email: owner.email, password: 'not the password' })
      const unknown = await post('/api/v1/auth/login', { email: uniqueEmail('nobody'), password: 'not the password' })
      expect(wrong.statusCode).toBe(401)
      expect(unknown.statusCode).toBe(401)
      const strip = (b: Record<string, unknown>) => ({ ...b, request_id: undefined })
      expect(strip(wrong.json())).toEqual(strip(unknown.json()))
      expect(wrong.headers['www-authenticate']).toMatch(/^Bearer /)
    })

    it('should accept the email in any case', async () => {
      const owner = await registerTenant(t.app)
      const res = await post('/api/v1/auth/login', { email: owner.email.toUpperCase(), password: TEST_PASSWORD })
      expect(res.statusCode).toBe(200)
    })
  })

  describe('POST /api/v1/auth/refresh', () => {
    it('should rotate: the new pair works and the old refresh token is retired', async () => {
      const owner = await registerTenant(t.app)
      const res = await post('/api/v1/auth/refresh', { refresh_token: owner.refreshToken })
      expect(res.statusCode).toBe(200)
      const next = res.json()
      expect(next.refresh_token).not.toBe(owner.refreshToken)
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(next.access_token) })
      expect(me.statusCode).toBe(200)
    })

    it('should treat reuse of a rotated token as theft: 401 and the whole session ends', async () => {
      const owner = await registerTenant(t.app)
      const other = await login(t.app, owner.email)
      const rotated = (await post('/api/v1/auth/refresh', { refresh_token: owner.refreshToken })).json()
      const reuse = await post('/api/v1/auth/refresh', { refresh_token: owner.refreshToken })
      expect(reuse.statusCode).toBe(401)
      const child = await post('/api/v1/auth/refresh', { refresh_token: rotated.refresh_token })
      expect(child.statusCode).toBe(401)
      const access = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(rotated.access_token) })
      expect(access.statusCode).toBe(401)
      const otherSession = await post('/api/v1/auth/refresh', { refresh_token: other.refreshToken })
      expect(otherSession.statusCode).toBe(200)
    })

    it('should give at most one new token for ten concurrent refreshes of one token, and never a 5xx', async () => {
      const owner = await registerTenant(t.app)
      const results = await Promise.all(Array.from({ length: 10 }, () => post('/api/v1/auth/refresh', { refresh_token: owner.refreshToken })))
      const statuses = results.map((r) => r.statusCode)
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1)
      expect(statuses.every((s) => s === 200 || s === 401)).toBe(true)
    })

    it('should refuse an unknown refresh token and an access token in its place', async () => {
      const owner = await registerTenant(t.app)
      expect((await post('/api/v1/auth/refresh', { refresh_token: 'nonsense' })).statusCode).toBe(401)
      expect((await post('/api/v1/auth/refresh', { refresh_token: owner.accessToken })).statusCode).toBe(401)
    })

    it('should not accept a refresh token as an access token', async () => {
      const owner = await registerTenant(t.app)
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(owner.refreshToken) })
      expect(res.statusCode).toBe(401)
    })
  })

  describe('POST /api/v1/auth/logout', () => {
    it('should end every session of the user by default, including their access tokens', async () => {
      const owner = await registerTenant(t.app)
      const second = await login(t.app, owner.email)
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: owner.headers })
      expect(res.statusCode).toBe(204)
      expect((await post('/api/v1/auth/refresh', { refresh_token: owner.refreshToken })).statusCode).toBe(401)
      expect((await post('/api/v1/auth/refresh', { refresh_token: second.refreshToken })).statusCode).toBe(401)
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: second.headers })).statusCode).toBe(401)
    })

    it('should end only this session with scope=local', async () => {
      const owner = await registerTenant(t.app)
      const second = await login(t.app, owner.email)
      await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=local', headers: owner.headers })
      expect((await post('/api/v1/auth/refresh', { refresh_token: owner.refreshToken })).statusCode).toBe(401)
      expect((await post('/api/v1/auth/refresh', { refresh_token: second.refreshToken })).statusCode).toBe(200)
    })

    it('should end all other sessions with scope=others', async () => {
      const owner = await registerTenant(t.app)
      const second = await login(t.app, owner.email)
      await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=others', headers: owner.headers })
      expect((await post('/api/v1/auth/refresh', { refresh_token: owner.refreshToken })).statusCode).toBe(200)
      expect((await post('/api/v1/auth/refresh', { refresh_token: second.refreshToken })).statusCode).toBe(401)
    })

    it('should require authentication', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout' })
      expect(res.statusCode).toBe(401)
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /)
    })
  })
})

describe('auth with a reuse grace window', () => {
  let g: TestApp
  beforeAll(async () => {
    g = await buildTestApp({ REFRESH_REUSE_GRACE_S: '5' })
  })
  afterAll(() => g.close())

  it('should answer the immediate parent within the window with the same child token', async () => {
    const owner = await registerTenant(g.app)
    const first = await g.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: owner.refreshToken } })
    const retry = await g.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: owner.refreshToken } })
    expect(first.statusCode).toBe(200)
    expect(retry.statusCode).toBe(200)
    expect(retry.json().refresh_token).toBe(first.json().refresh_token)
  })
})
