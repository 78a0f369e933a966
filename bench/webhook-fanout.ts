import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import PgBoss from 'pg-boss'
import { Webhook } from 'standardwebhooks'
import { api } from '../scripts/api-client.js'
import { openDatabase, type Database } from '../src/db/database.js'
import { publishEvents } from '../src/modules/webhooks/outbox.js'
import type { RoundTripCounter } from './round-trips.js'
import { cpuSeconds } from './support.js'

export interface FanoutResult {
  deliveries: number
  seconds: number
  deliveriesPerSecond: number
  /** Messages the receiver never saw. */
  lost: number
  /** Requests beyond the first for a `webhook-id`. */
  doubled: number
  badSignatures: number
  /** CPU time of the service process per delivery, in milliseconds: less sensitive to a busy machine than the rate. */
  cpuMsPerDelivery: number
  /** Seconds the publishing transaction (10,000 messages and jobs) took, included in `seconds`. */
  publishSeconds: number
  /** CPU time of the database server processes serving the benchmark's database, per delivery, in milliseconds. */
  databaseCpuMsPerDelivery: number
  /** The service's database round trips per delivery, when they were counted. */
  roundTripsPerDelivery: number | null
}

/**
 * Webhook fan-out end to end: `events` events, each to `endpoints` endpoints of one tenant, written to the outbox in
 * one transaction as a sync writes its events, then delivered by the service's workers to a receiver in this process
 * that verifies every signature and counts every `webhook-id`. The clock runs from the publishing transaction until
 * the receiver has seen every message; afterwards it waits for the outbox to settle so late doubles are counted too.
 */
export async function webhookFanout(options: {
  base: string
  dbUrl: string
  token: string
  tenantId: string
  events: number
  endpoints: number
  servicePid: number
  roundTrips?: RoundTripCounter
}): Promise<FanoutResult> {
  const { base, dbUrl, token, tenantId, events, endpoints, servicePid, roundTrips } = options
  const expected = events * endpoints
  const seen = new Map<string, number>()
  const verifiers: Webhook[] = []
  let badSignatures = 0
  let allSeen: () => void = () => {}
  const complete = new Promise<void>((resolve) => (allSeen = resolve))
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const id = String(req.headers['webhook-id'])
      const verifier = verifiers[Number(req.url?.split('/').at(-1))]
      try {
        verifier!.verify(Buffer.concat(chunks).toString('utf8'), {
          'webhook-id': id,
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature'])
        })
      } catch {
        badSignatures += 1
      }
      seen.set(id, (seen.get(id) ?? 0) + 1)
      if (seen.size === expected) allSeen()
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`

  for (let i = 0; i < endpoints; i += 1) {
    const created = await api<{ secret: string }>(base, 'POST', '/api/v1/webhooks', token, { url: `${url}/${i}`, events: ['sync.succeeded'] })
    verifiers.push(new Webhook(created.secret))
  }

  // The outbox and the queue through the service's own code, as a sync's transaction would write them.
  const db = await openDatabase({ url: dbUrl, dataDir: '.', poolMax: 2 })
  const boss = new PgBoss({ connectionString: dbUrl, schema: 'pgboss', max: 2, supervise: false, schedule: false, migrate: false })
  await boss.start()
  try {
    const started = performance.now()
    const cpuBefore = cpuSeconds(servicePid)
    const databaseCpuBefore = await databaseCpuSeconds(db)
    const tripsBefore = roundTrips?.count() ?? 0
    const published = await db.tenant(tenantId, (_tx, raw) =>
      publishEvents(boss, raw, tenantId, `SELECT 'sync.succeeded'::text AS type, json_build_object('sync_job_id', gen_random_uuid(), 'n', n) AS data FROM generate_series(1, $2::int) n`, [events])
    )
    const publishSeconds = (performance.now() - started) / 1000
    if (published !== expected) throw new Error(`published ${published} messages, expected ${expected}`)
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 300_000).unref())
    await Promise.race([complete, deadline])
    const seconds = (performance.now() - started) / 1000
    const cpuMsPerDelivery = ((cpuSeconds(servicePid) - cpuBefore) * 1000) / expected
    const roundTripsPerDelivery = roundTrips ? (roundTrips.count() - tripsBefore) / expected : null
    const databaseCpuMsPerDelivery = ((await databaseCpuSeconds(db)) - databaseCpuBefore) * 1000 / expected
    // Doubles would come from a message delivered again after it was recorded: wait until none is left in flight.
    for (let i = 0; i < 100; i += 1) {
      const { rows } = await db.tenant(tenantId, (_tx, raw) => raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_messages WHERE status IN ('pending', 'delivering')`))
      if (rows[0]?.n === 0) break
      await new Promise((r) => setTimeout(r, 200))
    }
    await new Promise((r) => setTimeout(r, 1_000))
    const doubled = [...seen.values()].reduce((sum, n) => sum + n - 1, 0)
    return { deliveries: seen.size, seconds, deliveriesPerSecond: seen.size / seconds, lost: expected - seen.size, doubled, badSignatures, cpuMsPerDelivery, publishSeconds, databaseCpuMsPerDelivery, roundTripsPerDelivery }
  } finally {
    await boss.stop({ graceful: false, wait: true })
    await db.close()
    receiver.closeAllConnections()
    await new Promise((r) => receiver.close(r))
  }
}

/**
 * CPU time so far of the server processes connected to this database (the service's pools keep theirs open through
 * the run; the autovacuum of the new rows is not counted). The benchmark runs on the database server's machine.
 */
async function databaseCpuSeconds(db: Database): Promise<number> {
  const { rows } = await db.owner.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')
  return rows.reduce((sum, { pid }) => {
    try {
      return sum + cpuSeconds(pid)
    } catch {
      return sum
    }
  }, 0)
}
