import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeMarketplace, type FakeMarketplace } from '../src/fake-marketplace/server.js'
import { projectPath } from '../src/project-root.js'
import { generateFernetKey } from '../src/security/fernet.js'
import { UNLIMITED, freePort, waitForHttp } from '../bench/support.js'
import { createTestDatabase, type TestDatabase } from './helpers/database.js'
import { canSpawnRedis, startOwnRedis, type OwnRedis } from './helpers/redis.js'
import { waitFor } from './helpers/wait.js'
import { startReceiver, type Receiver } from './notifications/helpers/receiver.js'

/**
 * The scale-out proof: two API processes and two workers of the real build on one PostgreSQL and one Redis, as
 * `npm run start:api` / `start:worker` run them. Embedded PGlite serves one process by design. The Redis is this
 * file's own, so the rate limits can be the real ones without other test files counting against them.
 */
const SELLER_KEY = 'scale-out-wb-key-0001'
const SMALL_SELLER_KEY = 'scale-out-wb-key-0002'
const PRODUCTS = 900
const PASSWORD = 'scale out passphrase'
/** The API allowance of the `pro` plan in these processes; the other plans are left unlimited. */
const PRO_PER_MINUTE = 20

describe.skipIf(!process.env.DATABASE_URL || !canSpawnRedis)('scale-out on PostgreSQL and Redis', () => {
  let database: TestDatabase
  let redis: OwnRedis
  let fake: FakeMarketplace
  const processes: ChildProcess[] = []
  const workers: ChildProcess[] = []
  const apis: string[] = []
  let env: Record<string, string>

  function start(role: 'api' | 'worker', port: number): ChildProcess {
    const child = spawn(process.execPath, ['dist/server.js', `--role=${role}`], {
      cwd: projectPath(),
      env: { ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit']
    })
    processes.push(child)
    if (role === 'worker') workers.push(child)
    return child
  }

  async function runningWorkers(n: number): Promise<void> {
    const alive = workers.filter((child) => child.exitCode === null && child.signalCode === null).length
    for (let i = alive; i < n; i += 1) start('worker', await freePort())
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: projectPath() })
    database = await createTestDatabase()
    redis = await startOwnRedis()
    fake = await startFakeMarketplace({
      sellers: [
        { marketplace: 'wildberries', apiKey: SELLER_KEY, products: PRODUCTS, sizesPerProduct: 2, sellerWarehouses: 2, fboWarehouses: 1 },
        { marketplace: 'wildberries', apiKey: SMALL_SELLER_KEY, products: 20, sizesPerProduct: 1, sellerWarehouses: 1, fboWarehouses: 0 }
      ]
    })
    env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: database.url!,
      REDIS_URL: redis.url,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Sign-ups and the sync test's polling are not what is measured; failed logins and the pro plan's allowance are.
      ...UNLIMITED,
      RATE_LIMIT_LOGIN_FAILURES: '10',
      RATE_LIMIT_API_PER_MINUTE: `free=10000000,pro=${PRO_PER_MINUTE},enterprise=10000000`,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      SECRET_KEY: randomBytes(48).toString('base64url'),
      ENCRYPTION_MASTER_KEY: generateFernetKey(),
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_ITERATIONS: '1',
      WB_API_BASE_URL: fake.url,
      MARKETPLACE_PACING: 'relaxed',
      JOB_POLL_INTERVAL_S: '0.5',
      WORKER_CONCURRENCY: '1',
      SYNC_TIMEOUT_S: '6',
      SYNC_RETRY_DELAY_S: '1',
      JOB_MAINTENANCE_INTERVAL_S: '1'
    }
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort()
      start('api', port)
      apis.push(`http://127.0.0.1:${port}`)
    }
    await Promise.all(apis.map((base) => waitForHttp(`${base}/api/v1/health`)))
  }, 120_000)

  afterAll(async () => {
    await Promise.all(
      processes.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r).kill('SIGTERM')) : null))
    )
    await fake?.close()
    await redis?.stop()
    await database?.drop()
  })

  async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined
    })
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> }
  }

  async function register(base: string, label: string): Promise<{ token: string; email: string; tenantId: string }> {
    const email = `${label}-${randomBytes(3).toString('hex')}@example.com`
    const registered = await call(base, 'POST', '/api/v1/auth/register', undefined, { email, password: PASSWORD, company_name: label, marketplace_type: 'wildberries' })
    expect(registered.status).toBe(201)
    const token = registered.body.access_token as string
    const me = await call(base, 'GET', '/api/v1/users/me', token)
    return { token, email, tenantId: me.body.tenant_id as string }
  }

  /** Plans change outside the API, through `npm run set-plan`'s build, which reaches the servers' shared cache. */
  async function setPlan(tenantId: string, plan: string): Promise<void> {
    execFileSync(process.execPath, ['dist/cli/set-plan.js', tenantId, plan], { cwd: projectPath(), env, stdio: ['ignore', 'ignore', 'inherit'] })
  }

  it('should collapse a burst of sync requests across API processes into one sync, and finish it after its worker is killed mid-sync', async () => {
    const [a, b] = apis as [string, string]
    const registered = await call(a, 'POST', '/api/v1/auth/register', undefined, {
      email: `scale-${randomBytes(3).toString('hex')}@example.com`,
      password: 'scale out passphrase',
      company_name: 'Scale',
      marketplace_type: 'wildberries'
    })
    const token = registered.body.access_token as string
    expect((await call(b, 'PATCH', '/api/v1/tenants/me/credentials', token, { marketplace_type: 'wildberries', api_key: SELLER_KEY })).status).toBe(200)

    // Slow catalogue pages, so the sync is still running when its worker is killed.
    fake.faults.add({ route: '/content/v2/get/cards/list', kind: 'delay', delayMs: 400, times: 1_000 })
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => call(i % 2 ? a : b, 'POST', '/api/v1/products/sync', token)))
    expect(burst.every((r) => r.status === 202)).toBe(true)
    const jobIds = new Set(burst.map((r) => r.body.job_id as string))
    expect(jobIds.size).toBe(1)
    const [jobId] = [...jobIds]

    const first = start('worker', await freePort())
    let job = (await call(a, 'GET', `/api/v1/sync/jobs/${jobId}`, token)).body
    for (let i = 0; i < 300 && !(job.status === 'running' && (job.progress as { pages: number }).pages >= 2); i += 1) {
      await new Promise((r) => setTimeout(r, 100))
      job = (await call(a, 'GET', `/api/v1/sync/jobs/${jobId}`, token)).body
    }
    expect(job.status).toBe('running')
    first.kill('SIGKILL')
    fake.faults.clear()
    start('worker', await freePort())

    for (let i = 0; i < 600 && job.status !== 'succeeded' && job.status !== 'failed'; i += 1) {
      await new Promise((r) => setTimeout(r, 100))
      job = (await call(b, 'GET', `/api/v1/sync/jobs/${jobId}`, token)).body
    }
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 })
    expect((job.progress as { products: number }).products).toBe(PRODUCTS)
    const jobs = (await call(b, 'GET', '/api/v1/sync/jobs', token)).body.items as unknown[]
    expect(jobs).toHaveLength(1)
  }, 120_000)

  it('should deliver every webhook event exactly once, signed, whichever API process produced it and whichever worker sent it', async () => {
    const [a, b] = apis as [string, string]
    await runningWorkers(2)
    const receiver: Receiver = await startReceiver((res) => res.writeHead(204).end())
    try {
      const owner = await register(a, 'hooks')
      const endpoints: Array<{ id: string; secret: string }> = []
      for (const [i, base] of [a, b].entries()) {
        const created = await call(base, 'POST', '/api/v1/webhooks', owner.token, { url: `${receiver.url}/hook/${i}`, events: ['sync.succeeded', 'sync.failed'] })
        expect(created.status).toBe(201)
        endpoints.push({ id: created.body.id as string, secret: created.body.secret as string })
      }
      // Test pings through both processes to both endpoints, and a sync whose outcome goes to both.
      const pings = await Promise.all(
        Array.from({ length: 24 }, (_, i) => call(i % 2 ? a : b, 'POST', `/api/v1/webhooks/${endpoints[i % endpoints.length]!.id}/test`, owner.token))
      )
      expect(pings.map((p) => p.status)).toEqual(pings.map(() => 202))
      expect((await call(b, 'PATCH', '/api/v1/tenants/me/credentials', owner.token, { marketplace_type: 'wildberries', api_key: SMALL_SELLER_KEY })).status).toBe(200)
      const sync = await call(a, 'POST', '/api/v1/products/sync', owner.token)
      expect(sync.status).toBe(202)
      const expected = pings.length + endpoints.length

      await waitFor(() => new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size >= expected, 'every webhook to arrive', 30_000)
      const deliveries = await Promise.all(
        endpoints.map(async (endpoint, i) => {
          const settled = await waitFor(
            async () => {
              const { body } = await call(i % 2 ? a : b, 'GET', `/api/v1/webhooks/${endpoint.id}/deliveries?limit=100`, owner.token)
              const items = body.items as Array<{ webhook_id: string; status: string; attempts: number; event_type: string }>
              return items.every((d) => d.status === 'succeeded') && items
            },
            'the deliveries to settle',
            10_000
          )
          return settled.map((d) => ({ ...d, endpoint }))
        })
      )
      const messages = deliveries.flat()
      expect(messages).toHaveLength(expected)
      expect(messages.filter((m) => m.event_type === 'sync.succeeded')).toHaveLength(endpoints.length)
      expect(messages.every((m) => m.attempts === 1)).toBe(true)

      // A message delivered twice would show up here even after its first delivery was recorded.
      await new Promise((r) => setTimeout(r, 1_500))
      const received = receiver.requests.map((r) => String(r.headers['webhook-id']))
      expect(received.toSorted()).toEqual(messages.map((m) => m.webhook_id).toSorted())
      for (const request of receiver.requests) {
        const message = messages.find((m) => m.webhook_id === request.headers['webhook-id'])!
        expect(request.url).toBe(`/hook/${endpoints.indexOf(message.endpoint)}`)
        const headers = {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature'])
        }
        expect(() => new Webhook(message.endpoint.secret).verify(request.body, headers)).not.toThrow()
      }
    } finally {
      await receiver.close()
    }
  }, 60_000)

  it('should lock out an account and address after 10 failed logins spread over both API processes, the right password included', async () => {
    const [a, b] = apis as [string, string]
    const victim = await register(a, 'locked')
    const bystander = await register(b, 'bystander')
    for (let i = 0; i < 10; i += 1) {
      const attempt = await call(i % 2 ? a : b, 'POST', '/api/v1/auth/login', undefined, { email: victim.email, password: 'wrong guess' })
      expect(attempt.status).toBe(401)
    }
    for (const base of [a, b]) {
      const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: victim.email, password: PASSWORD }) })
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    expect((await call(b, 'POST', '/api/v1/auth/login', undefined, { email: bystander.email, password: PASSWORD })).status).toBe(200)
  }, 30_000)

  it("should count a tenant's per-minute API allowance across both API processes without touching another tenant's", async () => {
    const [a, b] = apis as [string, string]
    const busy = await register(a, 'busy')
    const quiet = await register(b, 'quiet')
    await setPlan(busy.tenantId, 'pro')
    await setPlan(quiet.tenantId, 'pro')
    // Registration already spent one request of the allowance (GET /users/me).
    const allowed = []
    for (let i = 1; i < PRO_PER_MINUTE; i += 1) allowed.push((await call(i % 2 ? a : b, 'GET', '/api/v1/tenants/me', busy.token)).status)
    expect(allowed).toEqual(allowed.map(() => 200))
    for (const base of [a, b]) {
      const res = await fetch(`${base}/api/v1/tenants/me`, { headers: { authorization: `Bearer ${busy.token}` } })
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    const other = await fetch(`${a}/api/v1/tenants/me`, { headers: { authorization: `Bearer ${quiet.token}` } })
    expect(other.status).toBe(200)
    expect(other.headers.get('ratelimit-limit')).toBe(String(PRO_PER_MINUTE))
    expect(Number(other.headers.get('ratelimit-remaining'))).toBe(PRO_PER_MINUTE - 2)
  }, 30_000)
})
