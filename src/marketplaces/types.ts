export type MarketplaceType = 'wildberries' | 'ozon'

/** `clientId` is required for Ozon (sent as `Client-Id`); Wildberries uses the token alone. */
export interface MarketplaceCredentials {
  apiKey: string
  clientId?: string
}

/** One stock-keeping unit. Wildberries: a size (`chrtID`); Ozon: the product's `sku`. */
export interface MarketSku {
  externalId: string
  size: string | null
  barcodes: string[]
}

/** Wildberries: a card (`nmID`); Ozon: a product (`product_id`). */
export interface MarketProduct {
  externalId: string
  vendorCode: string | null
  name: string
  brand: string | null
  category: string | null
  barcodes: string[]
  skus: MarketSku[]
}

export interface MarketWarehouse {
  externalId: string
  name: string
  type: 'fbo' | 'fbs'
}

export interface MarketStock {
  skuExternalId: string
  warehouse: MarketWarehouse
  quantity: number
  reserved: number
  inWayToClient: number
  inWayFromClient: number
}

export interface MarketplaceClient {
  readonly marketplace: MarketplaceType
  /** Cheap credential check; settles within `verifyTimeoutMs` (pacing waits and retries included). */
  verifyCredentials(): Promise<void>
  /** The catalogue page by page; nothing beyond the current page is held in memory. */
  products(): AsyncIterable<MarketProduct[]>
  /** The seller's own (FBS) warehouses. */
  sellerWarehouses(): Promise<MarketWarehouse[]>
  /** Stock of `skus` (typically one `products()` page) in the given seller warehouses, one batch per call. */
  sellerStocks(skus: MarketSku[], warehouses: MarketWarehouse[]): AsyncIterable<MarketStock[]>
  /** Stock in the marketplace's own (FBO) warehouses, one page per call. */
  fulfillmentStocks(): AsyncIterable<MarketStock[]>
}

export interface MarketplaceCallEvent {
  marketplace: MarketplaceType
  /** Route template, e.g. '/api/v3/stocks/{warehouseId}', so metrics keep a small label set. */
  endpoint: string
  status: number | 'timeout' | 'network_error'
  durationMs: number
  attempt: number
}

export interface MarketplaceClientOptions {
  /** One URL serving every API family of the marketplace (fakes, proxies); default: the real hosts. */
  baseUrl?: string
  /** Per attempt, headers and body included. */
  timeoutMs: number
  /** Whole budget of `verifyCredentials()`. */
  verifyTimeoutMs: number
  /** Retries after the first attempt for 429, 5xx, resets, timeouts and unreadable bodies. */
  maxRetries: number
  /** 'documented' keeps to the marketplace's published limits; 'relaxed' skips those waits (local fakes). */
  pacing: 'documented' | 'relaxed'
  /** Limits are per seller account, so clients sharing a key (e.g. a tenant id) share one budget. */
  pacingKey: string
  /** First backoff step for retries without a server-given delay; doubles per attempt. Default 1000 ms. */
  backoffBaseMs?: number
  onCall?: (event: MarketplaceCallEvent) => void
  signal?: AbortSignal
}
