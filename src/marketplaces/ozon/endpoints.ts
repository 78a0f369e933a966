import type { PaceSpec } from '../http/pacer.js'
import type { Endpoint } from '../http/transport.js'

export const OZON_HOST = 'https://api-seller.ozon.ru'

// Ozon allows 50 requests a second per Client-Id across all methods. A token bucket admits its burst on
// top of its rate within one second, so burst + rate stays at 50 (10 + 40/s) to never exceed it.
const GLOBAL: PaceSpec = { name: 'ozon:global', intervalMs: 25, burst: 10 }

const PACE = {
  global: GLOBAL,
  // Reported by clients as about one request a minute.
  warehouseList: { name: 'ozon:warehouse-list', intervalMs: 60_000, burst: 1, parent: GLOBAL },
  // Analytics limits are undocumented and far below the global one; clients see 429s at 1.5 s spacing on
  // the newer stock report, so the older one is paced at 2 s and a 429 still stretches the wait.
  analytics: { name: 'ozon:analytics', intervalMs: 2_000, burst: 1, parent: GLOBAL }
} as const satisfies Record<string, PaceSpec>

export const ENDPOINTS = {
  productList: { method: 'POST', template: '/v3/product/list', pace: PACE.global },
  productInfo: { method: 'POST', template: '/v3/product/info/list', pace: PACE.global },
  warehouseList: { method: 'POST', template: '/v1/warehouse/list', pace: PACE.warehouseList },
  fbsStocks: { method: 'POST', template: '/v1/product/info/stocks-by-warehouse/fbs', pace: PACE.global },
  fboStocks: { method: 'POST', template: '/v2/analytics/stock_on_warehouses', pace: PACE.analytics }
} as const satisfies Record<string, Endpoint>

/** Documented maximum of /v3/product/list; /v3/product/info/list takes as many ids. */
export const PRODUCT_PAGE_LIMIT = 1_000
/** SKUs per FBS stock request (clients' reported cap). */
export const FBS_SKUS_PER_CALL = 500
/** Documented maximum of /v2/analytics/stock_on_warehouses. */
export const FBO_PAGE_LIMIT = 1_000
