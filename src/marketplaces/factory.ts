import { OzonClient } from './ozon/client.js'
import type { MarketplaceClient, MarketplaceClientOptions, MarketplaceCredentials, MarketplaceType } from './types.js'
import { WildberriesClient } from './wildberries/client.js'

/**
 * A client for one seller account.
 *
 * @example
 * const client = createMarketplaceClient('wildberries', { apiKey }, {
 *   timeoutMs: 30_000, verifyTimeoutMs: 5_000, maxRetries: 3, pacing: 'documented', pacingKey: tenantId
 * })
 * for await (const page of client.products()) { ... }
 */
export function createMarketplaceClient(
  type: MarketplaceType,
  credentials: MarketplaceCredentials,
  options: MarketplaceClientOptions
): MarketplaceClient {
  switch (type) {
    case 'wildberries':
      return new WildberriesClient(credentials, options)
    case 'ozon':
      return new OzonClient(credentials, options)
  }
}
