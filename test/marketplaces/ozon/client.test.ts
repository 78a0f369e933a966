import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import {
  barcode,
  infoItem,
  ozonWarehouseName,
  sellerStock,
  sellerWarehouses,
  sku
} from '../../../src/fake-marketplace/ozon/model.js'
import { startFakeMarketplace, type FakeMarketplace } from '../../../src/fake-marketplace/server.js'
import { MarketplaceAuthError, MarketplaceRateLimitError } from '../../../src/marketplaces/errors.js'
import { OzonClient } from '../../../src/marketplaces/ozon/client.js'
import type { MarketplaceClientOptions, MarketplaceCredentials, MarketSku } from '../../../src/marketplaces/types.js'
import { collect, fakeOptions, gaps, rejection } from '../helpers.js'

const SELLER: MarketplaceCredentials = { clientId: '700001', apiKey: 'ozon-client-key-a' }
const OTHER_SELLER: MarketplaceCredentials = { clientId: '700002', apiKey: 'ozon-client-key-b' }
const NO_ROLE: MarketplaceCredentials = { clientId: '700003', apiKey: 'ozon-client-key-no-role' }

const fake: FakeMarketplace = await startFakeMarketplace({
  sellers: [
    { marketplace: 'ozon', ...SELLER, products: 2_500, sellerWarehouses: 2, fboWarehouses: 3 },
    { marketplace: 'ozon', ...OTHER_SELLER, products: 300 },
    { marketplace: 'ozon', ...NO_ROLE, missingScope: true }
  ]
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

function client(credentials = SELLER, overrides: Partial<MarketplaceClientOptions> = {}) {
  return new OzonClient(credentials, fakeOptions(fake, overrides))
}

const seller = (credentials = SELLER) => fake.sellers.get(credentials.apiKey)!

function skusOf(count: number): MarketSku[] {
  return Array.from({ length: count }, (_, index) => ({
    externalId: String(sku(seller(), index)),
    size: null,
    barcodes: []
  }))
}

describe('OzonClient', () => {
  describe('verifyCredentials', () => {
    it('should read one product with Client-Id and Api-Key headers', async () => {
      await client().verifyCredentials()

      expect(fake.requests.list()).toEqual([
        expect.objectContaining({
          path: '/v3/product/list',
          headers: expect.objectContaining({ 'client-id': SELLER.clientId, 'api-key': SELLER.apiKey }),
          body: { filter: { visibility: 'ALL' }, last_id: '', limit: 1 }
        })
      ])
    })

    it('should reject an unknown key with MarketplaceAuthError after a single request', async () => {
      const error = await rejection(client({ clientId: SELLER.clientId, apiKey: 'revoked-key' }).verifyCredentials())

      expect(error).toBeInstanceOf(MarketplaceAuthError)
      expect(error).toMatchObject({ status: 401 })
      expect(fake.requests.list()).toHaveLength(1)
    })

    it('should reject a key without the role with MarketplaceAuthError', async () => {
      const error = await rejection(client(NO_ROLE).verifyCredentials())

      expect(error).toBeInstanceOf(MarketplaceAuthError)
      expect((error as MarketplaceAuthError).detail).toContain('missing a required role')
    })

    it('should refuse credentials without a client id before calling Ozon', () => {
      expect(() => client({ apiKey: SELLER.apiKey })).toThrow(MarketplaceAuthError)
      expect(fake.requests.list()).toEqual([])
    })

    it('should keep the key and client id out of error messages', async () => {
      const secret = { clientId: '918273645', apiKey: 'ozon-secret-key-that-must-not-leak' }

      const error = (await rejection(client(secret).verifyCredentials())) as MarketplaceAuthError

      const text = `${error.message} ${error.detail} ${error.stack} ${JSON.stringify(error)}`
      expect(text).not.toContain(secret.apiKey)
      expect(text).not.toContain(secret.clientId)
    })
  })

  describe('products', () => {
    it('should page the product list by last_id and describe each page', async () => {
      await collect(client().products())

      const listBodies = fake.requests
        .list({ route: '/v3/product/list' })
        .map((request) => request.body as { last_id: string; limit: number })
      const infoSizes = fake.requests
        .list({ route: '/v3/product/info/list' })
        .map((request) => (request.body as { product_id: number[] }).product_id.length)
      expect(listBodies.map((body) => body.limit)).toEqual([1_000, 1_000, 1_000])
      expect(listBodies[0]?.last_id).toBe('')
      expect(new Set(listBodies.map((body) => body.last_id)).size).toBe(3)
      expect(infoSizes).toEqual([1_000, 1_000, 500])
    })

    it('should return the whole catalogue the fake generated, one SKU per product', async () => {
      const products = await collect(client().products())

      expect(products).toHaveLength(2_500)
      const expected = [0, 1_234, 2_499].map((index) => {
        const item = infoItem(seller(), index)
        return {
          externalId: String(item.id),
          vendorCode: item.offer_id,
          name: item.name,
          brand: null,
          category: null,
          barcodes: [barcode(seller(), index)],
          skus: [{ externalId: String(item.sku), size: null, barcodes: [barcode(seller(), index)] }]
        }
      })
      expect([products[0], products[1_234], products[2_499]]).toEqual(expected)
    })

    it('should give two Client-Ids different catalogues', async () => {
      const mine = new Set((await collect(client().products())).map((product) => product.externalId))
      const theirs = (await collect(client(OTHER_SELLER).products())).map((product) => product.externalId)

      expect(theirs).toHaveLength(300)
      expect(theirs.filter((id) => mine.has(id))).toEqual([])
      expect(new Set(fake.requests.list().map((request) => request.apiKey))).toEqual(
        new Set([SELLER.apiKey, OTHER_SELLER.apiKey])
      )
    })
  })

  describe('sellerWarehouses', () => {
    it('should list the seller warehouses as fbs', async () => {
      const warehouses = await client().sellerWarehouses()

      expect(warehouses).toEqual(
        sellerWarehouses(seller()).map((warehouse) => ({
          externalId: String(warehouse.warehouse_id),
          name: warehouse.name,
          type: 'fbs'
        }))
      )
    })
  })

  describe('sellerStocks', () => {
    it('should ask for at most 500 SKUs per call and keep to the given warehouses', async () => {
      const ozon = client()
      const [first] = await ozon.sellerWarehouses()

      const stocks = await collect(ozon.sellerStocks(skusOf(1_200), [first!]))

      const batchSizes = fake.requests
        .list({ route: '/v1/product/info/stocks-by-warehouse/fbs' })
        .map((request) => (request.body as { sku: number[] }).sku.length)
      expect(batchSizes).toEqual([500, 500, 200])
      expect(stocks).toHaveLength(1_200)
      expect(stocks.every((stock) => stock.warehouse === first)).toBe(true)
      const { present, reserved } = sellerStock(seller(), 42, 0)
      expect(stocks[42]).toMatchObject({ skuExternalId: String(sku(seller(), 42)), quantity: present, reserved })
    })
  })

  describe('fulfillmentStocks', () => {
    it('should page the stock report by offset and key Ozon warehouses by name', async () => {
      const stocks = await collect(client().fulfillmentStocks())

      const offsets = fake.requests
        .list({ route: '/v2/analytics/stock_on_warehouses' })
        .map((request) => (request.body as { offset: number }).offset)
      expect(offsets).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000])
      expect(stocks).toHaveLength(7_500)
      expect(stocks[1]?.warehouse).toEqual({
        externalId: ozonWarehouseName(1),
        name: ozonWarehouseName(1),
        type: 'fbo'
      })
    })
  })

  describe('retries', () => {
    it('should wait Retry-After seconds before retrying a 429', async () => {
      fake.faults.add({ route: '/v1/warehouse/list', kind: 'rate_limit', retryAfterSeconds: 1 })

      await client().sellerWarehouses()

      const [gap] = gaps(fake.requests.list({ route: '/v1/warehouse/list' }))
      expect(gap).toBeGreaterThanOrEqual(1_000)
    })

    it('should back off exponentially on a 429 without Retry-After', async () => {
      fake.faults.add({ route: '/v1/warehouse/list', kind: 'rate_limit', times: 2 })

      await client(SELLER, { backoffBaseMs: 100 }).sellerWarehouses()

      const [first, second] = gaps(fake.requests.list({ route: '/v1/warehouse/list' }))
      expect(first).toBeGreaterThanOrEqual(100)
      expect(second).toBeGreaterThanOrEqual(200)
    })

    it('should throw MarketplaceRateLimitError with the asked wait when 429s outlast the retries', async () => {
      fake.faults.add({ route: '/v1/warehouse/list', kind: 'rate_limit', retryAfterSeconds: 0, times: 5 })

      const error = await rejection(client(SELLER, { maxRetries: 1 }).sellerWarehouses())

      expect(error).toBeInstanceOf(MarketplaceRateLimitError)
      expect(error).toMatchObject({ code: 'marketplace_rate_limited', retryAfterMs: 0 })
    })

    it('should give up at once when the server asks for a wait longer than two minutes', async () => {
      fake.faults.add({ route: '/v1/warehouse/list', kind: 'rate_limit', retryAfterSeconds: 600 })

      const error = await rejection(client().sellerWarehouses())

      expect(error).toMatchObject({ code: 'marketplace_rate_limited', retryAfterMs: 600_000 })
      expect(fake.requests.list()).toHaveLength(1)
    })
  })
})
