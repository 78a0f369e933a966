import { randomUUID } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setPlan } from '../../src/modules/tenants/repository.js'
import { TEST_PASSWORD, buildTestApp, registerTenant, uniqueEmail, type TestApp } from '../helpers/app.js'

/** Low limits for what this file tests; sign-up stays generous here because every test signs up its tenants. */
const LOW_LIMITS = {
  RATE_LIMIT_LOGIN_FAILURES: '3',
  RATE_LIMIT_REFRESH: '2',
  RATE_LIMIT_API_PER_MINUTE: 'free=6',
  RATE_LIMIT_AUTH_FAILURES: '3'
}
/** Limits per address on sign-up and on public routes, in an app of their own. */
const ADDRESS_LIMITS = { RATE_LIMIT_REGISTER: '2', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3' }

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp(LOW_LIMITS)
})
afterAll(() => t.close())

let ipCounter = 0
/** Each test calls from addresses of its own, so per-address limits never leak between tests. */
function newIp(): string {
  ipCounter += 1
  return `10.0.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`
}

function loginFrom(app: FastifyInstance, ip: string, email: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email, password } })
}

function registerFrom(app: FastifyInstance, ip: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    remoteAddress: ip,
    payload: { email: uniqueEmail('rl'), password: TEST_PASSWORD, company_name: 'Limited Ltd', marketplace_type: 'wildberries' }
  })
}

function expectTooManyRequests(res: LightMyRequestResponse) {
  expect(res.statusCode).toBe(429)
  expect(res.headers['content-type']).toContain('application/problem+json')
  expect(res.json()).toMatchObject({ status: 429, title: 'Too Many Requests', type: expect.stringContaining('rate-limited') })
  const retryAfter = Number(res.headers['retry-after'])
  expect(retryAfter).toBeGreaterThan(0)
  return retryAfter
}

describe('rate limits', () => {
  describe('POST /api/v1/auth/login', () => {
    it('should lock an account out from an address after too many failures, even for the right password', async () => {
      const owner = await registerTenant(t.app)
      const ip = newIp()
      for (let i = 0; i < 3; i += 1) expect((await loginFrom(t.app, ip, owner.email, 'wrong password!')).statusCode).toBe(401)
      const locked = await loginFrom(t.app, ip, owner.email, TEST_PASSWORD)
      const retryAfter = expectTooManyRequests(locked)
      expect(retryAfter).toBeLessThanOrEqual(900)
      expect(locked.json().type).toMatch(/rate-limited\/login$/)
    })

    it('should count an email however it is written', async () => {
      const owner = await registerTenant(t.app)
      const ip = newIp()
      for (const variant of [owner.email.toUpperCase(), ` ${owner.email}`, owner.email]) await loginFrom(t.app, ip, variant, 'wrong password!')
      expectTooManyRequests(await loginFrom(t.app, ip, owner.email, TEST_PASSWORD))
    })

    it('should leave other accounts and other addresses unaffected', async () => {
      const [locked, other] = [await registerTenant(t.app), await registerTenant(t.app)]
      const ip = newIp()
      for (let i = 0; i < 4; i += 1) await loginFrom(t.app, ip, locked.email, 'wrong password!')
      expect((await loginFrom(t.app, ip, other.email, TEST_PASSWORD)).statusCode).toBe(200)
      expect((await loginFrom(t.app, newIp(), locked.email, TEST_PASSWORD)).statusCode).toBe(200)
    })

    it('should start counting again after a successful login', async () => {
      const owner = await registerTenant(t.app)
      const ip = newIp()
      for (let i = 0; i < 2; i += 1) await loginFrom(t.app, ip, owner.email, 'wrong password!')
      expect((await loginFrom(t.app, ip, owner.email, TEST_PASSWORD)).statusCode).toBe(200)
      for (let i = 0; i < 3; i += 1) expect((await loginFrom(t.app, ip, owner.email, 'wrong password!')).statusCode).toBe(401)
      expectTooManyRequests(await loginFrom(t.app, ip, owner.email, 'wrong password!'))
    })

    it('should count failures for an unknown email too', async () => {
      const ip = newIp()
      const email = uniqueEmail('nobody')
      for (let i = 0; i < 3; i += 1) expect((await loginFrom(t.app, ip, email, 'whatever-password')).statusCode).toBe(401)
      expectTooManyRequests(await loginFrom(t.app, ip, email, 'whatever-password'))
    })
  })

  describe('POST /api/v1/auth/refresh', () => {
    it('should limit refreshes per address', async () => {
      const owner = await registerTenant(t.app)
      const ip = newIp()
      const refresh = (token: string, from = ip) => t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', remoteAddress: from, payload: { refresh_token: token } })
      const next = await refresh(owner.refreshToken)
      expect(next.statusCode).toBe(200)
      expect((await refresh('not-a-token')).statusCode).toBe(401)
      expectTooManyRequests(await refresh(next.json().refresh_token))
      expect((await refresh(next.json().refresh_token, newIp())).statusCode).toBe(200)
    })
  })

  describe('authenticated API requests', () => {
    it('should limit each tenant by its plan, without touching other tenants', async () => {
      const [a, b] = [await registerTenant(t.app), await registerTenant(t.app)]
      const me = (who: typeof a) => t.app.inject({ url: '/api/v1/users/me', headers: who.headers })
      let last = await me(a)
      expect(last.headers['ratelimit-limit']).toBe('6')
      while (last.statusCode === 200) last = await me(a)
      expect(expectTooManyRequests(last)).toBeLessThanOrEqual(60)
      expect((await me(b)).statusCode).toBe(200)
      // A tenant moved to another plan (as `npm run set-plan` does it, through the cache) gets that plan's allowance
      // from its next request on.
      await t.app.cache.invalidating(a.tenantId, () => t.app.db.system((tx) => setPlan(tx, a.tenantId, 'pro')))
      const upgraded = await me(a)
      expect(upgraded.statusCode).toBe(200)
      expect(upgraded.headers['ratelimit-limit']).toBe('3000')
    })

    it('should count a tenant’s users together, from any address', async () => {
      const owner = await registerTenant(t.app)
      const remaining = async (ip: string) => Number((await t.app.inject({ url: '/api/v1/users/me', headers: owner.headers, remoteAddress: ip })).headers['ratelimit-remaining'])
      const first = await remaining(newIp())
      expect(await remaining(newIp())).toBe(first - 1)
    })
  })
})

