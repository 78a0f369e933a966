import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS_FOLDER, openDatabase, type Database } from '../../src/db/database.js'
import { findProductObservations } from '../../src/modules/forecast/repository.js'
import { createTestDatabase, type TestDatabase } from '../helpers/database.js'

/** The last migration before a level became its series' latest observation (0018–0020). */
const BEFORE = '0017_tenant_policies_evaluated_once'

const ids = {
  tenant: '01a24300-0000-7000-8000-000000000001',
  warehouse: '01a24300-0000-7000-8000-000000000002',
  product: '01a24300-0000-7000-8000-000000000003',
  changed: '01a24300-0000-7000-8000-000000000004',
  unchanged: '01a24300-0000-7000-8000-000000000005'
}
const DAY_MS = 86_400_000
const now = Date.now()
const at = (days: number) => new Date(now - days * DAY_MS).toISOString()

/** Applies the migrations up to `BEFORE` alone, from a copy of the folder whose journal ends there. */
async function migrateUpToBefore(url: string): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'migrations-'))
  try {
    await cp(MIGRATIONS_FOLDER, folder, { recursive: true })
    const journalPath = join(folder, 'meta', '_journal.json')
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ tag: string }> }
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === BEFORE) + 1)
    await writeFile(journalPath, JSON.stringify(journal))
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await migrate(drizzle(client), { migrationsFolder: folder })
    } finally {
      await client.end()
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

/** A catalogue as the code before 0018 wrote it: every observation in the history, the level's own included. */
async function seedOldCatalogue(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('BEGIN; SET LOCAL ROLE stock_system')
    await client.query(`INSERT INTO tenants (id, name, marketplace_type) VALUES ($1, 'Upgraded', 'wildberries')`, [ids.tenant])
    await client.query(`INSERT INTO warehouses (id, tenant_id, marketplace_type, external_id, name, type) VALUES ($1, $2, 'wildberries', 'w', 'W', 'fbo')`, [ids.warehouse, ids.tenant])
    await client.query(`INSERT INTO products (id, tenant_id, marketplace_type, external_id, name) VALUES ($1, $2, 'wildberries', 'p', 'P')`, [ids.product, ids.tenant])
    for (const sku of [ids.changed, ids.unchanged]) {
      await client.query(`INSERT INTO skus (id, tenant_id, product_id, marketplace_type, external_id) VALUES ($1, $2, $3, 'wildberries', $4)`, [sku, ids.tenant, ids.product, sku])
    }
    const level = (sku: string, quantity: number, updatedAt: string) =>
      client.query(`INSERT INTO stock_levels (tenant_id, sku_id, warehouse_id, product_id, quantity, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`, [ids.tenant, sku, ids.warehouse, ids.product, quantity, updatedAt])
    const history = (sku: string, quantity: number, recordedAt: string) =>
      client.query(
        `INSERT INTO stock_history (tenant_id, sku_id, warehouse_id, quantity, reserved, in_way_to_client, in_way_from_client, recorded_at) VALUES ($1, $2, $3, $4, 0, 0, 0, $5)`,
        [ids.tenant, sku, ids.warehouse, quantity, recordedAt]
      )
    await level(ids.changed, 80, at(0.5))
    for (const [days, quantity] of [[10, 100], [5, 90], [0.5, 80]] as const) await history(ids.changed, quantity, at(days))
    await level(ids.unchanged, 7, at(3))
    await history(ids.unchanged, 7, at(3))
    await client.query('COMMIT')
  } finally {
    await client.end()
  }
}

describe.skipIf(!process.env.DATABASE_URL)('migrations 0018–0020 on a catalogue written before them', () => {
  let testDb: TestDatabase
  let db: Database

  beforeAll(async () => {
    testDb = await createTestDatabase()
    await migrateUpToBefore(testDb.url!)
    await seedOldCatalogue(testDb.url!)
    db = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, poolMax: 2 })
    await db.migrate()
  })
  afterAll(async () => {
    await db?.close()
    await testDb?.drop()
  })

  const read = <R>(text: string) => db.tenant(ids.tenant, async (_tx, raw) => (await raw.query<R>(text)).rows)

  it('should keep each series’ observations, the level being the latest, with the time it began', async () => {
    const { series } = await db.tenant(ids.tenant, (tx) => findProductObservations(tx, ids.tenant, ids.product))
    const bySku = Object.fromEntries(series.map((s) => [s.skuId, s.observations.map((o) => [o.recordedAt.toISOString(), o.quantity])]))
    expect(bySku).toEqual({
      [ids.changed]: [[at(10), 100], [at(5), 90], [at(0.5), 80]],
      [ids.unchanged]: [[at(3), 7]]
    })
    expect(await read<{ n: number }>('SELECT count(*)::int AS n FROM stock_history')).toEqual([{ n: 2 }])
    const levels = await read<{ sku_id: string; created_at: Date }>('SELECT sku_id, created_at FROM stock_levels ORDER BY sku_id')
    expect(levels.map((l) => [l.sku_id, l.created_at.toISOString()])).toEqual([
      [ids.changed, at(10)],
      [ids.unchanged, at(3)]
    ])
  })

  it('should leave the policies forced on the tables the backfill lifted them from', async () => {
    const rows = await db.owner.query<{ relname: string; relforcerowsecurity: boolean }>(
      `SELECT relname, relforcerowsecurity FROM pg_class WHERE relname IN ('stock_levels', 'stock_history') ORDER BY relname`
    )
    expect(rows.rows).toEqual([
      { relname: 'stock_history', relforcerowsecurity: true },
      { relname: 'stock_levels', relforcerowsecurity: true }
    ])
  })
})
