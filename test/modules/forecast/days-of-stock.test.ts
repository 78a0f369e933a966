import { describe, expect, it } from 'vitest'
import { combineForecasts, forecastByWarehouse, forecastSeries, type Observation } from '../../../src/modules/forecast/days-of-stock.js'

const NOW = new Date('2025-03-15T12:00:00Z')
const DAY = 86_400_000
/** Observations as [days before NOW, quantity] pairs, oldest first. */
const series = (...points: Array<[number, number]>): Observation[] =>
  points.map(([daysAgo, quantity]) => ({ recordedAt: new Date(NOW.getTime() - daysAgo * DAY), quantity }))

describe('days of stock', () => {
  describe('forecastSeries', () => {
    it('should divide the stock by the rate of a steady decline', () => {
      const forecast = forecastSeries(series([10, 100], [8, 96], [6, 92], [4, 88], [2, 84], [0, 80]), NOW)
      expect(forecast.salesPerDay).toBeCloseTo(2)
      expect(forecast.daysOfStock).toBeCloseTo(40)
      expect(forecast.observedDays).toBeCloseTo(10)
      expect(forecast.windowDays).toBe(14)
    })

    it('should leave a restock out of the sales', () => {
      // Sold 20 over four days, restocked to 100, sold 30 over six days: 50 in ten days.
      const forecast = forecastSeries(series([10, 40], [6, 20], [5, 100], [0, 70]), NOW)
      expect(forecast.salesPerDay).toBeCloseTo(5)
      expect(forecast.daysOfStock).toBeCloseTo(14)
    })

    it('should leave days at zero stock out of the average', () => {
      // Sold 30 in three days, out of stock for four, restocked and sold 30 in three more: 60 in six selling days.
      const forecast = forecastSeries(series([10, 30], [7, 0], [3, 50], [0, 20]), NOW)
      expect(forecast.observedDays).toBeCloseTo(6)
      expect(forecast.salesPerDay).toBeCloseTo(10)
      expect(forecast.daysOfStock).toBeCloseTo(2)
    })

    it('should give zero days of stock to a selling series that is out of stock now', () => {
      const forecast = forecastSeries(series([5, 10], [1, 0]), NOW)
      expect(forecast.salesPerDay).toBeCloseTo(2.5)
      expect(forecast.daysOfStock).toBe(0)
    })

    it('should count only the in-window share of a decrease that began before the window', () => {
      // 20 units went over 20 days (one a day); six of those days fall before the 14-day window.
      const forecast = forecastSeries(series([20, 100], [0, 80]), NOW)
      expect(forecast.observedDays).toBeCloseTo(14)
      expect(forecast.salesPerDay).toBeCloseTo(1)
    })

    it('should use the last level before the window as the opening level and ignore older ones', () => {
      const forecast = forecastSeries(series([40, 500], [30, 300], [20, 100], [7, 86]), NOW)
      // The opening level (100, twenty days ago) falls 14 units over 13 days; 14 days observed, 7 of them after.
      expect(forecast.salesPerDay).toBeCloseTo((14 * (7 / 13)) / 14)
      expect(forecast.observedDays).toBeCloseTo(14)
    })

    it('should report no rate for fewer than two observations', () => {
      expect(forecastSeries([], NOW)).toEqual({ salesPerDay: null, daysOfStock: null, windowDays: 14, observedDays: 0 })
      expect(forecastSeries(series([5, 10]), NOW).salesPerDay).toBeNull()
    })

    it('should report no rate for less than a day of history', () => {
      const forecast = forecastSeries(series([0.9, 10], [0.5, 5]), NOW)
      expect(forecast.salesPerDay).toBeNull()
      expect(forecast.daysOfStock).toBeNull()
    })

    it('should report a rate of zero and no days of stock when nothing sold', () => {
      const forecast = forecastSeries(series([9, 10], [4, 30]), NOW)
      expect(forecast.salesPerDay).toBe(0)
      expect(forecast.daysOfStock).toBeNull()
      expect(forecast.observedDays).toBeCloseTo(9)
    })

    it('should report a rate of zero for a series out of stock the whole window', () => {
      const forecast = forecastSeries(series([30, 0], [2, 0]), NOW)
      expect(forecast.salesPerDay).toBe(0)
      expect(forecast.observedDays).toBe(0)
    })

    it('should ignore observations after now', () => {
      expect(forecastSeries(series([4, 10], [0, 6], [-1, 0]), NOW).daysOfStock).toBeCloseTo(6)
    })
  })

  describe('combineForecasts', () => {
    it('should add the rates and the stock of several warehouses', () => {
      const a = forecastSeries(series([10, 100], [0, 80]), NOW)
      const b = forecastSeries(series([10, 50], [0, 20]), NOW)
      const forecast = combineForecasts([
        { stock: 80, forecast: a },
        { stock: 20, forecast: b }
      ])
      expect(forecast.salesPerDay).toBeCloseTo(5)
      expect(forecast.daysOfStock).toBeCloseTo(20)
      expect(forecast.observedDays).toBeCloseTo(10)
    })

    it('should leave series too short to tell out of the rate but keep their stock', () => {
      const selling = forecastSeries(series([10, 100], [0, 80]), NOW)
      const fresh = forecastSeries(series([0.5, 40]), NOW)
      const forecast = combineForecasts([
        { stock: 80, forecast: selling },
        { stock: 40, forecast: fresh }
      ])
      expect(forecast.salesPerDay).toBeCloseTo(2)
      expect(forecast.daysOfStock).toBeCloseTo(60)
    })

    it('should report no rate when no series can tell', () => {
      expect(combineForecasts([{ stock: 5, forecast: forecastSeries([], NOW) }])).toMatchObject({ salesPerDay: null, daysOfStock: null })
      expect(combineForecasts([])).toMatchObject({ salesPerDay: null, daysOfStock: null, observedDays: 0 })
    })
  })

  describe('forecastByWarehouse', () => {
    it('should break a product’s forecast down by warehouse, adding the SKUs in each', () => {
      const level = (skuId: string, warehouseId: string, ...points: Array<[number, number]>) => ({
        skuId,
        warehouseId,
        quantity: points.at(-1)![1],
        observations: series(...points)
      })
      const { product, warehouses } = forecastByWarehouse(
        [level('s', 'kazan', [10, 100], [0, 80]), level('m', 'kazan', [10, 30], [0, 20]), level('s', 'tula', [10, 50], [0, 50])],
        NOW
      )
      expect(product.salesPerDay).toBeCloseTo(3)
      expect(product.daysOfStock).toBeCloseTo(50)
      expect(warehouses).toHaveLength(2)
      expect(warehouses[0]).toMatchObject({ warehouseId: 'kazan', quantity: 100 })
      expect(warehouses[0]!.forecast.salesPerDay).toBeCloseTo(3)
      expect(warehouses[1]).toMatchObject({ warehouseId: 'tula', quantity: 50, forecast: { salesPerDay: 0, daysOfStock: null } })
    })
  })
})
