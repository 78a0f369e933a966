import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_BOT_TOKEN, startFakeTelegram, type FakeTelegram } from '../../src/fake-telegram/server.js'
import { MultiFernet, generateFernetKey } from '../../src/security/fernet.js'
import { rotateEncryptedColumns } from '../../src/security/key-rotation.js'
import { buildTestApp, registerTenant, type TestApp } from '../helpers/app.js'

let t: TestApp
let telegram: FakeTelegram
const oldKey = generateFernetKey()
/** The key rotated to, the same in every test: rows an earlier test rotated are then already under it. */
const newKey = generateFernetKey()
beforeAll(async () => {
  telegram = await startFakeTelegram()
  t = await buildTestApp({ ENCRYPTION_MASTER_KEY: oldKey, TELEGRAM_API_BASE_URL: telegram.url })
  t.fake.sellers.upsert({ marketplace: 'ozon', apiKey: 'ozon-rotation-key-1', clientId: '777', products: 1 })
})
afterAll(async () => {
  await t.close()
  await telegram.close()
})

describe('rotateEncryptedColumns', () => {
  it('should re-encrypt stored credentials with the new first key, and be a no-op the second time', async () => {
    const owner = await registerTenant(t.app)
    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenants/me/credentials',
      headers: owner.headers,
      payload: { marketplace_type: 'ozon', api_key: 'ozon-rotation-key-1', client_id: '777' }
    })
    const rotating = new MultiFernet([newKey, oldKey])
    const counts = await rotateEncryptedColumns(t.app.db, rotating)
    expect(counts['marketplace_credentials.api_key_encrypted']).toBeGreaterThanOrEqual(1)
    expect(counts['marketplace_credentials.client_id_encrypted']).toBeGreaterThanOrEqual(1)

    const [row] = await t.app.db.system(
      async (_tx, raw) =>
        (await raw.query<{ k: string; c: string }>('SELECT api_key_encrypted AS k, client_id_encrypted AS c FROM marketplace_credentials WHERE tenant_id = $1', [owner.tenantId])).rows
    )
    const onlyNew = new MultiFernet([newKey])
    expect(onlyNew.decrypt(row!.k)).toBe('ozon-rotation-key-1')
    expect(onlyNew.decrypt(row!.c)).toBe('777')
    expect(Object.values(await rotateEncryptedColumns(t.app.db, rotating)).every((n) => n === 0)).toBe(true)
  })

  it('should re-encrypt Telegram bot tokens and webhook signing secrets too', async () => {
    const owner = await registerTenant(t.app)
    const put = await t.app.inject({ method: 'PUT', url: '/api/v1/tenants/me/telegram', headers: owner.headers, payload: { bot_token: FAKE_BOT_TOKEN, chat_id: '42' } })
    expect(put.statusCode, put.body).toBe(200)
    const hook = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: owner.headers, payload: { url: 'https://93.184.216.34/hooks', events: ['stock.low'] } })
    expect(hook.statusCode, hook.body).toBe(201)
    const counts = await rotateEncryptedColumns(t.app.db, new MultiFernet([newKey, oldKey]))
    expect(counts['telegram_settings.bot_token_encrypted']).toBeGreaterThanOrEqual(1)
    expect(counts['webhook_endpoints.secret_encrypted']).toBeGreaterThanOrEqual(1)

    const [row] = await t.app.db.system(
      async (_tx, raw) =>
        (
          await raw.query<{ token: string; secret: string }>(
            'SELECT s.bot_token_encrypted AS token, e.secret_encrypted AS secret FROM telegram_settings s JOIN webhook_endpoints e USING (tenant_id) WHERE s.tenant_id = $1',
            [owner.tenantId]
          )
        ).rows
    )
    const onlyNew = new MultiFernet([newKey])
    expect(onlyNew.decrypt(row!.token)).toBe(FAKE_BOT_TOKEN)
    expect(onlyNew.decrypt(row!.secret)).toBe(hook.json().secret)
  })
})
