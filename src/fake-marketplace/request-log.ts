import type { IncomingHttpHeaders } from 'node:http'

export interface RecordedRequest {
  /** Arrival time, ms since the epoch. */
  at: number
  marketplace: 'wildberries' | 'ozon'
  method: string
  /** Path with query string. */
  path: string
  /** Route as registered, e.g. '/api/v3/stocks/:warehouseId'. */
  route: string
  /** The credential the request carried (WB token, Ozon Api-Key). */
  apiKey: string | undefined
  headers: IncomingHttpHeaders
  body: unknown
}

export interface RequestFilter {
  route?: string
  apiKey?: string
  /** Only requests that arrived at or after this time (ms since the epoch). */
  since?: number
}

/** The last `limit` marketplace requests, for tests to check pacing, retries and tenant isolation. */
export class RequestLog {
  private entries: RecordedRequest[] = []

  constructor(private readonly limit: number) {}

  record(entry: RecordedRequest): void {
    if (this.limit <= 0) return
    this.entries.push(entry)
    // Trimmed in chunks so a long benchmark does not pay an array shift per request.
    if (this.entries.length > this.limit * 1.5) this.entries = this.entries.slice(-this.limit)
  }

  list(filter: RequestFilter = {}): RecordedRequest[] {
    return this.entries
      .slice(-this.limit)
      .filter(
        (entry) =>
          (filter.route === undefined || entry.route === filter.route) &&
          (filter.apiKey === undefined || entry.apiKey === filter.apiKey) &&
          (filter.since === undefined || entry.at >= filter.since)
      )
  }

  clear(): void {
    this.entries = []
  }
}
