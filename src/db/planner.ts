import { sql } from 'drizzle-orm'
import type { Db } from './database.js'
import { selectRows } from './rows.js'

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
