import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { productId, sku } from '../../src/fake-marketplace/ozon/model.js'
import { startFakeMarketplace, type FakeMarketplace } from '../../src/fake-marketplace/server.js'
import { callJson } from './http.js'

const CLIENT_ID = '5001'
const API_KEY = 'ozon-routes-key'
const fake: FakeMarketplace = await startFakeMarketplace({
  sellers: [
    { marketplace: 'ozon', clientId: CLIENT_ID, apiKey: API_KEY, sellerWarehouses: 2, fboWarehouses: 3 },
    { marketplace: 'ozon', clientId: '5002', apiKey: 'ozon-no-role', missingScope: true }
  ]
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const seller = () => fake.sellers.get(API_KEY)!

function ozon(
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'client-id': CLIENT_ID, 'api-key': API_KEY }
) {
  return callJson(fake.url, path, { headers, body })
}

describe('fake Ozon API', () => {
  describe('authentication', () => {
    it('should answer an unknown key with 401 code 16', async () => {
      const response = await ozon('/v1/warehouse/list', {}, { 'client-id': CLIENT_ID, 'api-key': 'wrong' })

      expect(response.status).toBe(401)
      expect(response.body).toEqual({ code: 16, message: expect.stringContaining('Invalid Api-Key'), details: [] })
    })

    it('should answer a known key with another Client-Id with 401', async () => {
      const response = await ozon('/v1/warehouse/list', {}, { 'client-id': '5002', 'api-key': API_KEY })

      expect(response.status).toBe(401)
    })

    it('should answer a key without the role with 403 code 7', async () => {
      const response = await ozon('/v1/warehouse/list', {}, { 'client-id': '5002', 'api-key': 'ozon-no-role' })

      expect(response.status).toBe(403)
      expect(response.body).toMatchObject({ code: 7 })
    })
  })

  describe('POST /v3/product/list', () => {
    it('should page the 2 500 default products by last_id in three pages', async () => {
      const sizes: number[] = []
      let lastId = ''
      for (;;) {
        const { result } = (
          await ozon('/v3/product/list', { filter: { visibility: 'ALL' }, last_id: lastId, limit: 1_000 })
        ).body as { result: { items: unknown[]; last_id: string; total: number } }
        sizes.push(result.items.length)
        if (result.items.length < 1_000) break
        lastId = result.last_id
      }

      expect(sizes).toEqual([1_000, 1_000, 500])
    })

    it('should reject a limit above 1000 with 400 code 3', async () => {
      const response = await ozon('/v3/product/list', { last_id: '', limit: 1_001 })

      expect(response.status).toBe(400)
      expect(response.body).toMatchObject({ code: 3 })
    })
  })

  describe('POST /v3/product/info/list', () => {
    it('should describe the requested products with sku and barcodes', async () => {
      const response = await ozon('/v3/product/info/list', {
        product_id: [productId(seller(), 7), String(productId(seller(), 8))]
      })

      expect((response.body as { items: unknown[] }).items).toEqual([
        expect.objectContaining({ id: productId(seller(), 7), sku: sku(seller(), 7), barcodes: [expect.any(String)] }),
        expect.objectContaining({ id: productId(seller(), 8), sku: sku(seller(), 8) })
      ])
    })
  })

  describe('POST /v1/product/info/stocks-by-warehouse/fbs', () => {
    it('should return one row per SKU per seller warehouse', async () => {
      const response = await ozon('/v1/product/info/stocks-by-warehouse/fbs', {
        sku: [sku(seller(), 0), sku(seller(), 1)]
      })

      expect((response.body as { result: unknown[] }).result).toHaveLength(4)
    })
  })

  describe('POST /v2/analytics/stock_on_warehouses', () => {
    it('should page rows by offset until a short page', async () => {
      const rows = async (offset: number) =>
        (
          (await ozon('/v2/analytics/stock_on_warehouses', { limit: 1_000, offset, warehouse_type: 'ALL' })).body as {
            result: { rows: unknown[] }
          }
        ).result.rows.length

      expect(await rows(0)).toBe(1_000)
      expect(await rows(7_000)).toBe(500)
    })
  })

  describe('POST /v4/product/info/stocks', () => {
    it('should page items by cursor with fbs and fbo stock', async () => {
      const first = (await ozon('/v4/product/info/stocks', { filter: {}, limit: 1_000 })).body as {
        cursor: string
        items: { product_id: number; stocks: { type: string }[] }[]
      }
      const second = (await ozon('/v4/product/info/stocks', { filter: {}, cursor: first.cursor, limit: 1_000 }))
        .body as {
        items: { product_id: number }[]
      }

      expect(first.items[0]?.stocks.map((stock) => stock.type)).toEqual(['fbs', 'fbo'])
      expect(second.items[0]?.product_id).toBe(productId(seller(), 1_000))
    })
  })

  describe('fault injection', () => {
    it('should answer a rate_limit fault with code 8 and Retry-After', async () => {
      fake.faults.add({ route: '/v1/warehouse/list', kind: 'rate_limit', retryAfterSeconds: 1 })

      const response = await ozon('/v1/warehouse/list', {})

      expect(response.status).toBe(429)
      expect(response.headers.get('retry-after')).toBe('1')
      expect(response.body).toMatchObject({ code: 8 })
    })

    it('should answer a server_error fault with code 13', async () => {
      fake.faults.add({ route: '/v1/warehouse/list', kind: 'server_error' })

      const response = await ozon('/v1/warehouse/list', {})

      expect(response.status).toBe(500)
      expect(response.body).toMatchObject({ code: 13, message: 'Internal error' })
    })
  })

  it('should give two Client-Ids different catalogues', async () => {
    fake.sellers.upsert({ marketplace: 'ozon', clientId: '5003', apiKey: 'second-seller-key' })
    const firstIds = async (headers: Record<string, string>) =>
      ((await ozon('/v3/product/list', { limit: 3 }, headers)).body as { result: { items: { product_id: number }[] } })
        .result.items

    const mine = await firstIds({ 'client-id': CLIENT_ID, 'api-key': API_KEY })
    const theirs = await firstIds({ 'client-id': '5003', 'api-key': 'second-seller-key' })

    expect(mine).not.toEqual(theirs)
  })
})
