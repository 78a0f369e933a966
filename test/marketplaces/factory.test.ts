import { describe, expect, it } from 'vitest'
import { MarketplaceAuthError } from '../../src/marketplaces/errors.js'
import { createMarketplaceClient } from '../../src/marketplaces/factory.js'
import { OzonClient } from '../../src/marketplaces/ozon/client.js'
import type { MarketplaceClientOptions } from '../../src/marketplaces/types.js'
import { WildberriesClient } from '../../src/marketplaces/wildberries/client.js'

const options: MarketplaceClientOptions = {
  timeoutMs: 1_000,
  verifyTimeoutMs: 1_000,
  maxRetries: 0,
  pacing: 'relaxed',
  pacingKey: 'factory-test'
}

describe('createMarketplaceClient', () => {
  it('should build a Wildberries client for wildberries', () => {
    const client = createMarketplaceClient('wildberries', { apiKey: 'token' }, options)

    expect(client).toBeInstanceOf(WildberriesClient)
    expect(client.marketplace).toBe('wildberries')
  })

  it('should build an Ozon client for ozon', () => {
    const client = createMarketplaceClient('ozon', { apiKey: 'key', clientId: '1' }, options)

    expect(client).toBeInstanceOf(OzonClient)
    expect(client.marketplace).toBe('ozon')
  })

  it('should refuse Ozon credentials without a client id', () => {
    expect(() => createMarketplaceClient('ozon', { apiKey: 'key' }, options)).toThrow(MarketplaceAuthError)
  })
})
