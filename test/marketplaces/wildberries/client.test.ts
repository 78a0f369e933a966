import { randomUUID } from 'node:crypto'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeMarketplace, type FakeMarketplace } from '../../../src/fake-marketplace/server.js'
import { card, sellerStockAmount, sellerWarehouses } from '../../../src/fake-marketplace/wildberries/model.js'
import {
  MarketplaceAuthError,
  MarketplaceProtocolError,
  MarketplaceRateLimitError,
  MarketplaceUnavailableError
} from '../../../src/marketplaces/errors.js'
import type { MarketplaceClientOptions, MarketSku } from '../../../src/marketplaces/types.js'
import { WildberriesClient } from '../../../src/marketplaces/wildberries/client.js'
import { collect, eventRecorder, fakeOptions, gaps, rejection } from '../helpers.js'

const TOKEN = 'wb-client-token-a'
const OTHER_TOKEN = 'wb-client-token-b'
const BIG_TOKEN = 'wb-client-token-big'
const NO_SCOPE_TOKEN = 'wb-client-token-no-scope'

const CARDS = '/content/v2/get/cards/list'
const REPORT = '/api/analytics/v1/stocks-report/wb-warehouses'

const fake: FakeMarketplace = await startFakeMarketplace({
  sellers: [
    { marketplace: 'wildberries', apiKey: TOKEN, products: 250, sizesPerProduct: 3, sellerWarehouses: 3 },
    { marketplace: 'wildberries', apiKey: OTHER_TOKEN, products: 120 },
    // 10 000 cards × 2 sizes × 3 WB warehouses = 60 000 report rows: two report pages.
    { marketplace: 'wildberries', apiKey: BIG_TOKEN, products: 10_000, sizesPerProduct: 2, fboWarehouses: 3 },
    { marketplace: 'wildberries', apiKey: NO_SCOPE_TOKEN, missingScope: true }
  ]
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

function client(token = TOKEN, overrides: Partial<MarketplaceClientOptions> = {}) {
  return new WildberriesClient({ apiKey: token }, fakeOptions(fake, overrides))
}

const seller = (token = TOKEN) => fake.sellers.get(token)!

describe('WildberriesClient', () => {
  describe('verifyCredentials', () => {
    it('should send one GET /ping with the raw token', async () => {
      await client().verifyCredentials()

      expect(fake.requests.list()).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: '/ping',
          headers: expect.objectContaining({ authorization: TOKEN })
        })
      ])
    })

    it('should reject an unknown token with MarketplaceAuthError after a single request', async () => {
      const error = await rejection(client('not-a-seller').verifyCredentials())

      expect(error).toBeInstanceOf(MarketplaceAuthError)
      expect(error).toMatchObject({ code: 'marketplace_auth', status: 401 })
      expect(fake.requests.list()).toHaveLength(1)
    })

    it('should reject a token without the category with MarketplaceAuthError', async () => {
      const error = await rejection(client(NO_SCOPE_TOKEN).products()[Symbol.asyncIterator]().next())

      expect(error).toBeInstanceOf(MarketplaceAuthError)
      expect(error).toMatchObject({ status: 403 })
    })

    it('should give up with MarketplaceUnavailableError within the verify timeout', async () => {
      fake.faults.add({ route: '/ping', kind: 'delay', delayMs: 3_000, times: 10 })
      const recorder = eventRecorder()
      const started = performance.now()

      const error = await rejection(
        client(TOKEN, { verifyTimeoutMs: 300, onCall: recorder.onCall }).verifyCredentials()
      )

      expect(error).toBeInstanceOf(MarketplaceUnavailableError)
      expect(performance.now() - started).toBeLessThan(1_000)
      expect(recorder.events).toEqual([expect.objectContaining({ endpoint: '/ping', status: 'timeout', attempt: 1 })])
    })

    it('should keep the token out of error messages', async () => {
      const secret = 'wb-secret-token-that-must-not-leak'

      const error = (await rejection(client(secret).verifyCredentials())) as Error

      expect(
        `${error.message} ${(error as MarketplaceAuthError).detail} ${error.stack} ${JSON.stringify(error)}`
      ).not.toContain(secret)
    })
  })

  describe('products', () => {
    it('should follow the cursor until a page has fewer than 100 cards', async () => {
      await collect(client().products())

      const bodies = fake.requests
        .list({ route: CARDS })
        .map((request) => request.body as { settings: { cursor: unknown } })
      const secondCard = card(seller(), 199)
      expect(bodies.map((body) => body.settings.cursor)).toEqual([
        { limit: 100 },
        { limit: 100, updatedAt: card(seller(), 99).updatedAt, nmID: card(seller(), 99).nmID },
        { limit: 100, updatedAt: secondCard.updatedAt, nmID: secondCard.nmID }
      ])
    })

    it('should return the whole catalogue the fake generated', async () => {
      const products = await collect(client().products())

      const expected = Array.from({ length: 250 }, (_, index) => {
        const generated = card(seller(), index)
        return {
          externalId: String(generated.nmID),
          vendorCode: generated.vendorCode,
          name: generated.title,
          brand: generated.brand,
          category: generated.subjectName,
          barcodes: generated.sizes.flatMap((size) => size.skus),
          skus: generated.sizes.map((size) => ({
            externalId: String(size.chrtID),
            size: size.techSize,
            barcodes: size.skus
          }))
        }
      })
      expect(products).toEqual(expected)
    })

    it('should leave out products the seller removed', async () => {
      fake.sellers.update(TOKEN, { removedProducts: [0, 100, 249] })

      const products = await collect(client().products())

      expect(products).toHaveLength(247)
      expect(products.map((product) => product.externalId)).not.toContain(String(card(seller(), 100).nmID))
    })

    it('should give two tokens different catalogues', async () => {
      const mine = new Set((await collect(client(TOKEN).products())).map((product) => product.externalId))
      const theirs = (await collect(client(OTHER_TOKEN).products())).map((product) => product.externalId)

      expect(theirs).toHaveLength(120)
      expect(theirs.filter((id) => mine.has(id))).toEqual([])
    })
  })

  describe('sellerWarehouses', () => {
    it('should list the seller warehouses as fbs', async () => {
      const warehouses = await client().sellerWarehouses()

      expect(warehouses).toEqual(
        sellerWarehouses(seller()).map((warehouse) => ({
          externalId: String(warehouse.id),
          name: warehouse.name,
          type: 'fbs'
        }))
      )
    })
  })

  describe('sellerStocks', () => {
    it('should ask each warehouse for at most 1000 chrtIds per call and return its amounts', async () => {
      const wb = client(BIG_TOKEN)
      const warehouses = await wb.sellerWarehouses()
      const skus: MarketSku[] = Array.from({ length: 600 }, (_, index) => card(seller(BIG_TOKEN), index)).flatMap(
        (generated) =>
          generated.sizes.map((size) => ({ externalId: String(size.chrtID), size: size.techSize, barcodes: size.skus }))
      )

      const stocks = await collect(wb.sellerStocks(skus, warehouses))

      const batchSizes = new Map<string, number[]>()
      for (const request of fake.requests.list({ route: '/api/v3/stocks/:warehouseId' })) {
        const sizes = batchSizes.get(request.path) ?? []
        batchSizes.set(request.path, [...sizes, (request.body as { chrtIds: number[] }).chrtIds.length])
      }
      expect([...batchSizes.keys()].sort()).toEqual(warehouses.map((warehouse) => `/api/v3/stocks/${warehouse.externalId}`).sort())
      for (const sizes of batchSizes.values()) expect(sizes).toEqual([1_000, 200])
      expect(stocks).toHaveLength(1_200 * warehouses.length)
      const sample = stocks[1_234]!
      expect(sample.quantity).toBe(
        sellerStockAmount(seller(BIG_TOKEN), Number(sample.skuExternalId), warehouses.indexOf(sample.warehouse))
      )
    })
  })

  describe('fulfillmentStocks', () => {
    it('should page the WB-warehouse report by offset until a short page', async () => {
      const stocks = await collect(client(BIG_TOKEN).fulfillmentStocks())

      const bodies = fake.requests.list({ route: REPORT }).map((request) => request.body)
      expect(bodies).toEqual([
        { limit: 50_000, offset: 0 },
        { limit: 50_000, offset: 50_000 }
      ])
      expect(stocks).toHaveLength(60_000)
      expect(stocks[0]).toMatchObject({ warehouse: { type: 'fbo' } })
    })

    it('should accept the report wrapped in a data object', async () => {
      fake.sellers.update(TOKEN, { wrapStockReport: true })

      const stocks = await collect(client().fulfillmentStocks())

      expect(stocks).toHaveLength(250 * 3 * 3)
    })
  })

  describe('retries', () => {
    it('should wait X-Ratelimit-Retry seconds before retrying a 429', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'rate_limit', retryAfterSeconds: 1 })

      await client().sellerWarehouses()

      const [gap] = gaps(fake.requests.list({ route: '/api/v3/warehouses' }))
      expect(gap).toBeGreaterThanOrEqual(1_000)
    })

    it('should throw MarketplaceRateLimitError when 429s outlast the retries', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'rate_limit', retryAfterSeconds: 0, times: 10 })

      const error = await rejection(client(TOKEN, { maxRetries: 1 }).sellerWarehouses())

      expect(error).toBeInstanceOf(MarketplaceRateLimitError)
      expect(fake.requests.list()).toHaveLength(2)
    })

    it('should retry a 5xx and then succeed', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'server_error', status: 503 })

      const warehouses = await client().sellerWarehouses()

      expect(warehouses).toHaveLength(3)
      expect(fake.requests.list()).toHaveLength(2)
    })

    it('should throw MarketplaceUnavailableError when 5xx outlasts the retries', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'server_error', status: 502, times: 10 })

      const error = await rejection(client(TOKEN, { maxRetries: 2 }).sellerWarehouses())

      expect(error).toBeInstanceOf(MarketplaceUnavailableError)
      expect(error).toMatchObject({ status: 502, endpoint: '/api/v3/warehouses' })
      expect(fake.requests.list()).toHaveLength(3)
    })

    it('should retry a request that timed out, then throw MarketplaceUnavailableError', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'delay', delayMs: 1_000, times: 10 })

      const error = await rejection(client(TOKEN, { timeoutMs: 150, maxRetries: 1 }).sellerWarehouses())

      expect(error).toBeInstanceOf(MarketplaceUnavailableError)
      expect((error as MarketplaceUnavailableError).detail).toContain('no response within 150 ms')
      expect(fake.requests.list()).toHaveLength(2)
    })

    it('should retry after a connection reset', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'reset' })

      const warehouses = await client().sellerWarehouses()

      expect(warehouses).toHaveLength(3)
    })

    it('should retry a body that is not JSON', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'malformed' })

      const warehouses = await client().sellerWarehouses()

      expect(warehouses).toHaveLength(3)
      expect(fake.requests.list()).toHaveLength(2)
    })

    it('should throw MarketplaceProtocolError on a 4xx without retrying', async () => {
      const error = await rejection(
        collect(
          client().sellerStocks(
            [{ externalId: '1', size: null, barcodes: [] }],
            [{ externalId: '404', name: 'gone', type: 'fbs' }]
          )
        )
      )

      expect(error).toBeInstanceOf(MarketplaceProtocolError)
      expect(error).toMatchObject({ status: 404 })
      expect(fake.requests.list()).toHaveLength(1)
    })

    it('should report every attempt with the route template', async () => {
      const recorder = eventRecorder()
      const wb = client(TOKEN, { onCall: recorder.onCall })
      const [warehouse] = await wb.sellerWarehouses()
      fake.faults.add({ route: '/api/v3/stocks/:warehouseId', kind: 'server_error', status: 503 })

      await collect(wb.sellerStocks([{ externalId: '1', size: null, barcodes: [] }], [warehouse!]))

      expect(recorder.events.map(({ endpoint, status, attempt }) => ({ endpoint, status, attempt }))).toEqual([
        { endpoint: '/api/v3/warehouses', status: 200, attempt: 1 },
        { endpoint: '/api/v3/stocks/{warehouseId}', status: 503, attempt: 1 },
        { endpoint: '/api/v3/stocks/{warehouseId}', status: 200, attempt: 2 }
      ])
      expect(recorder.events.every((event) => event.marketplace === 'wildberries' && event.durationMs >= 0)).toBe(true)
    })

    it('should stop waiting when the signal aborts', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'rate_limit', retryAfterSeconds: 30 })
      const controller = new AbortController()
      setTimeout(() => controller.abort(new Error('sync cancelled')), 200)
      const started = performance.now()

      const error = await rejection(client(TOKEN, { signal: controller.signal }).sellerWarehouses())

      expect(error).toEqual(new Error('sync cancelled'))
      expect(performance.now() - started).toBeLessThan(1_000)
    })
  })

  describe('pacing', () => {
    // Arrivals are measured from a moment taken before the first call rather than from each other: the
    // pacer decides when requests leave, and transit or a busy event loop can only make them arrive
    // later, so "call k arrives at least k × 600 ms after the start" holds on a loaded machine too.
    const arrivalsSince = (start: number) => fake.requests.list({ route: CARDS }).map((request) => request.at - start)

    it('should space content calls by the documented 600 ms', async () => {
      const start = Date.now()

      await collect(client(TOKEN, { pacing: 'documented' }).products())

      const arrivals = arrivalsSince(start)
      expect(arrivals).toHaveLength(3)
      expect(arrivals[1]).toBeGreaterThanOrEqual(600)
      expect(arrivals[2]).toBeGreaterThanOrEqual(1_200)
    })

    it('should share one budget between clients of one pacing key but not across keys', async () => {
      const options = { pacing: 'documented', pacingKey: randomUUID() } as const
      const start = Date.now()
      await collect(client(OTHER_TOKEN, options).products())
      await collect(client(OTHER_TOKEN, options).products())
      const otherKeyStart = Date.now()
      await collect(client(OTHER_TOKEN, { pacing: 'documented' }).products())

      const arrivals = arrivalsSince(start)
      expect(arrivals.slice(1, 4).map((arrival, index) => arrival >= (index + 1) * 600)).toEqual([true, true, true])
      expect(arrivals[4]! - (otherKeyStart - start)).toBeLessThan(300)
    })
  })
})
