import type { IncomingHttpHeaders } from 'node:http'
import {
  MarketplaceAuthError,
  MarketplaceProtocolError,
  MarketplaceRateLimitError,
  MarketplaceUnavailableError,
  type MarketplaceError,
  type MarketplaceErrorInit
} from '../errors.js'
import { undici } from '../../http/undici.js'
import type { MarketplaceCallEvent, MarketplaceClientOptions, MarketplaceType } from '../types.js'
import type { BodyCheck } from './decode.js'
import { redact, serverMessage } from './error-detail.js'
import { holdOff, takeTurn, type PaceSpec } from './pacer.js'
import { backoffMs, serverRetryDelayMs, serverWaitWithJitterMs } from './retry.js'
import { anySignal, sleep } from './sleep.js'

const DEFAULT_BACKOFF_BASE_MS = 1_000
/** A longer server-given wait (Ozon "circle is open", a daily quota) is the scheduler's job, not a sleep. */
const MAX_IN_PROCESS_WAIT_MS = 120_000

export interface Endpoint {
  readonly method: 'GET' | 'POST'
  /** Route template as documented; reported in events and errors. */
  readonly template: string
  readonly pace: PaceSpec
}

export interface Call<T> {
  endpoint: Endpoint
  baseUrl: string
  /** Concrete path when the template has parameters. */
  path?: string
  body?: unknown
  response: BodyCheck<T>
  /** Budget for the whole call, pacing and retries included. */
  deadlineMs?: number
}

export interface TransportConfig {
  marketplace: MarketplaceType
  /** Credential headers sent on every request. */
  headers: Readonly<Record<string, string>>
  /** Values masked out of every error detail. */
  secrets: readonly string[]
  options: MarketplaceClientOptions
}

interface Failure {
  kind: 'rate_limit' | 'unavailable' | 'protocol'
  reason: string
  status?: number
  waitMs: number
  serverWaitMs?: number
}

type Outcome<T> = { ok: true; body: T } | { ok: false; failure: Failure }

interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

/**
 * The HTTP core shared by the marketplace clients: pacing, per-attempt timeouts, bounded retries with
 * backoff, error classification and call events. Clients only describe endpoints and map bodies.
 */
export class Transport {
  private readonly options: MarketplaceClientOptions
  private readonly headers: Record<string, string>

  constructor(private readonly config: TransportConfig) {
    this.options = config.options
    this.headers = { accept: 'application/json', ...config.headers }
  }

  async send<T>(call: Call<T>): Promise<T> {
    const deadline = call.deadlineMs === undefined ? undefined : AbortSignal.timeout(call.deadlineMs)
    const signal = anySignal(this.options.signal, deadline)
    const timeoutMs = Math.min(this.options.timeoutMs, call.deadlineMs ?? Number.POSITIVE_INFINITY)
    try {
      return await this.attempts(call, timeoutMs, signal)
    } catch (error) {
      if (deadline?.aborted && !this.options.signal?.aborted) {
        throw new MarketplaceUnavailableError({
          marketplace: this.config.marketplace,
          endpoint: call.endpoint.template,
          detail: `no usable answer within ${call.deadlineMs} ms`
        })
      }
      throw error
    }
  }

  private async attempts<T>(call: Call<T>, timeoutMs: number, signal: AbortSignal | undefined): Promise<T> {
    const { pacing, pacingKey, maxRetries } = this.options
    for (let attempt = 1; ; attempt++) {
      if (pacing === 'documented') await takeTurn(pacingKey, call.endpoint.pace, signal)
      const outcome = await this.attempt(call, attempt, timeoutMs, signal)
      if (outcome.ok) return outcome.body
      const { failure } = outcome
      if (attempt > maxRetries || failure.waitMs > MAX_IN_PROCESS_WAIT_MS) throw this.giveUp(call, failure, attempt)
      if (failure.kind === 'rate_limit' && pacing === 'documented') {
        holdOff(pacingKey, call.endpoint.pace, failure.waitMs)
      }
      await sleep(failure.waitMs, signal)
    }
  }

