import { Type, type Static } from '@sinclair/typebox'
import { Timestamp } from '../../schemas.js'

const NullableString = (options: Parameters<typeof Type.String>[0] = {}) => Type.Union([Type.String(options), Type.Null()])
const Clock = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, 24-hour local time' })

export const QuietHours = Type.Object(
  {
    start: Clock,
    end: Type.String({ ...Clock, description: 'HH:MM; earlier than `start` for a window across midnight' }),
    time_zone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Moscow' })
  },
  { additionalProperties: false, description: 'Alerts due in this window are held until it ends' }
)

export const TelegramChannelBody = Type.Object(
  {
    bot_token: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 256,
        pattern: '^\\d+:[A-Za-z0-9_-]+$',
        description: 'The bot’s token from @BotFather, checked with Telegram (getMe) and stored encrypted; never returned. Required the first time; omitted, the stored one is kept.'
      })
    ),
    chat_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^(-?\\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$', description: 'A chat id (e.g. -1001234567890) or @channelusername' }),
    quiet_hours: Type.Optional(Type.Union([QuietHours, Type.Null()], { description: 'Omitted or null: no quiet hours' })),
    enabled: Type.Optional(Type.Boolean({ default: true }))
  },
  { additionalProperties: false }
)
export type TelegramChannelBody = Static<typeof TelegramChannelBody>

export const TelegramChannel = Type.Object({
  bot_username: Type.String(),
  bot_token_last4: Type.String({ description: 'Last four characters of the token; the token itself is never returned' }),
  chat_id: Type.String(),
  quiet_hours: Type.Union([QuietHours, Type.Null()]),
  enabled: Type.Boolean(),
  last_error: NullableString({ description: 'Why the last message did not go out (bad token, chat not found…); cleared by the next one sent' }),
  last_error_at: Type.Union([Timestamp, Type.Null()]),
  last_sent_at: Type.Union([Timestamp, Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp
})
