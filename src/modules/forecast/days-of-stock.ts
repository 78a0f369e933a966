/**
 * Days of stock: how long the current stock lasts at the recent rate of sale, estimated from stock history alone
 * (marketplaces report stock levels reliably; sales reports lag and differ by marketplace).
 *
 * A history series is one SKU in one warehouse. Its rows are written only when the level changes, so each level
 * holds until the next row. Within the window, a decrease is a sale and an increase is a restock (ignored); the
 * units of a decrease are spread evenly over the time between the two rows, so a drop after a long quiet spell
 * that began before the window counts only with its in-window share. Time at zero stock is left out of the
 * average: nothing can sell then, and counting it would hide the real demand.
 *
 * `refreshForecasts` (./repository.ts) computes the same numbers in SQL for whole catalogues; keep them in step.
 */
export const FORECAST_WINDOW_DAYS = 14
/** Names the method in API answers, so a client can tell which estimate it is looking at. */
export const FORECAST_METHOD = 'stock_history_sell_through'

const DAY_MS = 86_400_000

export interface Observation {
  recordedAt: Date
  quantity: number
}

export interface Forecast {
  /** Units sold per in-stock day; null when the history is too short to tell, 0 when nothing sold. */
  salesPerDay: number | null
  /** Current stock ÷ salesPerDay; null unless something sold. */
  daysOfStock: number | null
  windowDays: number
  /** In-stock days inside the window that the rate averages over. */
  observedDays: number
}

const tooShort = (windowDays: number): Forecast => ({ salesPerDay: null, daysOfStock: null, windowDays, observedDays: 0 })

const daysOfStock = (stock: number, salesPerDay: number | null): number | null =>
  salesPerDay !== null && salesPerDay > 0 ? Math.max(stock, 0) / salesPerDay : null

/**
 * The forecast of one series from its observations in time order. The last observation at or before the window's
 * start gives the opening level; later ones up to `now` are used, earlier ones ignored. The history is too short
 * with fewer than two observations used or less than one day between the first of them (or the window's start)
 * and `now`.
 *
 * @example
 * // 100 units ten days ago, 80 now: 2 a day, 40 days left.
 * forecastSeries([{ recordedAt: tenDaysAgo, quantity: 100 }, { recordedAt: now, quantity: 80 }], now)
 * // → { salesPerDay: 2, daysOfStock: 40, windowDays: 14, observedDays: 10 }
 */
export function forecastSeries(observations: readonly Observation[], now: Date, windowDays = FORECAST_WINDOW_DAYS): Forecast {
  const end = now.getTime()
  const start = end - windowDays * DAY_MS
  const opening = observations.findLastIndex((o) => o.recordedAt.getTime() <= start)
  const used = observations.slice(Math.max(opening, 0)).filter((o) => o.recordedAt.getTime() <= end)
  const first = used[0]
  const last = used.at(-1)
  if (!first || !last || used.length < 2 || end - Math.max(first.recordedAt.getTime(), start) < DAY_MS) return tooShort(windowDays)

  let sold = 0
  let inStockMs = 0
  used.forEach((current, i) => {
    const next = used[i + 1]
    const from = current.recordedAt.getTime()
    const to = next ? next.recordedAt.getTime() : end
    const overlap = Math.max(0, Math.min(to, end) - Math.max(from, start))
    if (current.quantity > 0) inStockMs += overlap
    if (next && next.quantity < current.quantity && to > from) sold += ((current.quantity - next.quantity) * overlap) / (to - from)
  })

  const observedDays = inStockMs / DAY_MS
  const salesPerDay = inStockMs > 0 ? sold / observedDays : 0
  return { salesPerDay, daysOfStock: daysOfStock(last.quantity, salesPerDay), windowDays, observedDays }
}

/**
 * One forecast for several series (a product's SKUs and warehouses, or one warehouse's SKUs): their rates add up,
 * and so does their current stock. Series too short to tell are left out of the rate; if all are, so is the rate.
 */
export function combineForecasts(parts: ReadonlyArray<{ stock: number; forecast: Forecast }>, windowDays = FORECAST_WINDOW_DAYS): Forecast {
  const known = parts.filter((p) => p.forecast.salesPerDay !== null)
  const stock = parts.reduce((sum, p) => sum + p.stock, 0)
  const salesPerDay = known.length > 0 ? known.reduce((sum, p) => sum + (p.forecast.salesPerDay ?? 0), 0) : null
  const observedDays = Math.max(0, ...known.map((p) => p.forecast.observedDays))
  return { salesPerDay, daysOfStock: daysOfStock(stock, salesPerDay), windowDays, observedDays }
}

export interface SeriesLevel {
  skuId: string
  warehouseId: string
  /** The current level, which the series' history led to. */
  quantity: number
  observations: readonly Observation[]
}

/**
 * A product's forecast and each warehouse's, from the current levels of its series and their observations: what
 * `refreshForecasts` stores for the product, broken down so a seller can see where the rate comes from.
 */
export function forecastByWarehouse(levels: readonly SeriesLevel[], now: Date, windowDays = FORECAST_WINDOW_DAYS) {
  const parts = levels.map((level) => ({ level, stock: level.quantity, forecast: forecastSeries(level.observations, now, windowDays) }))
  const warehouseIds = [...new Set(levels.map((level) => level.warehouseId))]
  return {
    product: combineForecasts(parts, windowDays),
    warehouses: warehouseIds.map((warehouseId) => {
      const own = parts.filter((p) => p.level.warehouseId === warehouseId)
      return { warehouseId, quantity: own.reduce((sum, p) => sum + p.stock, 0), forecast: combineForecasts(own, windowDays) }
    })
  }
}
