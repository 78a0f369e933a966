import type { MarketplaceType } from './types.js'

export interface MarketplaceErrorInit {
  marketplace: MarketplaceType
  /** Route template of the failing call; absent when no call was made. */
  endpoint?: string
  /** Human-readable and free of credentials. */
  detail: string
  /** Last HTTP status received, if any. */
  status?: number
  cause?: unknown
}

/** Base of every failure the marketplace clients throw; `code` is stable for programs, `detail` is for people. */
export abstract class MarketplaceError extends Error {
  abstract readonly code: string
  readonly marketplace: MarketplaceType
  readonly endpoint: string | undefined
  readonly detail: string
  readonly status: number | undefined

  constructor(init: MarketplaceErrorInit) {
    super(`${init.marketplace}${init.endpoint ? ` ${init.endpoint}` : ''}: ${init.detail}`, { cause: init.cause })
    this.name = new.target.name
    this.marketplace = init.marketplace
    this.endpoint = init.endpoint
    this.detail = init.detail
    this.status = init.status
  }
}

/** 401/403 or missing credentials: the seller must fix the key or its roles; retrying cannot help. */
export class MarketplaceAuthError extends MarketplaceError {
  readonly code = 'marketplace_auth'
}

/** 429 after the allowed retries, or a server-given wait too long to sit out in-process. */
export class MarketplaceRateLimitError extends MarketplaceError {
  readonly code = 'marketplace_rate_limited'
  /** Server-given wait before the next attempt, when it sent one. */
  readonly retryAfterMs: number | undefined

  constructor(init: MarketplaceErrorInit & { retryAfterMs?: number }) {
    super(init)
    this.retryAfterMs = init.retryAfterMs
  }
}

/** 5xx, connection failures and timeouts that outlasted the bounded retries. */
export class MarketplaceUnavailableError extends MarketplaceError {
  readonly code = 'marketplace_unavailable'
}

/** A response we cannot use: other 4xx, or a body that is not what the API documents. */
export class MarketplaceProtocolError extends MarketplaceError {
  readonly code = 'marketplace_protocol'
}
