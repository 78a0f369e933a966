import type { Config } from '../config/env.js'
import { createMarketplaceClient } from './factory.js'
import type { MarketplaceCallEvent, MarketplaceClient, MarketplaceCredentials, MarketplaceType } from './types.js'

export type ClientFactory = (
  type: MarketplaceType,
  credentials: MarketplaceCredentials,
  context: { pacingKey: string; signal?: AbortSignal }
) => MarketplaceClient

/** Binds the configured base URLs, timeouts, retries and pacing, so callers only name the account. */
export function clientFactoryFromConfig(settings: Config['marketplaces'], onCall?: (event: MarketplaceCallEvent) => void): ClientFactory {
  return (type, credentials, context) =>
    createMarketplaceClient(type, credentials, {
      baseUrl: type === 'wildberries' ? settings.wildberriesBaseUrl : settings.ozonBaseUrl,
      timeoutMs: settings.timeoutMs,
      verifyTimeoutMs: settings.verifyTimeoutMs,
      maxRetries: settings.maxRetries,
      pacing: settings.pacing,
      backoffBaseMs: settings.backoffBaseMs,
      pacingKey: context.pacingKey,
      signal: context.signal,
      onCall
    })
}
