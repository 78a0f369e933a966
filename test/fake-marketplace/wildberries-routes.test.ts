import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeMarketplace, type FakeMarketplace } from '../../src/fake-marketplace/server.js'
import { card, sellerStockAmount, sellerWarehouseId } from '../../src/fake-marketplace/wildberries/model.js'
import { callJson } from './http.js'

const TOKEN = 'wb-routes-token'
const fake: FakeMarketplace = await startFakeMarketplace({
  sellers: [
    { marketplace: 'wildberries', apiKey: TOKEN, products: 5, sizesPerProduct: 2, fboWarehouses: 2 },
    { marketplace: 'wildberries', apiKey: 'wb-no-scope', missingScope: true }
  ]
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const asSeller = { headers: { authorization: TOKEN } }
const seller = () => fake.sellers.get(TOKEN)!

function cardsList(cursor: Record<string, unknown>, token = TOKEN) {
  return callJson(fake.url, '/content/v2/get/cards/list', {
    headers: { authorization: token },
    body: { settings: { sort: { ascending: true }, filter: { withPhoto: -1 }, cursor } }
  })
}

describe('fake Wildberries API', () => {
  describe('authentication', () => {
    it('should answer an unknown token with 401 problem+json', async () => {
      const response = await callJson(fake.url, '/ping', { headers: { authorization: 'who-is-this' } })

      expect(response.status).toBe(401)
      expect(response.headers.get('content-type')).toContain('application/problem+json')
      expect(response.body).toMatchObject({ title: 'unauthorized', status: 401 })
    })

    it('should answer a token without the category with 403 Access denied', async () => {
      const response = await cardsList({ limit: 10 }, 'wb-no-scope')

      expect(response.status).toBe(403)
      expect(response.body).toMatchObject({ error: true, errorText: 'Access denied' })
    })
  })

  describe('GET /ping', () => {
    it('should confirm a valid token with X-Ratelimit-Remaining', async () => {
      const response = await callJson(fake.url, '/ping', asSeller)

      expect(response.status).toBe(200)
      expect(response.body).toMatchObject({ Status: 'OK' })
      expect(response.headers.get('x-ratelimit-remaining')).not.toBeNull()
    })
  })

  describe('POST /content/v2/get/cards/list', () => {
    it('should continue strictly after the cursor it returned', async () => {
      const first = (await cardsList({ limit: 2 })).body as {
        cards: { nmID: number }[]
        cursor: Record<string, unknown>
      }
      const second = (await cardsList({ limit: 2, updatedAt: first.cursor.updatedAt, nmID: first.cursor.nmID }))
        .body as { cards: { nmID: number }[] }

      expect(first.cards.map((c) => c.nmID)).toEqual([card(seller(), 0).nmID, card(seller(), 1).nmID])
      expect(second.cards.map((c) => c.nmID)).toEqual([card(seller(), 2).nmID, card(seller(), 3).nmID])
    })

    it('should end with a cursor total below the limit', async () => {
      const last = (await cardsList({ limit: 10 })).body as { cursor: { total: number } }

      expect(last.cursor.total).toBe(5)
    })

    it('should reject a limit above 100 with 400', async () => {
      const response = await cardsList({ limit: 101 })

      expect(response.status).toBe(400)
      expect(response.body).toMatchObject({ error: true })
    })

    it('should leave out removed products', async () => {
      fake.sellers.update(TOKEN, { removedProducts: [1, 3] })

      const page = (await cardsList({ limit: 10 })).body as { cards: { nmID: number }[] }

      expect(page.cards.map((c) => c.nmID)).toEqual([0, 2, 4].map((index) => card(seller(), index).nmID))
    })
  })

  describe('POST /api/v3/stocks/{warehouseId}', () => {
    it('should answer 404 for a warehouse the seller does not have', async () => {
      const response = await callJson(fake.url, '/api/v3/stocks/1', { ...asSeller, body: { chrtIds: [1] } })

      expect(response.status).toBe(404)
      expect(response.body).toMatchObject({ code: 'NotFound' })
    })

    it('should change some amounts when the stock version changes', async () => {
      fake.sellers.upsert({ marketplace: 'wildberries', apiKey: TOKEN, products: 200, sizesPerProduct: 1 })
      const chrtIds = Array.from({ length: 200 }, (_, index) => card(seller(), index).sizes[0]!.chrtID)
      const path = `/api/v3/stocks/${sellerWarehouseId(seller(), 0)}`
      const amounts = async () =>
        (
          (await callJson(fake.url, path, { ...asSeller, body: { chrtIds } })).body as { stocks: { amount: number }[] }
        ).stocks.map((stock) => stock.amount)

      const before = await amounts()
      fake.sellers.update(TOKEN, { stockVersion: 1 })
      const after = await amounts()

      expect(after).toEqual(chrtIds.map((chrtId) => sellerStockAmount(seller(), chrtId, 0)))
      expect(after).not.toEqual(before)
    })
  })

  describe('POST /api/analytics/v1/stocks-report/wb-warehouses', () => {
    it('should page rows by offset and limit', async () => {
      const report = (offset: number) =>
        callJson(fake.url, '/api/analytics/v1/stocks-report/wb-warehouses', { ...asSeller, body: { limit: 8, offset } })

      const pages = [await report(0), await report(8), await report(16)].map(
        (response) => (response.body as { items: unknown[] }).items.length
      )

      expect(pages).toEqual([8, 8, 4])
    })

    it('should wrap the items in data when the seller is configured so', async () => {
      fake.sellers.update(TOKEN, { wrapStockReport: true })

      const response = await callJson(fake.url, '/api/analytics/v1/stocks-report/wb-warehouses', {
        ...asSeller,
        body: {}
      })

      expect(response.body).toMatchObject({ data: { items: expect.any(Array) } })
    })
  })

  describe('fault injection', () => {
    it('should answer a rate_limit fault with WB headers and problem+json, then serve normally', async () => {
      fake.faults.add({ route: '/ping', kind: 'rate_limit', retryAfterSeconds: 1 })

      const limited = await callJson(fake.url, '/ping', asSeller)
      const next = await callJson(fake.url, '/ping', asSeller)

      expect(limited.status).toBe(429)
      expect(limited.headers.get('x-ratelimit-retry')).toBe('1')
      expect(limited.headers.get('x-ratelimit-limit')).toBe('3')
      expect(limited.headers.get('x-ratelimit-reset')).not.toBeNull()
      expect(limited.headers.get('x-ratelimit-remaining')).toBeNull()
      expect(limited.body).toMatchObject({ title: 'too many requests', status: 429 })
      expect(next.status).toBe(200)
    })

    it('should hit only the n-th call when after is set', async () => {
      fake.faults.add({ route: '/ping', kind: 'server_error', status: 503, after: 1 })

      const statuses = []
      for (let call = 0; call < 3; call++) statuses.push((await callJson(fake.url, '/ping', asSeller)).status)

      expect(statuses).toEqual([200, 503, 200])
    })

    it('should hit only the configured token', async () => {
      fake.sellers.upsert({ marketplace: 'wildberries', apiKey: 'other-token' })
      fake.faults.add({ route: '/ping', kind: 'server_error', apiKey: 'other-token' })

      const mine = await callJson(fake.url, '/ping', asSeller)
      const theirs = await callJson(fake.url, '/ping', { headers: { authorization: 'other-token' } })

      expect([mine.status, theirs.status]).toEqual([200, 500])
    })

    it('should send a body that is not JSON for a malformed fault', async () => {
      fake.faults.add({ route: '/api/v3/warehouses', kind: 'malformed' })

      const response = await fetch(`${fake.url}/api/v3/warehouses`, asSeller)
      const text = await response.text()

      expect(response.status).toBe(200)
      expect(() => JSON.parse(text)).toThrow()
    })

    it('should hold the answer for a delay fault', async () => {
      fake.faults.add({ route: '/ping', kind: 'delay', delayMs: 300 })
      const started = performance.now()

      const response = await callJson(fake.url, '/ping', asSeller)

      expect(response.status).toBe(200)
      expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    })
  })

  it('should record each request with its token and body', async () => {
    await callJson(fake.url, '/api/v3/stocks/1', { ...asSeller, body: { chrtIds: [7] } })

    expect(fake.requests.list({ route: '/api/v3/stocks/:warehouseId' })).toEqual([
      expect.objectContaining({ method: 'POST', path: '/api/v3/stocks/1', apiKey: TOKEN, body: { chrtIds: [7] } })
    ])
  })
})
