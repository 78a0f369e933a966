import { performance } from 'node:perf_hooks'
import type { Readable } from 'node:stream'
import { undici } from '../../http/undici.js'
import { createPinnedAgent, type PinnedAgents } from './pinned-agent.js'
import { parseRetryAfter } from './retry-after.js'
import {
  resolveDeliveryTarget,
  UnsafeUrlError,
  type DeliveryTarget,
  type LookupFn,
  type UrlPolicy
} from './url-policy.js'

const USER_AGENT = 'StockTracker-Webhooks/1.0'
const DEFAULT_TIMEOUT_MS = 15_000
const DEFAULT_MAX_RESPONSE_BYTES = 4096

export interface DeliveryResult {
  /** Only a 2xx answer counts as delivered. */
  ok: boolean
  status: number | null
  durationMs: number
  /** The start of the response body, at most `maxResponseBytes`, decoded as UTF-8, without NUL characters. */
  responseBody: string
  retryAfterSeconds: number | null
  /** Why the attempt failed (refused URL, network error, timeout, non-2xx status); null when it succeeded. */
  error: string | null
  /** The receiver answered 410 Gone: the endpoint should be disabled rather than retried. */
  gone: boolean
}

export interface DeliveryInput {
  url: string
  headers: Record<string, string>
  body: string
  policy: UrlPolicy
  timeoutMs?: number
  maxResponseBytes?: number
  lookup?: LookupFn
  /** Kept agents to reuse connections from; without it the attempt opens its own connection and closes it. */
  agents?: PinnedAgents
}

/**
 * POSTs one webhook. The host is resolved and checked against the policy on every attempt, and the
 * connection goes to the checked addresses only. Redirects are not followed, the whole exchange (DNS
 * included) has one deadline, and failures of any kind are returned, never thrown.
 *
 * @example
 * const result = await deliverWebhook({ url, headers: signWebhook(message), body, policy })
 * if (!result.ok) scheduleRetry(nextAttemptDelay(attempt, result.retryAfterSeconds))
 */
export async function deliverWebhook(input: DeliveryInput): Promise<DeliveryResult> {
  const started = performance.now()
  const outcome = await attemptDelivery(input)
  return { ...outcome, durationMs: Math.round(performance.now() - started) }
}

async function attemptDelivery(input: DeliveryInput): Promise<Omit<DeliveryResult, 'durationMs'>> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const signal = AbortSignal.timeout(timeoutMs)
  const describe = (error: unknown) => (signal.aborted ? `timed out after ${timeoutMs} ms` : describeError(error))

  let target: DeliveryTarget
  try {
    target = await untilAborted(resolveDeliveryTarget(input.url, input.policy, input.lookup), signal)
  } catch (error) {
    return failure(describe(error))
  }

  const { request } = await undici()
  const agent = await (input.agents?.for(target.url.origin, target.addresses, timeoutMs) ?? createPinnedAgent(target.addresses, timeoutMs))
  try {
    const response = await request(target.url, {
      method: 'POST',
      headers: { ...lowerCaseKeys(input.headers), 'content-type': 'application/json', 'user-agent': USER_AGENT },
      body: input.body,
      dispatcher: agent,
      signal
    })
    const status = response.statusCode
    const responseBody = await readPrefix(response.body, input.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
    const ok = status >= 200 && status < 300
    return {
      ok,
      status,
      responseBody,
      retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
      error: ok ? null : statusError(status),
      gone: status === 410
    }
  } catch (error) {
    return failure(describe(error))
  } finally {
    if (!input.agents) await agent.destroy()
  }
}

/** Reads at most `limit` bytes; leaving the loop early destroys the stream, discarding the rest. */
async function readPrefix(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      size += chunk.length
      if (size >= limit) break
    }
  } catch {
    // The status already decides the outcome; a body cut short only shortens what is logged.
  }
  // PostgreSQL text cannot hold NUL, and a row it refuses would fail the recording of the whole attempt.
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replaceAll('\0', '')
}

function statusError(status: number): string {
  return status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`
}

function failure(error: string): Omit<DeliveryResult, 'durationMs'> {
  return { ok: false, status: null, responseBody: '', retryAfterSeconds: null, error, gone: false }
}

function describeError(error: unknown): string {
  if (error instanceof UnsafeUrlError) return error.reason
  if (!(error instanceof Error)) return String(error)
  const code = (error as NodeJS.ErrnoException).code
  return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