describe('requests refused by authentication', () => {
  const withToken = (ip: string, token: string) => t.app.inject({ url: '/api/v1/users/me', remoteAddress: ip, headers: { authorization: `Bearer ${token}` } })

  it('should answer 429 with Retry-After once an address has sent too many bad or missing tokens, and leave valid tokens and other addresses alone', async () => {
    const owner = await registerTenant(t.app)
    const guesser = newIp()
    const refused = [
      await withToken(guesser, 'guess.one.x'),
      await t.app.inject({ url: '/api/v1/users/me', remoteAddress: guesser }),
      await withToken(guesser, `${owner.headers.authorization.slice('Bearer '.length)}x`)
    ]
    expect(refused.map((r) => r.statusCode)).toEqual([401, 401, 401])
    const throttled = await withToken(guesser, 'guess.four.x')
    expect(expectTooManyRequests(throttled)).toBeLessThanOrEqual(300)
    expect(throttled.json().type).toMatch(/rate-limited\/authentication$/)
    expect((await t.app.inject({ url: '/api/v1/users/me', remoteAddress: guesser, headers: owner.headers })).statusCode).toBe(200)
    expect((await withToken(newIp(), 'guess.five.x')).statusCode).toBe(401)
  })
})

describe('limits per address', () => {
  let anon: TestApp
  beforeAll(async () => {
    anon = await buildTestApp(ADDRESS_LIMITS)
  })
  afterAll(() => anon.close())

  describe('POST /api/v1/auth/register', () => {
    it('should allow a few sign-ups per address, with RateLimit headers, then answer 429', async () => {
      const ip = newIp()
      const first = await registerFrom(anon.app, ip)
      expect(first.statusCode).toBe(201)
      expect(first.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '1' })
      expect(Number(first.headers['ratelimit-reset'])).toBeGreaterThan(0)
      expect((await registerFrom(anon.app, ip)).headers['ratelimit-remaining']).toBe('0')
      const refused = await registerFrom(anon.app, ip)
      expect(expectTooManyRequests(refused)).toBeLessThanOrEqual(3600)
      expect(refused.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '0' })
      expect((await registerFrom(anon.app, newIp())).statusCode).toBe(201)
    })
  })

  it('should limit unauthenticated requests per address', async () => {
    const ip = newIp()
    const health = (from: string) => anon.app.inject({ url: '/api/v1/health', remoteAddress: from })
    for (let i = 0; i < 3; i += 1) expect((await health(ip)).statusCode).toBe(200)
    expectTooManyRequests(await health(ip))
    expect((await health(newIp())).statusCode).toBe(200)
  })
})

describe.skipIf(!process.env.REDIS_URL)('limits shared by two processes through Redis', () => {
  let a: TestApp
  let b: TestApp
  beforeAll(async () => {
    const env = { ...LOW_LIMITS, ...ADDRESS_LIMITS, REDIS_KEY_PREFIX: `test:${randomUUID()}:` }
    ;[a, b] = await Promise.all([buildTestApp(env), buildTestApp(env)])
  })
  afterAll(() => Promise.all([a?.close(), b?.close()]))

  it('should count failed logins made through either', async () => {
    const ip = newIp()
    const email = uniqueEmail('shared')
    await loginFrom(a.app, ip, email, 'wrong password!')
    await loginFrom(b.app, ip, email, 'wrong password!')
    await loginFrom(a.app, ip, email, 'wrong password!')
    expectTooManyRequests(await loginFrom(b.app, ip, email, 'wrong password!'))
  })

  it('should count sign-ups made through either', async () => {
    const ip = newIp()
    expect((await registerFrom(a.app, ip)).statusCode).toBe(201)
    expect((await registerFrom(b.app, ip)).statusCode).toBe(201)
    expectTooManyRequests(await registerFrom(a.app, ip))
  })
})
