/**
 * `npm run bench`: starts the service (API + worker) on PostgreSQL and the fake marketplace on this machine, loads
 * it with autocannon from this process, and prints a table; results also go to bench/results.json.
 * Needs DATABASE_URL (or BENCH_DATABASE_URL) naming a PostgreSQL server and a role allowed to create databases;
 * the benchmark creates its own database there and drops it afterwards.
 *
 * The read routes are measured once per cache configuration, each named in the figure: the main process (API +
 * worker, CACHE_STORE=memory: it is the only process writing to the benchmark's database), then an API process with
 * CACHE_STORE=none (what several processes on PostgreSQL without Redis get), then, when REDIS_URL is set, an API
 * process with the Redis cache. The main process runs without Redis, so the sync figures do not depend on it.
 *
 * BENCH_ONLY=fanout runs the webhook fan-out alone; BENCH_ONLY=sync runs only the syncs (sized by BENCH_SYNC_PRODUCTS,
 * after a warm-up sync sized by BENCH_SYNC_WARMUP);
 * BENCH_ONLY=reads runs only the read routes, over one 10,000-product sync, each figure with the serving process's CPU
 * time per request (robust to a busy machine where the rate is not). BENCH_COUNT_ROUND_TRIPS=1 puts a counting relay between the
 * service and PostgreSQL to report database round trips per delivery; the relay adds a hop to every query, so the
 * rates of such a run do not compare with those of a run without it.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import pg from 'pg'
import { startFakeMarketplace } from '../src/fake-marketplace/server.js'
import { generateFernetKey } from '../src/security/fernet.js'
import { api } from '../scripts/api-client.js'
import { countRoundTrips } from './round-trips.js'
import { UNLIMITED, cpuSeconds, freePort, load, loadAverage, measurement, rssMb, sampleRss, startService, stopService, waitForHttp, type Measurement } from './support.js'
import { webhookFanout } from './webhook-fanout.js'

const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL
if (!serverUrl) {
  console.error('npm run bench needs PostgreSQL: set DATABASE_URL=postgres://USER:PASS@HOST:5432/DB (a role with CREATEDB).')
  process.exit(2)
}
const ONLY = process.env.BENCH_ONLY
/**
 * Each size is synced twice, the sizes taking turns, and the highest peak of each size is compared: a sync's peak
 * depends on when in the heap's cycles its read phase falls as much as on its size (10,000 products after 100,000
 * peaked at 162.7 and 167.9 MB, 100,000 at 176.1 and 167.5), and a later sync of a process is not a larger one.
 */
const SYNC_SIZES = ONLY === 'reads' ? [10_000] : (process.env.BENCH_SYNC_PRODUCTS ?? '10000,100000,10000,100000').split(',').map(Number)
/**
 * A process's first syncs carry costs it pays once, whatever their size: V8 grows its heap to its working size
 * during the first, and its optimizing compile of undici's HTTP parser (WebAssembly: one large function, ~30 MB of
 * compiler memory for ~0.1 s) starts once the parser has run enough (in our runs, early in a process's second
 * 10,000-product sync). So sizes are compared after a warm-up sync of 20,000 products, whose own peak is reported
 * beside them. BENCH_SYNC_WARMUP=0 leaves it out.
 */
const SYNC_WARM_UP = ONLY === 'reads' ? 0 : Number(process.env.BENCH_SYNC_WARMUP ?? 20_000)
const PASSWORD = 'bench passphrase 2026'
const WARM_UP_S = 3
const results: Measurement[] = []
const notes: string[] = []

