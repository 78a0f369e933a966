import { sql } from 'drizzle-orm'
import type { Db } from './database.js'
import { selectRows } from './rows.js'

/**
 * For set-based statements over a tenant's whole catalogue where statistics are missing or stale: a sync's merge and
 * what follows it in the same transaction (forecast refresh, alerts) read rows the statistics know nothing of, and
 * PGlite never analyses. Taking a tenant that has just received 300,000 products for one with none, the planner
 * joined by nested loops, probing or rescanning the tenant's rows once per outer row: the merge 3 index probes per
 * staged stock row, the forecast refresh 220 s at 10,000 products, a sync's alert events 36 s at 300,000.
 * - enable_nestloop off: hash joins are right for every size these statements see.
 * - work_mem: the sorts and hashes of a 100,000-product catalogue's 500,000 levels fit in memory instead of spilling.
 * - jit off: the statements are priced high enough to trigger JIT compilation, which took longer (~0.6 s for 30,000
 *   series in the forecast refresh) than the statements themselves.
 */
export const FRESH_ROWS_SETTINGS = { enable_nestloop: 'off', work_mem: '64MB', jit: 'off' }

/**
 * Runs `run` with some settings changed for the caller's transaction and restores their previous values afterwards
 * (the rest of the transaction keeps its own). For statements whose good plan cannot rely on statistics, e.g. on
 * tables written moments ago in the same transaction.
 */
export async function withSettings<T>(tx: Db, settings: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const previous: Array<[string, string]> = []
  for (const [name, value] of Object.entries(settings)) {
    const [row] = await selectRows<{ value: string }>(tx, sql`SELECT current_setting(${name}) AS value`)
    previous.push([name, row!.value])
    await tx.execute(sql`SELECT set_config(${name}, ${value}, true)`)
  }
  const result = await run()
  for (const [name, value] of previous) await tx.execute(sql`SELECT set_config(${name}, ${value}, true)`)
  return result
}
