import { undici } from '../../http/undici.js'

export { splitMessage } from './split-message.js'

const DEFAULT_BASE_URL = 'https://api.telegram.org'
const DEFAULT_TIMEOUT_MS = 15_000
// A Bot API token is "<bot id>:<secret>". Checking the form keeps a tenant-supplied value from adding
// path segments (e.g. "../") to the request URL.
const TOKEN_FORMAT = /^\d+:[A-Za-z0-9_-]+$/
const TOO_MANY_REQUESTS = 429

/** A failed Bot API call. Its message never contains the bot token. */
export class TelegramError extends Error {
  readonly status: number | null
  readonly retryAfterSeconds: number | null
  /** Retrying the same call cannot succeed (bad token, bot blocked, chat not found, bad request). */
  readonly permanent: boolean

  constructor(
    message: string,
    details: { status: number | null; retryAfterSeconds?: number | null; permanent: boolean }
  ) {
    super(message)
    this.name = 'TelegramError'
    this.status = details.status
    this.retryAfterSeconds = details.retryAfterSeconds ?? null
    this.permanent = details.permanent
  }
}

interface BotApiReply<T> {
  ok?: boolean
  result?: T
  description?: string
  parameters?: { retry_after?: number }
}

/**
 * The small part of the Telegram Bot API that notifications need. The token is passed per call because
 * each tenant brings its own bot.
 */
export class TelegramClient {
  readonly #baseUrl: string
  readonly #timeoutMs: number

  constructor(opts: { baseUrl?: string; timeoutMs?: number } = {}) {
    this.#baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  /**
   * Sends one message (at most 4096 characters; see `splitMessage`).
   *
   * @example
   * await telegram.sendMessage(token, '-1001234567890', '<b>SKU-1</b>: 2 left', { parseMode: 'HTML' })
   */
  async sendMessage(botToken: string, chatId: string, text: string, opts: { parseMode?: 'HTML' } = {}): Promise<void> {
    await this.#call(botToken, 'sendMessage', {
      chat_id: chatId,
      text,
      ...(opts.parseMode === undefined ? {} : { parse_mode: opts.parseMode })
    })
  }

  /**
   * Returns the bot behind a token; used to validate a token when a tenant stores it.
   *
   * @example
   * const { username } = await telegram.getMe(token) // 'stock_alerts_bot'
   */
  async getMe(botToken: string): Promise<{ id: number; username: string }> {
    const bot = await this.#call<{ id?: unknown; username?: unknown }>(botToken, 'getMe', {})
    if (typeof bot?.id !== 'number' || typeof bot.username !== 'string') {
      throw new TelegramError('Telegram getMe returned an unexpected result', { status: null, permanent: false })
    }
    return { id: bot.id, username: bot.username }
  }

  async #call<T>(token: string, method: string, payload: object): Promise<T | undefined> {
    if (!TOKEN_FORMAT.test(token)) {
      throw new TelegramError('the bot token is malformed', { status: null, permanent: true })
    }
    const signal = AbortSignal.timeout(this.#timeoutMs)
    let status: number
    let text: string
    try {
      const { request } = await undici()
      const response = await request(`${this.#baseUrl}/bot${token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal
      })
      status = response.statusCode
      text = await response.body.text()
    } catch (error) {
      const reason = signal.aborted ? `timed out after ${this.#timeoutMs} ms` : (error as Error).message
      throw new TelegramError(`Telegram ${method} failed: ${redact(reason, token)}`, { status: null, permanent: false })
    }
    const reply = parseReply<T>(text)
    if (status === 200 && reply?.ok === true) return reply.result
    throw failure(method, status, reply, token)
  }
}

function parseReply<T>(text: string): BotApiReply<T> | null {
  try {
    return JSON.parse(text) as BotApiReply<T>
  } catch {
    return null
  }
}

function failure(method: string, status: number, reply: BotApiReply<unknown> | null, token: string): TelegramError {
  const description = typeof reply?.description === 'string' ? reply.description : `HTTP ${status}`
  const retryAfter = reply?.parameters?.retry_after
  return new TelegramError(`Telegram ${method} failed: ${redact(description, token)}`, {
    status,
    retryAfterSeconds: typeof retryAfter === 'number' ? retryAfter : null,
    permanent: status >= 400 && status < 500 && status !== TOO_MANY_REQUESTS
  })
}

function redact(text: string, token: string): string {
  return text.split(token).join('<bot token>')
}
