import { randomUUID } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { setPlan } from '../../src/modules/tenants/repository.js'
import { TEST_PASSWORD, buildTestApp, login, registerTenant, testConfig, uniqueEmail, type Account, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'
import { canSpawnRedis, startOwnRedis, type OwnRedis } from '../helpers/redis.js'
import { waitFor } from '../helpers/wait.js'

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

    it('should not let the token of an ended session spend its tenant’s allowance', async () => {
      const owner = await registerTenant(t.app)
      const ended = await login(t.app, owner.email)
      const remaining = async () => Number((await t.app.inject({ url: '/api/v1/users/me', headers: owner.headers })).headers['ratelimit-remaining'])
      const before = await remaining()
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout?scope=local', headers: ended.headers })).statusCode).toBe(204)
      for (let i = 0; i < 4; i += 1) {
        expect((await t.app.inject({ url: '/api/v1/users/me', headers: ended.headers, remoteAddress: newIp() })).statusCode).toBe(401)
      }
      // The logout counted, and the request that reads the count.
      expect(await remaining()).toBe(before - 2)
    })

    it('should count a request refused for its role, and answer 429 rather than 403 past the allowance', async () => {
      const owner = await registerTenant(t.app)
      const viewer = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: owner.headers, payload: { email: uniqueEmail('viewer'), password: TEST_PASSWORD, role: 'viewer' } })
      expect(viewer.statusCode).toBe(201)
      const member = await login(t.app, viewer.json().email)
      let last = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: member.headers, payload: {} })
      expect(last.statusCode).toBe(403)
      while (last.statusCode === 403) last = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: member.headers, payload: {} })
      expectTooManyRequests(last)
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

describe.skipIf(!process.env.DATABASE_URL || !canSpawnRedis)('a tenant’s allowance in two app instances on one database and one Redis', () => {
  let redis: OwnRedis
  let observer: Redis
  let database: TestDatabase
  let a: FastifyInstance
  let b: FastifyInstance
  beforeAll(async () => {
    redis = await startOwnRedis()
    observer = new Redis(redis.url, { lazyConnect: true })
    database = await createTestDatabase()
    const config = testConfig({ ...LOW_LIMITS, RATE_LIMIT_API_PER_MINUTE: 'free=8', REDIS_URL: redis.url, DATABASE_URL: database.url })
    a = await buildApp(config)
    b = await buildApp(config)
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await observer?.quit()
    await database?.drop()
    await redis?.stop()
  })

  const me = (app: FastifyInstance, who: Account) => app.inject({ url: '/api/v1/users/me', headers: who.headers })

  it('should count its requests through either, each in one Redis command, and leave other tenants alone', async () => {
    const [owner, other] = [await registerTenant(a), await registerTenant(b)]
    // Each instance reads the caller once from the database and loads the scripts: not what a hot request costs.
    const warm = [await me(a, owner), await me(b, owner)]
    // The commands clients send, not those a script runs.
    const monitor = await observer.monitor()
    const sent: string[] = []
    monitor.on('monitor', (_time: string, args: string[], source: string) => void (source === 'lua' || sent.push(args[0]!.toLowerCase())))
    const remaining = []
    for (const app of [a, b, a, b]) remaining.push(Number((await me(app, owner)).headers['ratelimit-remaining']))
    await waitFor(() => sent.length >= 4, 'the requests’ commands')
    await new Promise((resolve) => setTimeout(resolve, 100))
    monitor.disconnect()
    expect(sent).toEqual(['evalsha', 'evalsha', 'evalsha', 'evalsha'])
    const start = Number(warm[1]!.headers['ratelimit-remaining'])
    expect(remaining).toEqual([start - 1, start - 2, start - 3, start - 4])
    let last = await me(b, owner)
    for (let i = 0; last.statusCode === 200; i += 1) last = await me(i % 2 ? a : b, owner)
    expectTooManyRequests(last)
    expectTooManyRequests(await me(a, owner))
    expect((await me(a, other)).statusCode).toBe(200)
    expect((await me(b, other)).statusCode).toBe(200)
  })
})
