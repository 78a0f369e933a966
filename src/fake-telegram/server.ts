import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The token that the fake accepts when no tokens are configured. */
export const FAKE_BOT_TOKEN = '123456789:fake-telegram-token'

const MESSAGE_LIMIT = 4096
const ROUTE = /^\/bot([^/]+)\/([A-Za-z]+)$/
const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request: chat not found',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  429: 'Too Many Requests: retry after 1',
  500: 'Internal Server Error'
}

export interface FakeTelegramMessage {
  token: string
  chatId: string
  text: string
  parseMode: string | null
  at: Date
}

export interface FakeTelegram {
  /** Base URL to use as TELEGRAM_API_BASE_URL, e.g. http://127.0.0.1:40123 */
  url: string
  /** Every message accepted so far, oldest first. */
  messages: FakeTelegramMessage[]
  /**
   * Makes the next request (whatever its token or method) fail with this status. An object body is sent as
   * JSON and a string as plain text; without a body the Bot API's usual error reply for the status is sent.
   * Calls queue up: two calls fail the next two requests.
   */
  failNext(status: number, body?: unknown): void
  close(): Promise<void>
}

interface Reply {
  status: number
  body: unknown
}

/**
 * Starts a local stand-in for the Telegram Bot API (getMe and sendMessage, JSON or query parameters) on a
 * loopback port, for tests and local development.
 *
 * @example
 * const telegram = await startFakeTelegram({ tokens: ['42:secret'] })
 * const client = new TelegramClient({ baseUrl: telegram.url })
 */
export async function startFakeTelegram(options: { tokens?: string[] } = {}): Promise<FakeTelegram> {
  const tokens = new Set(options.tokens ?? [FAKE_BOT_TOKEN])
  const messages: FakeTelegramMessage[] = []
  const failures: Reply[] = []

  const handle = (method: string, token: string, params: Record<string, unknown>): Reply => {
    if (!tokens.has(token)) return botApiError(401)
    if (method === 'getMe') return botApiResult(describeBot(token))
    if (method !== 'sendMessage') return botApiError(404)
    const chatId = params.chat_id
    const text = params.text
    if ((typeof chatId !== 'string' && typeof chatId !== 'number') || String(chatId) === '') {
      return botApiError(400, 'Bad Request: chat_id is empty')
    }
    if (typeof text !== 'string' || text.trim() === '') return botApiError(400, 'Bad Request: message text is empty')
    if (text.length > MESSAGE_LIMIT) return botApiError(400, 'Bad Request: message is too long')
    const parseMode = typeof params.parse_mode === 'string' ? params.parse_mode : null
    const at = new Date()
    messages.push({ token, chatId: String(chatId), text, parseMode, at })
    const date = Math.floor(at.getTime() / 1000)
    return botApiResult({ message_id: messages.length, date, chat: { id: chatId }, text })
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-telegram')
    readParams(req, url).then(
      (params) => {
        const failure = failures.shift()
        if (failure !== undefined) return send(res, failure)
        const route = ROUTE.exec(url.pathname)
        if (route === null) return send(res, botApiError(404))
        send(res, handle(route[2] ?? '', decodeURIComponent(route[1] ?? ''), params))
      },
      () => send(res, botApiError(400, "Bad Request: can't parse JSON"))
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    failNext(status, body) {
      failures.push(body === undefined ? botApiError(status) : { status, body })
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}

function describeBot(token: string) {
  const id = Number(token.split(':')[0])
  return { id, is_bot: true, first_name: 'Fake Stock Tracker', username: `fake_${id}_bot` }
}

function botApiResult(result: unknown): Reply {
  return { status: 200, body: { ok: true, result } }
}

function botApiError(status: number, description = DEFAULT_DESCRIPTIONS[status] ?? `Error ${status}`): Reply {
  const parameters = status === 429 ? { parameters: { retry_after: 1 } } : {}
  return { status, body: { ok: false, error_code: status, description, ...parameters } }
}

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const query = Object.fromEntries(url.searchParams)
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks).toString('utf8')
  const isJson = req.headers['content-type']?.startsWith('application/json') ?? false
  return { ...query, ...(isJson && body !== '' ? (JSON.parse(body) as Record<string, unknown>) : {}) }
}

function send(res: ServerResponse, reply: Reply): void {
  const isText = typeof reply.body === 'string'
  res.writeHead(reply.status, { 'content-type': isText ? 'text/plain' : 'application/json' })
  res.end(isText ? reply.body : JSON.stringify(reply.body))
}
