import { eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { telegramSettings } from '../../db/schema.js'

export type TelegramSettingsRow = typeof telegramSettings.$inferSelect

export interface TelegramSettingsInput {
  tenantId: string
  botTokenEncrypted: string
  botTokenLast4: string
  botUsername: string
  chatId: string
  quietStart: string | null
  quietEnd: string | null
  quietTimeZone: string | null
  enabled: boolean
}

export async function findSettings(tx: Db, tenantId: string): Promise<TelegramSettingsRow | null> {
  const [row] = await tx.select().from(telegramSettings).where(eq(telegramSettings.tenantId, tenantId))
  return row ?? null
}

/** A new channel starts without the previous one's error: it may well be what the change fixed. */
export async function upsertSettings(tx: Db, input: TelegramSettingsInput): Promise<TelegramSettingsRow> {
  const { tenantId: _tenantId, ...values } = input
  const [row] = await tx
    .insert(telegramSettings)
    .values(input)
    .onConflictDoUpdate({ target: telegramSettings.tenantId, set: { ...values, lastError: null, lastErrorAt: null, updatedAt: sql`now()` } })
    .returning()
  return row!
}

export async function deleteSettings(tx: Db, tenantId: string): Promise<boolean> {
  const rows = await tx.delete(telegramSettings).where(eq(telegramSettings.tenantId, tenantId)).returning({ tenantId: telegramSettings.tenantId })
  return rows.length > 0
}

export async function recordSent(tx: Db, tenantId: string): Promise<void> {
  await tx.update(telegramSettings).set({ lastSentAt: sql`now()`, lastError: null, lastErrorAt: null }).where(eq(telegramSettings.tenantId, tenantId))
}

export async function recordError(tx: Db, tenantId: string, error: string): Promise<void> {
  await tx.update(telegramSettings).set({ lastError: error, lastErrorAt: sql`now()` }).where(eq(telegramSettings.tenantId, tenantId))
}
