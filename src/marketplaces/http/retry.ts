import type { IncomingHttpHeaders } from 'node:http'

const MAX_BACKOFF_MS = 30_000

/**
 * Wait before retry number `attempt` (1-based) when the server gave none: base, 2×base, 4×base…, plus up
 * to half a step of jitter so the workers of many tenants do not retry in lockstep. Jitter is only ever
 * added, so the wait never drops below the step the marketplaces document (1, 2, 4 s).
 */
export function backoffMs(attempt: number, baseMs: number): number {
  const step = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS)
  return step + Math.random() * (step / 2)
}

/** A server-given wait, stretched by a little jitter: retrying early would only earn another 429. */
export function serverWaitWithJitterMs(serverWaitMs: number): number {
  return serverWaitMs + Math.random() * Math.min(1_000, serverWaitMs / 10)
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * The wait a 429 asks for: Wildberries' `X-Ratelimit-Retry` (seconds), else `Retry-After` (seconds or an
 * HTTP date, RFC 9110 §10.2.3), else undefined.
 */
export function serverRetryDelayMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const seconds = Number(header(headers, 'x-ratelimit-retry') ?? Number.NaN)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000
  const retryAfter = header(headers, 'retry-after')?.trim()
  if (!retryAfter) return undefined
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1_000
  const at = Date.parse(retryAfter)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
