import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeMarketplace, type FakeMarketplace } from '../src/fake-marketplace/server.js'
import { projectPath } from '../src/project-root.js'
import { generateFernetKey } from '../src/security/fernet.js'
import { UNLIMITED, freePort, waitForHttp } from '../bench/support.js'
import { createTestDatabase, type TestDatabase } from './helpers/database.js'

/**
 * The scale-out proof: two API processes and two workers of the real build on one PostgreSQL (and Redis when
 * configured), as `npm run start:api` / `start:worker` run them. Embedded PGlite serves one process by design.
 */
const SELLER_KEY = 'scale-out-wb-key-0001'
const PRODUCTS = 900

describe.skipIf(!process.env.DATABASE_URL)('scale-out on PostgreSQL', () => {
  let database: TestDatabase
  let fake: FakeMarketplace
  const processes: ChildProcess[] = []
  const apis: string[] = []
  let env: Record<string, string>

  function start(role: 'api' | 'worker', port: number): ChildProcess {
    const child = spawn(process.execPath, ['dist/server.js', `--role=${role}`], {
      cwd: projectPath(),
      env: { ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit']
    })
    processes.push(child)
    return child
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: projectPath() })
    database = await createTestDatabase()
    fake = await startFakeMarketplace({ sellers: [{ marketplace: 'wildberries', apiKey: SELLER_KEY, products: PRODUCTS, sizesPerProduct: 2, sellerWarehouses: 2, fboWarehouses: 1 }] })
    env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: database.url!,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Other test files share this Redis and this address; their sign-ups must not count against these processes.
      ...UNLIMITED,
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
})
