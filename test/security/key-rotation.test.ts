import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MultiFernet, generateFernetKey } from '../../src/security/fernet.js'
import { rotateEncryptedColumns } from '../../src/security/key-rotation.js'
import { buildTestApp, registerTenant, type TestApp } from '../helpers/app.js'

let t: TestApp
const oldKey = generateFernetKey()
beforeAll(async () => {
  t = await buildTestApp({ ENCRYPTION_MASTER_KEY: oldKey })
  t.fake.sellers.upsert({ marketplace: 'ozon', apiKey: 'ozon-rotation-key-1', clientId: '777', products: 1 })
})
afterAll(() => t.close())

describe('rotateEncryptedColumns', () => {
  it('should re-encrypt stored credentials with the new first key, and be a no-op the second time', async () => {
    const owner = await registerTenant(t.app)
    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenants/me/credentials',
      headers: owner.headers,
      payload: { marketplace_type: 'ozon', api_key: 'ozon-rotation-key-1', client_id: '777' }
    })
    const newKey = generateFernetKey()
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
})
