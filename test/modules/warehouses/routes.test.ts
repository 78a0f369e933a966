import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMember, buildTestApp, registerTenant, type TestApp } from '../../helpers/app.js'
import { seedCatalogue } from '../../helpers/catalogue.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

describe('warehouses', () => {
  describe('GET /api/v1/warehouses', () => {
    it('should sum each warehouse’s units and count its products in stock', async () => {
      const owner = await registerTenant(t.app)
      const ids = await seedCatalogue(t.app.db, owner.tenantId, {
        warehouses: [
          { externalId: 'kazan', name: 'Kazan', type: 'fbo' },
          { externalId: 'home', name: 'Home', type: 'fbs' },
          { externalId: 'empty', name: 'Empty' }
        ],
        products: [
          {
            externalId: 'shirt',
            skus: [
              { externalId: 'shirt-s', stock: [{ warehouse: 'kazan', quantity: 4 }, { warehouse: 'home', quantity: 0 }] },
              { externalId: 'shirt-m', stock: [{ warehouse: 'kazan', quantity: 6 }] }
            ]
          },
          { externalId: 'mug', stock: [{ warehouse: 'kazan', quantity: 1 }, { warehouse: 'home', quantity: 0 }] }
        ]
      })
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/warehouses', headers: owner.headers })
      expect(res.statusCode).toBe(200)
      expect(res.json().items).toEqual([
        { id: ids.warehouses.empty, marketplace_type: 'wildberries', external_id: 'empty', name: 'Empty', type: 'fbo', product_count: 0, total_quantity: 0 },
        { id: ids.warehouses.home, marketplace_type: 'wildberries', external_id: 'home', name: 'Home', type: 'fbs', product_count: 0, total_quantity: 0 },
        { id: ids.warehouses.kazan, marketplace_type: 'wildberries', external_id: 'kazan', name: 'Kazan', type: 'fbo', product_count: 2, total_quantity: 11 }
      ])
    })

    it('should list only the caller’s warehouses, to every role', async () => {
      const a = await registerTenant(t.app)
      const b = await registerTenant(t.app)
      await seedCatalogue(t.app.db, a.tenantId, { products: [{ externalId: 'p', stock: [{ warehouse: 'same', quantity: 5 }] }] })
      await seedCatalogue(t.app.db, b.tenantId, { products: [{ externalId: 'p', stock: [{ warehouse: 'same', quantity: 7 }] }] })
      const viewer = await addMember(t.app, a, 'viewer')
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/warehouses', headers: viewer.headers })
      expect(res.json().items).toEqual([expect.objectContaining({ external_id: 'same', total_quantity: 5, product_count: 1 })])
    })
  })
})
