import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startFakeTelegram, type FakeTelegram } from '../../../src/fake-telegram/server.js'
import { splitMessage, TelegramClient, TelegramError } from '../../../src/notifications/telegram/client.js'
import { startReceiver } from '../helpers/receiver.js'

const token = '4242:AAE-valid_token'
const otherToken = '4242:AAE-revoked_token'

let telegram: FakeTelegram
let client: TelegramClient

beforeEach(async () => {
  telegram = await startFakeTelegram({ tokens: [token] })
  client = new TelegramClient({ baseUrl: telegram.url })
})

afterEach(async () => {
  await telegram.close()
})

async function caught(call: Promise<unknown>): Promise<TelegramError> {
  const error = await call.then(
    () => expect.fail('the call succeeded'),
    (failure: unknown) => failure
  )
  expect(error).toBeInstanceOf(TelegramError)
  return error as TelegramError
}

function expectNoToken(error: TelegramError, secret = token) {
  expect(error.message).not.toContain(secret)
  expect(error.stack ?? '').not.toContain(secret)
  expect(JSON.stringify(error)).not.toContain(secret)
  expect(error.cause).toBeUndefined()
}

describe('TelegramClient', () => {
  describe('sendMessage', () => {
    it('should send the text to the chat with the given token', async () => {
      await client.sendMessage(token, '-1001234567890', 'SKU-1: 2 left')

      expect(telegram.messages).toEqual([
        { token, chatId: '-1001234567890', text: 'SKU-1: 2 left', parseMode: null, at: expect.any(Date) }
      ])
    })

    it('should pass the HTML parse mode', async () => {
      await client.sendMessage(token, '42', '<b>SKU-1</b>: 2 left', { parseMode: 'HTML' })

      expect(telegram.messages[0]).toMatchObject({ text: '<b>SKU-1</b>: 2 left', parseMode: 'HTML' })
    })

    it('should accept a base URL with a trailing slash', async () => {
      await new TelegramClient({ baseUrl: `${telegram.url}/` }).sendMessage(token, '42', 'hello')

      expect(telegram.messages).toHaveLength(1)
    })

    it('should send every part of a split text', async () => {
      for (const part of splitMessage('line one\nline two', 10)) await client.sendMessage(token, '42', part)

      expect(telegram.messages.map((message) => message.text)).toEqual(['line one', 'line two'])
    })
  })

  describe('getMe', () => {
    it('should return the id and username of the bot', async () => {
      expect(await client.getMe(token)).toEqual({ id: 4242, username: 'fake_4242_bot' })
    })

    it('should fail permanently for an unknown token', async () => {
      const error = await caught(client.getMe(otherToken))

      expect(error).toMatchObject({ status: 401, permanent: true, retryAfterSeconds: null })
      expect(error.message).toBe('Telegram getMe failed: Unauthorized')
      expectNoToken(error, otherToken)
    })

    it('should fail when the reply has no bot in it', async () => {
      telegram.failNext(200, { ok: true, result: { id: 'not a number' } })

      const error = await caught(client.getMe(token))

      expect(error).toMatchObject({ status: null, permanent: false })
    })
  })

  describe('errors', () => {
    it('should carry retry_after from a 429 reply and allow a retry', async () => {
      telegram.failNext(429, {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 }
      })

      const error = await caught(client.sendMessage(token, '42', 'hello'))

      expect(error).toMatchObject({ status: 429, retryAfterSeconds: 7, permanent: false })
      expectNoToken(error)
    })

    it.each([
      [400, 'Bad Request: chat not found'],
      [403, 'Forbidden: bot was blocked by the user'],
      [401, 'Unauthorized']
    ])('should mark a %i reply as permanent', async (status, description) => {
      telegram.failNext(status, { ok: false, error_code: status, description })

      const error = await caught(client.sendMessage(token, '42', 'hello'))

      expect(error).toMatchObject({ status, permanent: true, message: `Telegram sendMessage failed: ${description}` })
    })

    it('should mark a server error as temporary', async () => {
      telegram.failNext(500)

      const error = await caught(client.sendMessage(token, '42', 'hello'))

      expect(error).toMatchObject({
        status: 500,
        permanent: false,
        message: 'Telegram sendMessage failed: Internal Server Error'
      })
    })

    it('should describe a reply that is not JSON by its status', async () => {
      telegram.failNext(502, '<html>Bad Gateway</html>')

      const error = await caught(client.sendMessage(token, '42', 'hello'))

      expect(error).toMatchObject({ status: 502, permanent: false, message: 'Telegram sendMessage failed: HTTP 502' })
    })

    it('should remove the token from a description that quotes it', async () => {
      telegram.failNext(400, { ok: false, error_code: 400, description: `Bad Request: bot${token} is odd` })

      const error = await caught(client.sendMessage(token, '42', 'hello'))

      expect(error.message).toBe('Telegram sendMessage failed: Bad Request: bot<bot token> is odd')
    })

    it('should refuse a malformed token without calling Telegram', async () => {
      const error = await caught(client.sendMessage('4242:abc/../../other', '42', 'hello'))

      expect(error).toMatchObject({ status: null, permanent: true, message: 'the bot token is malformed' })
      expect(telegram.messages).toHaveLength(0)
    })

    it('should report a refused connection as temporary without the token', async () => {
      const closed = await startReceiver(() => undefined)
      await closed.close()

      const error = await caught(new TelegramClient({ baseUrl: closed.url }).sendMessage(token, '42', 'hello'))

      expect(error).toMatchObject({ status: null, permanent: false })
      expect(error.message).toMatch(/^Telegram sendMessage failed: .*ECONNREFUSED/)
      expectNoToken(error)
    })

    it('should time out while the reply is still arriving', async () => {
      const trickling = await startReceiver((res) => res.writeHead(200).write('{"ok":'))
      try {
        const error = await caught(new TelegramClient({ baseUrl: trickling.url, timeoutMs: 100 }).getMe(token))

        expect(error).toMatchObject({ status: null, permanent: false })
        expect(error.message).toBe('Telegram getMe failed: timed out after 100 ms')
      } finally {
        await trickling.close()
      }
    })

    it('should time out as a temporary failure', async () => {
      const silent = await startReceiver(() => undefined)
      try {
        const error = await caught(new TelegramClient({ baseUrl: silent.url, timeoutMs: 100 }).getMe(token))

        expect(error).toMatchObject({ status: null, permanent: false })
        expect(error.message).toBe('Telegram getMe failed: timed out after 100 ms')
        expectNoToken(error)
      } finally {
        await silent.close()
      }
    })
  })
})
