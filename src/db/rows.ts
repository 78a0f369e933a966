import type { SQL } from 'drizzle-orm'
import type { Db } from './database.js'

/**
 * The rows of a hand-written statement, for queries the query builder cannot express (window functions, lateral
 * joins). Both drivers answer `execute` with an object holding `rows`; their column types differ for bigint and
 * numeric, so such statements cast those to int or float8.
 */
export async function selectRows<R>(tx: Db, query: SQL): Promise<R[]> {
  const result = (await tx.execute(query)) as unknown as { rows: R[] }
  return result.rows
}
