import type { PaceSpec } from '../http/pacer.js'
import type { Endpoint } from '../http/transport.js'

/** Production hosts, one per token category; `baseUrl` replaces them all. */
export const WILDBERRIES_HOSTS = {
  content: 'https://content-api.wildberries.ru',
  marketplace: 'https://marketplace-api.wildberries.ru',
  analytics: 'https://seller-analytics-api.wildberries.ru'
} as const

// Personal/Service token limits from WB's "request limits" page, per seller account. Base tokens have
// half the marketplace budget; a 429 then tells us, and the transport waits as WB asks.
const PACE = {
  ping: { name: 'wildberries:content:ping', intervalMs: 10_000, burst: 3 },
  content: { name: 'wildberries:content', intervalMs: 600, burst: 5 },
  marketplace: { name: 'wildberries:marketplace', intervalMs: 200, burst: 20 },
  stockReport: { name: 'wildberries:analytics:wb-warehouses', intervalMs: 20_000, burst: 1 }
} as const satisfies Record<string, PaceSpec>

export const ENDPOINTS = {
  ping: { method: 'GET', template: '/ping', pace: PACE.ping },
  cardsList: { method: 'POST', template: '/content/v2/get/cards/list', pace: PACE.content },
  warehouses: { method: 'GET', template: '/api/v3/warehouses', pace: PACE.marketplace },
  stocks: { method: 'POST', template: '/api/v3/stocks/{warehouseId}', pace: PACE.marketplace },
  stockReport: { method: 'POST', template: '/api/analytics/v1/stocks-report/wb-warehouses', pace: PACE.stockReport }
} as const satisfies Record<string, Endpoint>

/** Documented maximum of the cards list. */
export const CARDS_PAGE_LIMIT = 100
/** `chrtIds` per stock request. */
export const STOCK_IDS_PER_CALL = 1_000
/** Stock requests (one per warehouse) in flight at once; within the marketplace budget's burst of 20. */
export const STOCK_CALLS_IN_FLIGHT = 5
/**
 * The report allows 250 000 rows a page, but such a page is tens of megabytes of JSON. At 3 requests a
 * minute, 50 000 keeps memory modest and a large seller's report to a few minutes.
 */
export const STOCK_REPORT_PAGE_LIMIT = 50_000
