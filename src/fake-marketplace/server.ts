import { buildFakeMarketplaceApp } from './app.js'
import type { FaultBoard } from './faults.js'
import type { RequestLog } from './request-log.js'
import type { SellerInput, SellerRegistry } from './sellers.js'
import { createFakeState } from './state.js'

export interface FakeMarketplaceOptions {
  /** Default 0: any free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  sellers?: readonly SellerInput[]
  /** Requests kept in the log; 0 turns logging off (benchmarks). Default 2000. */
  requestLogLimit?: number
}

export interface FakeMarketplace {
  /** Base URL serving every Wildberries and Ozon route. */
  readonly url: string
  readonly sellers: SellerRegistry
  readonly faults: FaultBoard
  readonly requests: RequestLog
  reset(): void
  close(): Promise<void>
}

/**
 * Starts one HTTP server that speaks the Wildberries and Ozon seller APIs for the configured sellers.
 *
 * @example
 * const fake = await startFakeMarketplace({ sellers: [{ marketplace: 'wildberries', apiKey: 'wb-1' }] })
 * fake.faults.add({ route: '/content/v2/get/cards/list', kind: 'rate_limit', retryAfterSeconds: 1 })
 * // … point a client at fake.url …
 * await fake.close()
 */
export async function startFakeMarketplace(options: FakeMarketplaceOptions = {}): Promise<FakeMarketplace> {
  const state = createFakeState(options.sellers ?? [], options.requestLogLimit ?? 2_000)
  const app = buildFakeMarketplaceApp(state)
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    sellers: state.sellers,
    faults: state.faults,
    requests: state.requests,
    reset: () => state.reset(),
    close: () => app.close()
  }
}