  private async attempt<T>(
    call: Call<T>,
    attempt: number,
    timeoutMs: number,
    signal: AbortSignal | undefined
  ): Promise<Outcome<T>> {
    signal?.throwIfAborted()
    // A controller and a timer per attempt rather than AbortSignal.any/timeout: both are released as soon
    // as the attempt ends, so a long-lived caller signal collects no per-request listeners.
    const attemptController = new AbortController()
    const timer = setTimeout(() => attemptController.abort(), timeoutMs)
    const forwardAbort = () => attemptController.abort()
    signal?.addEventListener('abort', forwardAbort, { once: true })
    const started = performance.now()
    let response: RawResponse
    try {
      response = await this.exchange(call, attemptController.signal)
    } catch (error) {
      if (signal?.aborted) {
        // Cut by the call's deadline rather than by the caller: still an attempt that timed out.
        if (!this.options.signal?.aborted) this.report(call, 'timeout', started, attempt)
        throw signal.reason
      }
      const timedOut = attemptController.signal.aborted
      this.report(call, timedOut ? 'timeout' : 'network_error', started, attempt)
      const reason = timedOut ? `no response within ${timeoutMs} ms` : `connection failed (${errorCode(error)})`
      return { ok: false, failure: { kind: 'unavailable', reason, waitMs: this.backoff(attempt) } }
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', forwardAbort)
    }
    this.report(call, response.status, started, attempt)
    return this.interpret(call, response, attempt)
  }

  private async exchange(call: Call<unknown>, signal: AbortSignal): Promise<RawResponse> {
    const hasBody = call.body !== undefined
    const { request } = await undici()
    const response = await request(joinUrl(call.baseUrl, call.path ?? call.endpoint.template), {
      method: call.endpoint.method,
      headers: hasBody ? { ...this.headers, 'content-type': 'application/json' } : this.headers,
      body: hasBody ? JSON.stringify(call.body) : undefined,
      signal
    })
    // Always drained, error bodies included: an unread body pins the keep-alive connection.
    const text = await response.body.text()
    return { status: response.statusCode, headers: response.headers, text }
  }

  private interpret<T>(call: Call<T>, response: RawResponse, attempt: number): Outcome<T> {
    const { status, text } = response
    if (status >= 200 && status < 300) {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        // A cut-off body is what a reset mid-transfer looks like, so it earns a retry like a reset does.
        return {
          ok: false,
          failure: {
            kind: 'protocol',
            reason: 'response body is not valid JSON',
            status,
            waitMs: this.backoff(attempt)
          }
        }
      }
      if (!call.response.check(body)) {
        throw this.error(
          MarketplaceProtocolError,
          call,
          `unexpected response body at ${call.response.explain(body)}`,
          status
        )
      }
      return { ok: true, body }
    }
    const reason = `HTTP ${status}${messageSuffix(text)}`
    if (status === 401 || status === 403) throw this.error(MarketplaceAuthError, call, reason, status)
    if (status === 429) {
      const serverWaitMs = serverRetryDelayMs(response.headers)
      const waitMs = serverWaitMs === undefined ? this.backoff(attempt) : serverWaitWithJitterMs(serverWaitMs)
      return { ok: false, failure: { kind: 'rate_limit', reason, status, waitMs, serverWaitMs } }
    }
    if (status >= 500) {
      return { ok: false, failure: { kind: 'unavailable', reason, status, waitMs: this.backoff(attempt) } }
    }
    throw this.error(MarketplaceProtocolError, call, reason, status)
  }

  private giveUp(call: Call<unknown>, failure: Failure, attempts: number): MarketplaceError {
    const detail = `${failure.reason}; gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`
    if (failure.kind === 'rate_limit') {
      return new MarketplaceRateLimitError({
        ...this.errorInit(call, detail, failure.status),
        retryAfterMs: failure.serverWaitMs
      })
    }
    const ErrorClass = failure.kind === 'unavailable' ? MarketplaceUnavailableError : MarketplaceProtocolError
    return this.error(ErrorClass, call, detail, failure.status)
  }

  private error(
    ErrorClass: new (init: MarketplaceErrorInit) => MarketplaceError,
    call: Call<unknown>,
    detail: string,
    status?: number
  ): MarketplaceError {
    return new ErrorClass(this.errorInit(call, detail, status))
  }

  private errorInit(call: Call<unknown>, detail: string, status: number | undefined): MarketplaceErrorInit {
    return {
      marketplace: this.config.marketplace,
      endpoint: call.endpoint.template,
      detail: redact(detail, this.config.secrets),
      status
    }
  }

  private backoff(attempt: number): number {
    return backoffMs(attempt, this.options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS)
  }

  private report(call: Call<unknown>, status: MarketplaceCallEvent['status'], started: number, attempt: number): void {
    this.options.onCall?.({
      marketplace: this.config.marketplace,
      endpoint: call.endpoint.template,
      status,
      durationMs: performance.now() - started,
      attempt
    })
  }
}

function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path
}

function messageSuffix(text: string): string {
  const message = serverMessage(text)
  return message ? `: ${message}` : ''
}

function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code
  return error instanceof Error ? error.name : 'unknown error'
}