const dbName = `stock_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
await admin.query(`CREATE DATABASE ${dbName}`)
const dbUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString()

const roundTrips = process.env.BENCH_COUNT_ROUND_TRIPS === '1' ? await countRoundTrips(dbUrl) : undefined
const fake = await startFakeMarketplace({ requestLogLimit: 0 })
const serviceEnv = {
  DATABASE_URL: roundTrips?.url ?? dbUrl,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  SECRET_KEY: randomBytes(48).toString('base64url'),
  ENCRYPTION_MASTER_KEY: generateFernetKey(),
  WB_API_BASE_URL: fake.url,
  OZON_API_BASE_URL: fake.url,
  MARKETPLACE_PACING: 'relaxed',
  JOB_POLL_INTERVAL_S: '0.5',
  DATABASE_POOL_MAX: '20',
  // The fan-out's receiver listens on loopback.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  // The benchmark measures throughput, not the abuse limits: lift them far out of the way.
  ...UNLIMITED
}
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const service = startService({ ...serviceEnv, PORT: String(port), CACHE_STORE: 'memory' })
const pid = service.pid!

/** One transaction as the system role on the benchmark's database: its own bookkeeping, outside the routes. */
async function asSystem<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    await client.query(`BEGIN; SET LOCAL ROLE stock_system`)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } finally {
    await client.end()
  }
}

async function setPlan(tenantId: string, plan: string) {
  await asSystem((client) => client.query('UPDATE subscriptions SET plan = $1 WHERE tenant_id = $2', [plan, tenantId]))
}

async function historyRowCount(token: string): Promise<number> {
  const { rows } = await asSystem((client) => client.query<{ n: number }>('SELECT count(*)::int AS n FROM stock_history WHERE tenant_id = $1', [tenantOf(token)]))
  return rows[0]!.n
}

/** The tenant a token speaks for, from its claims: no authenticated request (and nothing cached) before the plan is set. */
const tenantOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).tenant_id

async function signUp(label: string): Promise<{ token: string; tenantId: string; email: string }> {
  const email = `${label}-${randomBytes(3).toString('hex')}@bench.example`
  const tokens = await api<{ access_token: string }>(base, 'POST', '/api/v1/auth/register', undefined, {
    email,
    password: PASSWORD,
    company_name: `Bench ${label}`,
    marketplace_type: 'wildberries'
  })
  const tenantId = tenantOf(tokens.access_token)
  await setPlan(tenantId, 'enterprise')
  return { token: tokens.access_token, tenantId, email }
}

/** The read routes' figures on one service, each named with the cache configuration it ran under. */
async function measureReads(url: string, servicePid: number, cache: string, tokens: { tenant: string; catalogue: string }, products: number, targets: { tenant: number; list: number }) {
  const loadBefore = loadAverage()
  const runs = [
    { name: 'GET /api/v1/tenants/me', path: '/api/v1/tenants/me', token: tokens.tenant, atLeast: targets.tenant },
    { name: `GET /api/v1/products/?limit=50 over ${products.toLocaleString('en')} products`, path: '/api/v1/products/?limit=50', token: tokens.catalogue, atLeast: targets.list },
    { name: 'GET /api/v1/products/?q=… (substring search)', path: `/api/v1/products/?limit=50&q=${encodeURIComponent('№77')}`, token: tokens.catalogue, atLeast: 1_000 }
  ]
  for (const run of runs) {
    const options = { url: `${url}${run.path}`, headers: { authorization: `Bearer ${run.token}` } }
    // Unmeasured first: the JIT's first seconds and the cache's first fill are not what a running service does.
    await load({ ...options, duration: WARM_UP_S })
    const cpuBefore = cpuSeconds(servicePid)
    const r = await load(options)
    const cpuUsPerRequest = ((cpuSeconds(servicePid) - cpuBefore) * 1e6) / Math.max(1, r.requests)
    results.push(measurement(`${run.name} [cache: ${cache}]`, r.requestsPerSecond, 'req/s', { atLeast: run.atLeast }))
    notes.push(`${run.name} [cache: ${cache}]: ${Math.round(cpuUsPerRequest)} µs of the service's CPU per request, load average ${loadAverage()}`)
    if (r.non2xx > 0 || r.errors > 0) notes.push(`${run.name} [cache: ${cache}]: ${r.non2xx} non-2xx answers, ${r.errors} errors`)
  }
  notes.push(`reads [cache: ${cache}]: load average ${loadBefore} before, ${loadAverage()} after`)
}

/** An API-only process on the same database, for the reads under another cache configuration. */
async function withApiProcess<T>(env: Record<string, string>, run: (url: string, pid: number) => Promise<T>): Promise<T> {
  const apiPort = await freePort()
  const child = startService({ ...serviceEnv, ...env, PORT: String(apiPort) }, ['--role=api'])
  try {
    const url = `http://127.0.0.1:${apiPort}`
    await waitForHttp(`${url}/api/v1/health`)
    return await run(url, child.pid!)
  } finally {
    await stopService(child)
  }
}

