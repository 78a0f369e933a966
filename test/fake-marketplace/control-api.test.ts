import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeMarketplace, type FakeMarketplace } from '../../src/fake-marketplace/server.js'
import { callJson } from './http.js'

const fake: FakeMarketplace = await startFakeMarketplace({
  sellers: [{ marketplace: 'wildberries', apiKey: 'initial-token', products: 3 }]
})
afterAll(() => fake.close())
beforeEach(() => fake.reset())

const control = (path: string, init: Parameters<typeof callJson>[2] = {}) => callJson(fake.url, `/__fake${path}`, init)
const ping = (token: string) => callJson(fake.url, '/ping', { headers: { authorization: token } })

describe('fake marketplace control API', () => {
  describe('PUT /__fake/sellers', () => {
    it('should add a seller whose token then works', async () => {
      const created = await control('/sellers', {
        method: 'PUT',
        body: { marketplace: 'wildberries', apiKey: 'new-token', products: 10 }
      })

      expect(created.status).toBe(200)
      expect(created.body).toMatchObject({ apiKey: 'new-token', products: 10, sizesPerProduct: 3 })
      expect((await ping('new-token')).status).toBe(200)
    })

    it('should reject an Ozon seller without a client id', async () => {
      const response = await control('/sellers', { method: 'PUT', body: { marketplace: 'ozon', apiKey: 'k' } })

      expect(response.status).toBe(400)
    })
  })

  describe('PATCH /__fake/sellers/:apiKey', () => {
    it('should change the stock version and removed products of a seller', async () => {
      const response = await control('/sellers/initial-token', {
        method: 'PATCH',
        body: { stockVersion: 4, removedProducts: [0] }
      })

      expect(response.body).toMatchObject({ stockVersion: 4, removedProducts: [0] })
      expect(fake.sellers.get('initial-token')?.catalogue.activeCount).toBe(2)
    })

    it('should answer 404 for an unknown seller', async () => {
      const response = await control('/sellers/nobody', { method: 'PATCH', body: { stockVersion: 1 } })

      expect(response.status).toBe(404)
    })
  })

  describe('DELETE /__fake/sellers/:apiKey', () => {
    it('should make the token unknown', async () => {
      await control('/sellers/initial-token', { method: 'DELETE' })

      expect((await ping('initial-token')).status).toBe(401)
    })
  })

  describe('POST /__fake/faults', () => {
    it('should fail the next calls as many times as asked, then serve normally', async () => {
      const created = await control('/faults', {
        body: { route: '/ping', kind: 'server_error', status: 502, times: 2 }
      })

      const statuses = [
        (await ping('initial-token')).status,
        (await ping('initial-token')).status,
        (await ping('initial-token')).status
      ]

      expect(created.status).toBe(201)
      expect(statuses).toEqual([502, 502, 200])
      expect((await control('/faults')).body).toEqual([expect.objectContaining({ seen: 3, applied: 2 })])
    })

    it('should be cleared by DELETE /__fake/faults', async () => {
      await control('/faults', { body: { route: '/ping', kind: 'server_error', times: 5 } })
      await control('/faults', { method: 'DELETE' })

      expect((await ping('initial-token')).status).toBe(200)
    })
  })

  describe('GET /__fake/requests', () => {
    it('should list recorded requests filtered by route and token', async () => {
      await ping('initial-token')
      await ping('someone-else')
      await callJson(fake.url, '/api/v3/warehouses', { headers: { authorization: 'initial-token' } })

      const response = await control('/requests?route=/ping&apiKey=initial-token')

      expect(response.body).toEqual([
        expect.objectContaining({ path: '/ping', apiKey: 'initial-token', marketplace: 'wildberries' })
      ])
    })

    it('should not record control calls', async () => {
      await control('/sellers')

      expect((await control('/requests')).body).toEqual([])
    })
  })

  describe('POST /__fake/reset', () => {
    it('should restore the initial sellers and drop faults and requests', async () => {
      await control('/sellers', { method: 'PUT', body: { marketplace: 'wildberries', apiKey: 'temporary' } })
      await control('/faults', { body: { route: '/ping', kind: 'server_error' } })
      await ping('initial-token')

      const reset = await control('/reset', { method: 'POST' })

      expect(reset.status).toBe(204)
      expect((await control('/sellers')).body).toEqual([expect.objectContaining({ apiKey: 'initial-token' })])
      expect((await control('/faults')).body).toEqual([])
      expect((await control('/requests')).body).toEqual([])
    })
  })
})
