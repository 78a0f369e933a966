import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FAKE_BOT_TOKEN, startFakeTelegram, type FakeTelegram } from '../../../src/fake-telegram/server.js'

let telegram: FakeTelegram

beforeEach(async () => {
  telegram = await startFakeTelegram()
})

afterEach(async () => {
  await telegram.close()
})

async function call(path: string, body?: unknown): Promise<{ status: number; reply: unknown }> {
  const response = await fetch(`${telegram.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {})
  })
  return { status: response.status, reply: await response.json() }
}

describe('startFakeTelegram', () => {
  it('should listen on a loopback address', () => {
    expect(telegram.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('should accept the default token when none are configured', async () => {
    const { status, reply } = await call(`/bot${FAKE_BOT_TOKEN}/getMe`)

    expect(status).toBe(200)
    expect(reply).toMatchObject({ ok: true, result: { id: 123456789, is_bot: true, username: 'fake_123456789_bot' } })
  })

  it('should answer an unknown token with the Bot API 401 reply', async () => {
    expect(await call('/bot1:unknown/getMe')).toEqual({
      status: 401,
      reply: { ok: false, error_code: 401, description: 'Unauthorized' }
    })
  })

  it('should accept only the configured tokens', async () => {
    const custom = await startFakeTelegram({ tokens: ['7:seven'] })
    try {
      const accepted = await fetch(`${custom.url}/bot7:seven/getMe`, { method: 'POST' })
      const refused = await fetch(`${custom.url}/bot${FAKE_BOT_TOKEN}/getMe`, { method: 'POST' })

      expect([accepted.status, refused.status]).toEqual([200, 401])
    } finally {
      await custom.close()
    }
  })

  it('should record a sent message with the time it arrived', async () => {
    const before = new Date()

    const { status, reply } = await call(`/bot${FAKE_BOT_TOKEN}/sendMessage`, { chat_id: 42, text: 'hi' })

    expect(status).toBe(200)
    expect(reply).toMatchObject({ ok: true, result: { message_id: 1, chat: { id: 42 }, text: 'hi' } })
    expect(telegram.messages).toEqual([
      { token: FAKE_BOT_TOKEN, chatId: '42', text: 'hi', parseMode: null, at: expect.any(Date) }
    ])
    expect(telegram.messages[0]?.at.getTime()).toBeGreaterThanOrEqual(before.getTime())
  })

  it('should take parameters from the query string as well', async () => {
    const response = await fetch(`${telegram.url}/bot${FAKE_BOT_TOKEN}/sendMessage?chat_id=42&text=hi`)

    expect(response.status).toBe(200)
    expect(telegram.messages[0]).toMatchObject({ chatId: '42', text: 'hi' })
  })

  it.each([
    [{ text: 'hi' }, 'Bad Request: chat_id is empty'],
    [{ chat_id: 42, text: '' }, 'Bad Request: message text is empty'],
    [{ chat_id: 42, text: 'x'.repeat(4097) }, 'Bad Request: message is too long']
  ])('should refuse the message %j', async (body, description) => {
    expect(await call(`/bot${FAKE_BOT_TOKEN}/sendMessage`, body)).toEqual({
      status: 400,
      reply: { ok: false, error_code: 400, description }
    })
    expect(telegram.messages).toHaveLength(0)
  })

  it('should answer an unknown method with 404', async () => {
    expect((await call(`/bot${FAKE_BOT_TOKEN}/sendPhoto`)).status).toBe(404)
  })

  describe('failNext', () => {
    it('should fail only the next request, with the Bot API reply for the status', async () => {
      telegram.failNext(429)

      const failed = await call(`/bot${FAKE_BOT_TOKEN}/sendMessage`, { chat_id: 1, text: 'a' })
      const passed = await call(`/bot${FAKE_BOT_TOKEN}/sendMessage`, { chat_id: 1, text: 'b' })

      expect(failed).toEqual({
        status: 429,
        reply: {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 1',
          parameters: { retry_after: 1 }
        }
      })
      expect(passed.status).toBe(200)
      expect(telegram.messages.map((message) => message.text)).toEqual(['b'])
    })

    it('should send the given body and queue several failures', async () => {
      telegram.failNext(403, { ok: false, error_code: 403, description: 'Forbidden: bot was kicked' })
      telegram.failNext(500)

      const first = await call(`/bot${FAKE_BOT_TOKEN}/getMe`)
      const second = await call(`/bot${FAKE_BOT_TOKEN}/getMe`)
      const third = await call(`/bot${FAKE_BOT_TOKEN}/getMe`)

      expect(first.reply).toEqual({ ok: false, error_code: 403, description: 'Forbidden: bot was kicked' })
      expect([first.status, second.status, third.status]).toEqual([403, 500, 200])
    })
  })
})
