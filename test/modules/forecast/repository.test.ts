import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { products, stockLevels } from '../../../src/db/schema.js'
import { combineForecasts, forecastSeries } from '../../../src/modules/forecast/days-of-stock.js'
import { findProductObservations, refreshForecasts } from '../../../src/modules/forecast/repository.js'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../../helpers/app.js'
import { daysAgo, seedCatalogue, type StockSeed } from '../../helpers/catalogue.js'

const NOW = new Date(Date.now() - 3_600_000)
const at = (days: number) => daysAgo(days, NOW)
/** A stock seed whose level is the last of its observations, value and time, the earlier ones its history, as the sync leaves it. */
const stock = (warehouse: string, ...points: Array<[number, number]>): StockSeed => ({
  warehouse,
  quantity: points.at(-1)![1],
  updatedAt: at(points.at(-1)![0]),
  history: points.slice(0, -1).map(([days, quantity]) => ({ at: at(days), quantity }))
})
const observations = (level: StockSeed) => [...level.history!, { at: level.updatedAt!, quantity: level.quantity }].map((h) => ({ recordedAt: h.at, quantity: h.quantity }))

/** The hand-made histories of the unit tests, one product each (two warehouses for `split`). */
const CASES: Record<string, StockSeed[]> = {
  steady: [stock('w1', [10, 100], [8, 96], [6, 92], [4, 88], [2, 84], [0, 80])],
  restock: [stock('w1', [10, 40], [6, 20], [5, 100], [0, 70])],
  zeroDays: [stock('w1', [10, 30], [7, 0], [3, 50], [0, 20])],
  beforeWindow: [stock('w1', [40, 500], [30, 300], [20, 100], [7, 86])],
  unchangedInWindow: [stock('w1', [40, 500], [20, 100])],
  restockedAtWindowStart: [stock('w1', [30, 0], [14.5, 50], [13.5, 40])],
  tooShort: [stock('w1', [0.5, 40], [0.2, 39])],
  justOverADay: [stock('w1', [1.2, 40], [0.2, 30])],
  single: [stock('w1', [3, 40])],
  noSales: [stock('w1', [9, 10], [4, 30])],
  split: [stock('w1', [10, 100], [0, 80]), stock('w2', [10, 50], [0, 20]), stock('w3', [0.5, 7])]
}

let t: TestApp
let owner: Account
let ids: Record<string, string>

async function stored(productId: string) {
  const [row] = await t.app.db.tenant(owner.tenantId, (tx) =>
    tx.select({ totalStock: products.totalStock, salesPerDay: products.salesPerDay, daysOfStock: products.daysOfStock }).from(products).where(eq(products.id, productId))
  )
  return row!
}

beforeAll(async () => {
  t = await buildTestApp()
  owner = await registerTenant(t.app)
  const seeded = await seedCatalogue(
    t.app.db,
    owner.tenantId,
    { products: [...Object.entries(CASES).map(([name, levels]) => ({ externalId: name, stock: levels })), { externalId: 'empty' }] },
    { refresh: false }
  )
  ids = seeded.products
  await t.app.db.tenant(owner.tenantId, (tx) => refreshForecasts(tx, owner.tenantId, { now: NOW }))
})
afterAll(() => t.close())