const SYNC_PHASES = ['read', 'stage', 'merge', 'forecast', 'finish'] as const
type SyncPhaseSeconds = Record<(typeof SYNC_PHASES)[number], number>

/** Seconds spent so far in each sync phase, summed over the service's successful syncs (from its /metrics). */
async function syncPhaseTotals(): Promise<SyncPhaseSeconds> {
  const text = await (await fetch(`${base}/metrics`)).text()
  const total = (phase: string) => Number(new RegExp(`^stock_tracker_sync_phase_duration_seconds_sum\\{phase="${phase}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
  return Object.fromEntries(SYNC_PHASES.map((phase) => [phase, total(phase)])) as SyncPhaseSeconds
}

/**
 * CPU seconds the benchmark database's backends use from now until stopped, sampled every 100 ms (a backend that
 * ends between two samples loses at most that much): on a shared machine the wall time of a phase says little.
 */
function sampleDatabaseCpu(): { stop(): Promise<number> } {
  const client = new pg.Client({ connectionString: dbUrl })
  const first = new Map<number, number>()
  const last = new Map<number, number>()
  let stopped = false
  const sample = async () => {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
    for (const { pid } of rows) {
      try {
        const used = cpuSeconds(pid)
        if (!first.has(pid)) first.set(pid, used)
        last.set(pid, used)
      } catch {
        // ended meanwhile
      }
    }
  }
  const running = (async () => {
    await client.connect()
    while (!stopped) {
      await sample()
      await new Promise((r) => setTimeout(r, 100))
    }
    await sample()
    await client.end()
  })()
  return {
    async stop() {
      stopped = true
      await running
      let total = 0
      for (const [pid, used] of last) total += used - (first.get(pid) ?? used)
      return total
    }
  }
}

interface SyncedCatalogue {
  token: string
  /** The fake seller's key, to change its stock before a repeat sync. */
  apiKey: string
  seconds: number
  rows: number
  historyRows: number
  peakRss: number
  phases: SyncPhaseSeconds
  serviceCpu: number
  fakeCpu: number
  databaseCpu: number
}

/** A new tenant with a fake Wildberries seller of `products` cards (one size each) in 5 warehouses, synced once. */
async function syncCatalogue(products: number): Promise<SyncedCatalogue> {
  const apiKey = `bench-wb-${products}-${randomBytes(3).toString('hex')}`
  fake.sellers.upsert({ marketplace: 'wildberries', apiKey, products, sizesPerProduct: 1, sellerWarehouses: 5, fboWarehouses: 0 })
  const tenant = await signUp(`sync${products}`)
  await api(base, 'PATCH', '/api/v1/tenants/me/credentials', tenant.token, { marketplace_type: 'wildberries', api_key: apiKey })
  return { apiKey, ...(await measureSync(tenant.token)) }
}

/** One manual sync of the tenant `token` speaks for, from the request to its job's end, with what it cost. */
async function measureSync(token: string): Promise<Omit<SyncedCatalogue, 'apiKey'>> {
  const historyBefore = await historyRowCount(token)
  const phasesBefore = await syncPhaseTotals()
  const rss = sampleRss(pid)
  const databaseCpu = sampleDatabaseCpu()
  const serviceCpuBefore = cpuSeconds(pid)
  const benchCpuBefore = process.cpuUsage()
  const started = performance.now()
  const accepted = await api<{ status_url: string }>(base, 'POST', '/api/v1/products/sync', token)
  let job: { status: string; progress: { stock_rows: number }; error: unknown }
  // Polled often enough that the poll adds little to a short sync's time (10 ms on average; 50 at 100 ms, 4 % of a
  // 10,000-product sync), and rarely enough that the polls cost nothing measurable.
  do {
    await new Promise((r) => setTimeout(r, 20))
    job = await api(base, 'GET', accepted.status_url, token)
  } while (job.status === 'queued' || job.status === 'running')
  const seconds = (performance.now() - started) / 1000
  const peakRss = rss.stop()
  const serviceCpu = cpuSeconds(pid) - serviceCpuBefore
  const benchCpu = process.cpuUsage(benchCpuBefore)
  const fakeCpu = (benchCpu.user + benchCpu.system) / 1e6
  const databaseCpuSeconds = await databaseCpu.stop()
  if (job.status !== 'succeeded') throw new Error(`sync ${accepted.status_url} ${job.status}: ${JSON.stringify(job.error)}`)
  // The attempt's metrics are recorded just after its outcome is committed.
  let phasesAfter = await syncPhaseTotals()
  for (let tries = 0; phasesAfter.read === phasesBefore.read && tries < 50; tries++) {
    await new Promise((r) => setTimeout(r, 100))
    phasesAfter = await syncPhaseTotals()
  }
  const phases = Object.fromEntries(SYNC_PHASES.map((phase) => [phase, phasesAfter[phase] - phasesBefore[phase]])) as SyncPhaseSeconds
  const historyRows = (await historyRowCount(token)) - historyBefore
  return { token, seconds, rows: job.progress.stock_rows, historyRows, peakRss, phases, serviceCpu, fakeCpu, databaseCpu: databaseCpuSeconds }
}

try {
  await waitForHttp(`${base}/api/v1/health`)
  await new Promise((r) => setTimeout(r, 2_000))
  if (ONLY !== 'fanout') await measureAllButFanout()
  if (ONLY !== 'sync' && ONLY !== 'reads') await measureFanout()
} finally {
  await stopService(service)
  await fake.close()
  await roundTrips?.close()
  // Autovacuum may still be working in the new database; a role that cannot end its backend just leaves it behind.
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((error: Error) => notes.push(`database ${dbName} not dropped: ${error.message}`))
  await admin.end()
}

async function measureAllButFanout() {
  results.push(measurement('idle RSS (API + worker, PostgreSQL)', rssMb(pid), 'MB', { below: 150 }))

  const owner = await signUp('reads')

  if (ONLY !== 'sync' && ONLY !== 'reads') {
    const [logins, health] = await Promise.all([
      load({
        url: `${base}/api/v1/auth/login`,
        method: 'POST',
        connections: 32,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: owner.email, password: PASSWORD })
      }),
      load({ url: `${base}/api/v1/health`, connections: 4 })
    ])
    results.push(measurement('GET /api/v1/health p99 during 32 concurrent logins', health.p99Ms, 'ms', { below: 20 }))
    notes.push(`logins during that run: ${Math.round(logins.requestsPerSecond)} req/s (argon2id, OWASP parameters)`)
  }

  const withLoad = async <T>(run: () => Promise<T>) => {
    const load = loadAverage()
    const result = await run()
    return { ...result, load: `${load} before, ${loadAverage()} after` }
  }
  const measuredSync = (products: number) => withLoad(async () => ({ products, ...(await syncCatalogue(products)) }))
  const noteSync = (label: string, s: Awaited<ReturnType<typeof measuredSync>>) => {
    const phases = SYNC_PHASES.map((phase) => `${phase} ${s.phases[phase].toFixed(2)}`).join(', ')
    notes.push(
      `${label}: ${s.seconds.toFixed(2)} s end to end (${Math.round(s.rows / s.seconds)} rows/s, ${s.historyRows} history rows); phases (s): ${phases} (stage overlaps read); ` +
        `CPU (s): service ${s.serviceCpu.toFixed(2)}, database backends ${s.databaseCpu.toFixed(2)}, fake marketplace and benchmark ${s.fakeCpu.toFixed(2)}; load average ${s.load}`
    )
  }
  if (SYNC_WARM_UP > 0) {
    const warmUp = await measuredSync(SYNC_WARM_UP)
    results.push(measurement(`peak RSS during the ${SYNC_WARM_UP.toLocaleString('en')}-product warm-up sync (the process's one-time costs)`, warmUp.peakRss, 'MB', { below: 250 }))
    noteSync(`${SYNC_WARM_UP.toLocaleString('en')}-product warm-up sync`, warmUp)
  }
  const syncs: Array<Awaited<ReturnType<typeof measuredSync>>> = []
  for (const products of SYNC_SIZES) syncs.push(await measuredSync(products))
  for (const s of syncs) {
    results.push(measurement(`sync ${s.products.toLocaleString('en')} WB products × 5 warehouses (${s.rows.toLocaleString('en')} stock rows)`, s.rows / s.seconds, 'rows/s', { atLeast: 50_000 }))
    results.push(measurement(`peak RSS during the ${s.products.toLocaleString('en')}-product sync`, s.peakRss, 'MB', { below: 250 }))
    noteSync(`${s.products.toLocaleString('en')}-product sync`, s)
  }
  const sizes = [...new Set(syncs.map((s) => s.products))]
  if (sizes.length >= 2) {
    const [small, large] = [Math.min(...sizes), Math.max(...sizes)]
    const highestPeak = (products: number) => Math.max(...syncs.filter((s) => s.products === products).map((s) => s.peakRss))
    results.push(
      measurement(`peak RSS growth ${small.toLocaleString('en')} → ${large.toLocaleString('en')} products (highest peak of each size)`, highestPeak(large) - highestPeak(small), 'MB', { below: 10 })
    )
  }
  // What a seller's scheduled syncs do from then on: the largest catalogue again, the fake's next stock version
  // changing about a fifth of its levels (a history row each), every other row compared and left alone.
  const largest = syncs.filter((s) => s.products === Math.max(...sizes)).at(-1)!
  fake.sellers.update(largest.apiKey, { stockVersion: 1 })
  const repeat = await withLoad(async () => ({ products: largest.products, apiKey: largest.apiKey, ...(await measureSync(largest.token)) }))
  const repeatLabel = `repeat sync of those ${repeat.products.toLocaleString('en')} products`
  results.push(measurement(`${repeatLabel}, ${repeat.historyRows.toLocaleString('en')} levels changed`, repeat.rows / repeat.seconds, 'rows/s', { atLeast: 50_000 }))
  results.push(measurement(`peak RSS during the ${repeatLabel}`, repeat.peakRss, 'MB', { below: 250 }))
  noteSync(repeatLabel, repeat)
  if (ONLY === 'sync') return

  const catalogue = syncs.find((s) => s.products === 10_000) ?? syncs[0]!
  const tokens = { tenant: owner.token, catalogue: catalogue.token }
  await measureReads(base, pid, 'memory, one process', tokens, catalogue.products, { tenant: 5_000, list: 3_000 })
  await withApiProcess({ CACHE_STORE: 'none' }, (url, apiPid) =>
    measureReads(url, apiPid, 'none (PostgreSQL only)', tokens, catalogue.products, { tenant: 5_000, list: 3_000 })
  )
  const redisUrl = process.env.REDIS_URL
  if (redisUrl) {
    const prefix = `bench:${dbName}:`
    await withApiProcess({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, CACHE_STORE: 'redis' }, (url, apiPid) =>
      measureReads(url, apiPid, 'redis', tokens, catalogue.products, { tenant: 8_000, list: 5_000 })
    )
  } else {
    notes.push('REDIS_URL not set: the reads were not measured with the Redis cache')
  }
}

async function measureFanout() {
  const subscriber = await signUp('webhooks')
  const loadBefore = loadAverage()
  const fanout = await webhookFanout({ base, dbUrl, token: subscriber.token, tenantId: subscriber.tenantId, events: 2_500, endpoints: 4, servicePid: pid, roundTrips })
  results.push(measurement('webhook fan-out: 10,000 deliveries (2,500 events × 4 endpoints), end to end', fanout.deliveriesPerSecond, 'deliveries/s', { atLeast: 500 }))
  results.push(measurement('webhook fan-out: lost + doubled + bad signatures', fanout.lost + fanout.doubled + fanout.badSignatures, 'messages', { below: 1 }))
  const trips = fanout.roundTripsPerDelivery === null ? 'not counted' : fanout.roundTripsPerDelivery.toFixed(2)
  notes.push(
    `webhook fan-out: ${fanout.deliveries} delivered in ${fanout.seconds.toFixed(1)} s; lost ${fanout.lost}, doubled ${fanout.doubled}, bad signatures ${fanout.badSignatures}; ` +
      `published in ${fanout.publishSeconds.toFixed(1)} s; CPU per delivery: service ${fanout.cpuMsPerDelivery.toFixed(2)} ms, database ${fanout.databaseCpuMsPerDelivery.toFixed(2)} ms; ` +
      `database round trips per delivery: ${trips}; load average ${loadBefore} before, ${loadAverage()} after`
  )
}

const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version }
console.table(results.map((r) => ({ measurement: r.name, value: r.value, unit: r.unit, target: r.target, pass: r.pass ? 'yes' : 'NO' })))
for (const note of notes) console.log(`note: ${note}`)
await writeFile(new URL('./results.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), machine, results, notes }, null, 2) + '\n')
console.log('written to bench/results.json')
