import type { Database } from '../../db/database.js'
import { DomainError, invalid, notFound } from '../../errors.js'
import { quietHoursEnd } from '../../notifications/quiet-hours.js'
import { TelegramError, type TelegramClient } from '../../notifications/telegram/client.js'
import type { MultiFernet } from '../../security/fernet.js'
import { recordAudit } from '../audit/repository.js'
import type { AuthContext } from '../auth/context.js'
import { quietHoursOf } from './delivery.js'
import * as repo from './repository.js'
import type { TelegramChannelBody } from './schemas.js'

const TEST_MESSAGE = 'Stock Tracker: this chat will receive the low-stock and out-of-stock alerts of each sync.'

function toChannel(row: repo.TelegramSettingsRow) {
  const quiet = quietHoursOf(row)
  return {
    bot_username: row.botUsername,
    bot_token_last4: row.botTokenLast4,
    chat_id: row.chatId,
    quiet_hours: quiet ? { start: quiet.start, end: quiet.end, time_zone: quiet.timeZone } : null,
    enabled: row.enabled,
    last_error: row.lastError,
    last_error_at: row.lastErrorAt?.toISOString() ?? null,
    last_sent_at: row.lastSentAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString()
  }
}

const unreachable = (what: string) =>
  new DomainError('unavailable', `Telegram could not be reached to ${what}; nothing was changed, try again later`, { type: 'telegram-unavailable' })

/** A tenant's Telegram channel: its own bot (token encrypted like marketplace keys) and chat. */
export class TelegramService {
  constructor(private readonly deps: { db: Database; cipher: MultiFernet; client: TelegramClient }) {}

  async get(auth: Pick<AuthContext, 'tenantId'>) {
    const row = await this.deps.db.tenant(auth.tenantId, (tx) => repo.findSettings(tx, auth.tenantId))
    if (!row) throw notFound('Telegram channel')
    return toChannel(row)
  }

  /**
   * A new token is checked with Telegram (getMe) before anything is stored: one Telegram rejects is a 422, and when
   * Telegram cannot be reached the change is refused with a 503 (the bot's username, shown to the tenant, comes from
   * that check). Without a token the stored one is kept.
   */
  async set(auth: AuthContext, body: TelegramChannelBody) {
    const quiet = body.quiet_hours ?? null
    if (quiet) {
      if (quiet.start === quiet.end) throw invalid('quiet_hours', 'start and end must differ')
      try {
        quietHoursEnd(new Date(), { start: quiet.start, end: quiet.end, timeZone: quiet.time_zone })
      } catch {
        throw invalid('quiet_hours.time_zone', 'is not an IANA time zone')
      }
    }
    const { db, cipher } = this.deps
    const verified = body.bot_token === undefined ? null : { token: body.bot_token, username: await this.verify(body.bot_token) }
    return db.tenant(auth.tenantId, async (tx) => {
      const stored = await repo.findSettings(tx, auth.tenantId)
      if (!verified && !stored) throw invalid('bot_token', 'is required to set up the channel')
      const saved = await repo.upsertSettings(tx, {
        tenantId: auth.tenantId,
        botTokenEncrypted: verified ? cipher.encrypt(verified.token) : stored!.botTokenEncrypted,
        botTokenLast4: verified ? verified.token.slice(-4) : stored!.botTokenLast4,
        botUsername: verified ? verified.username : stored!.botUsername,
        chatId: body.chat_id,
        quietStart: quiet?.start ?? null,
        quietEnd: quiet?.end ?? null,
        quietTimeZone: quiet?.time_zone ?? null,
        enabled: body.enabled ?? true
      })
      const channel = toChannel(saved)
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'telegram.updated',
        target: { type: 'telegram', id: channel.bot_username },
        details: { bot_token_last4: channel.bot_token_last4, chat_id: channel.chat_id, quiet_hours: channel.quiet_hours, enabled: channel.enabled }
      })
      return channel
    })
  }

  async remove(auth: AuthContext): Promise<void> {
    await this.deps.db.tenant(auth.tenantId, async (tx) => {
      if (!(await repo.deleteSettings(tx, auth.tenantId))) throw notFound('Telegram channel')
      await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'telegram.deleted', target: { type: 'telegram', id: auth.tenantId } })
    })
  }

  /** Sends a test message now, ignoring quiet hours: proves the chat id, which getMe cannot. */
  async test(auth: AuthContext): Promise<void> {
    const { db, cipher, client } = this.deps
    const row = await db.tenant(auth.tenantId, (tx) => repo.findSettings(tx, auth.tenantId))
    if (!row) throw notFound('Telegram channel')
    try {
      await client.sendMessage(cipher.decrypt(row.botTokenEncrypted), row.chatId, TEST_MESSAGE)
    } catch (error) {
      if (!(error instanceof TelegramError)) throw error
      await db.tenant(auth.tenantId, (tx) => repo.recordError(tx, auth.tenantId, error.message))
      if (error.permanent) throw invalid(error.status === 401 ? 'bot_token' : 'chat_id', `Telegram refused the message (${error.message})`)
      throw unreachable('send the test message')
    }
    await db.tenant(auth.tenantId, (tx) => repo.recordSent(tx, auth.tenantId))
  }

  private async verify(token: string): Promise<string> {
    try {
      return (await this.deps.client.getMe(token)).username
    } catch (error) {
      if (!(error instanceof TelegramError)) throw error
      if (error.permanent) throw invalid('bot_token', `was rejected by Telegram (${error.message})`)
      throw unreachable('check the bot token')
    }
  }
}