describe('forecast repository', () => {
  describe('refreshForecasts', () => {
    it.each(Object.keys(CASES))('should store what the forecast functions compute for the %s history', async (name) => {
      const expected = combineForecasts(
        CASES[name]!.map((level) => ({ stock: level.quantity, forecast: forecastSeries(observations(level), NOW) }))
      )
      const row = await stored(ids[name]!)
      expect(row.totalStock).toBe(CASES[name]!.reduce((sum, level) => sum + level.quantity, 0))
      if (expected.salesPerDay === null) expect(row.salesPerDay).toBeNull()
      else expect(row.salesPerDay).toBeCloseTo(expected.salesPerDay, 9)
      if (expected.daysOfStock === null) expect(row.daysOfStock).toBeNull()
      else expect(row.daysOfStock).toBeCloseTo(expected.daysOfStock, 6)
    })

    it('should give a product without stock levels zero stock and no forecast', async () => {
      expect(await stored(ids.empty!)).toEqual({ totalStock: 0, salesPerDay: null, daysOfStock: null })
    })

    it('should refresh only the products asked for', async () => {
      const { db } = t.app
      await db.tenant(owner.tenantId, (tx) => tx.update(products).set({ totalStock: 999 }).where(eq(products.tenantId, owner.tenantId)))
      await db.tenant(owner.tenantId, (tx) => refreshForecasts(tx, owner.tenantId, { productIds: [ids.steady!], now: NOW }))
      expect((await stored(ids.steady!)).totalStock).toBe(80)
      expect((await stored(ids.restock!)).totalStock).toBe(999)
      await db.tenant(owner.tenantId, (tx) => refreshForecasts(tx, owner.tenantId, { productIds: [], now: NOW }))
      expect((await stored(ids.restock!)).totalStock).toBe(999)
      await db.tenant(owner.tenantId, (tx) => refreshForecasts(tx, owner.tenantId, { now: NOW }))
      expect((await stored(ids.restock!)).totalStock).toBe(70)
    })

    it('should read no history of a series whose level says it began less than a day ago', async () => {
      const refresh = () => t.app.db.tenant(owner.tenantId, (tx) => refreshForecasts(tx, owner.tenantId, { productIds: [ids.steady!], now: NOW }))
      const restamp = (createdAt: Date) => t.app.db.tenant(owner.tenantId, (tx) => tx.update(stockLevels).set({ createdAt }).where(eq(stockLevels.productId, ids.steady!)))
      // Untruthfully, to show the history is not read: steady keeps its stock and loses its rate.
      await restamp(new Date(NOW.getTime() - 23 * 3_600_000))
      await refresh()
      expect(await stored(ids.steady!)).toEqual({ totalStock: 80, salesPerDay: null, daysOfStock: null })
      await restamp(at(10))
      await refresh()
      expect((await stored(ids.steady!)).salesPerDay).toBeGreaterThan(0)
    })

    it('should give the caller’s transaction back its planner settings', async () => {
      const settings = await t.app.db.tenant(owner.tenantId, async (tx, raw) => {
        await raw.query("SELECT set_config('enable_nestloop', 'on', true)")
        await refreshForecasts(tx, owner.tenantId, { now: NOW })
        return (await raw.query<{ nestloop: string }>("SELECT current_setting('enable_nestloop') AS nestloop")).rows[0]!
      })
      expect(settings.nestloop).toBe('on')
    })

    it('should leave another tenant’s products alone', async () => {
      const other = await registerTenant(t.app)
      const theirs = await seedCatalogue(t.app.db, other.tenantId, { products: [{ externalId: 'steady', stock: CASES.steady }] })
      await t.app.db.tenant(owner.tenantId, (tx) => refreshForecasts(tx, owner.tenantId, { productIds: [theirs.products.steady!] }))
      const [row] = await t.app.db.tenant(other.tenantId, (tx) => tx.select({ totalStock: products.totalStock }).from(products))
      expect(row!.totalStock).toBe(80)
    })
  })

  describe('findProductObservations', () => {
    it('should return each series from its opening level before the window onwards', async () => {
      const { series, now } = await t.app.db.tenant(owner.tenantId, (tx) => findProductObservations(tx, owner.tenantId, ids.beforeWindow!))
      expect(now.getTime()).toBeGreaterThan(NOW.getTime())
      expect(series).toHaveLength(1)
      expect(series[0]!.observations.map((o) => o.quantity)).toEqual([100, 86])
    })

    it('should return a level from before the window as its series’ one observation', async () => {
      const { series } = await t.app.db.tenant(owner.tenantId, (tx) => findProductObservations(tx, owner.tenantId, ids.unchangedInWindow!))
      expect(series[0]!.observations).toEqual([{ recordedAt: at(20), quantity: 100 }])
    })

    it('should return every series of a product', async () => {
      const { series } = await t.app.db.tenant(owner.tenantId, (tx) => findProductObservations(tx, owner.tenantId, ids.split!))
      expect(series.map((s) => s.observations.length).sort()).toEqual([1, 2, 2])
    })
  })
})
