import { randomUUID } from 'node:crypto'
import type { FakeMarketplace } from '../../src/fake-marketplace/server.js'
import type { MarketplaceCallEvent, MarketplaceClientOptions } from '../../src/marketplaces/types.js'

/** Options for a client of the fake: no pacing waits, short backoff, a pacing key of its own. */
export function fakeOptions(
  fake: FakeMarketplace,
  overrides: Partial<MarketplaceClientOptions> = {}
): MarketplaceClientOptions {
  return {
    baseUrl: fake.url,
    timeoutMs: 5_000,
    verifyTimeoutMs: 2_000,
    maxRetries: 2,
    pacing: 'relaxed',
    pacingKey: randomUUID(),
    backoffBaseMs: 20,
    ...overrides
  }
}

/** Every item of a paged source, for assertions on small catalogues. */
export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const items: T[] = []
  for await (const page of pages) items.push(...page)
  return items
}

/** The rejection of a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject')
}

/** Milliseconds between consecutive recorded requests. */
export function gaps(requests: readonly { at: number }[]): number[] {
  return requests.slice(1).map((request, index) => request.at - (requests[index] as { at: number }).at)
}

export function eventRecorder(): { events: MarketplaceCallEvent[]; onCall: (event: MarketplaceCallEvent) => void } {
  const events: MarketplaceCallEvent[] = []
  return { events, onCall: (event) => events.push(event) }
}
