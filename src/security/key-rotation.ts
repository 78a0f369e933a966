import type { Database } from '../db/database.js'
import type { MultiFernet } from './fernet.js'

/** Every column that holds Fernet tokens, as (table, primary-key columns, encrypted column). */
export const ENCRYPTED_COLUMNS = [
  { table: 'marketplace_credentials', key: ['tenant_id', 'marketplace_type'], column: 'api_key_encrypted' },
  { table: 'marketplace_credentials', key: ['tenant_id', 'marketplace_type'], column: 'client_id_encrypted' },
  { table: 'refresh_tokens', key: ['id'], column: 'child_token_encrypted' },
  { table: 'telegram_settings', key: ['tenant_id'], column: 'bot_token_encrypted' },
  { table: 'webhook_endpoints', key: ['tenant_id', 'id'], column: 'secret_encrypted' },
  { table: 'webhook_endpoints', key: ['tenant_id', 'id'], column: 'previous_secret_encrypted' }
] as const

const BATCH = 500

/**
 * Re-encrypts with the first ENCRYPTION_MASTER_KEY every stored token that an older key made, in batches of
 * short transactions. Safe to run again: tokens already under the first key are left alone.
 */
export async function rotateEncryptedColumns(db: Database, cipher: MultiFernet): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const { table, key, column } of ENCRYPTED_COLUMNS) {
    const name = `${table}.${column}`
    counts[name] = 0
    let offset = 0
    for (;;) {
      const rotated = await db.system(async (_tx, raw) => {
        const { rows } = await raw.query<Record<string, string>>(
          `SELECT ${key.join(', ')}, ${column} AS token FROM ${table} WHERE ${column} IS NOT NULL ORDER BY ${key.join(', ')} LIMIT ${BATCH} OFFSET ${offset}`
        )
        let changed = 0
        for (const row of rows) {
          if (cipher.isPrimary(row.token!)) continue
          const where = key.map((k, i) => `${k} = $${i + 2}`).join(' AND ')
          await raw.query(`UPDATE ${table} SET ${column} = $1 WHERE ${where}`, [cipher.rotate(row.token!), ...key.map((k) => row[k])])
          changed += 1
        }
        return { seen: rows.length, changed }
      })
      counts[name] += rotated.changed
      if (rotated.seen < BATCH) break
      offset += BATCH
    }
  }
  return counts
}
