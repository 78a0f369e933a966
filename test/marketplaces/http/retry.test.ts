import { describe, expect, it } from 'vitest'
import { backoffMs, serverRetryDelayMs, serverWaitWithJitterMs } from '../../../src/marketplaces/http/retry.js'

describe('serverRetryDelayMs', () => {
  it('should read X-Ratelimit-Retry seconds', () => {
    expect(serverRetryDelayMs({ 'x-ratelimit-retry': '2' })).toBe(2_000)
  })

  it('should prefer X-Ratelimit-Retry over Retry-After', () => {
    expect(serverRetryDelayMs({ 'x-ratelimit-retry': '3', 'retry-after': '10' })).toBe(3_000)
  })

  it('should read Retry-After seconds', () => {
    expect(serverRetryDelayMs({ 'retry-after': '1' })).toBe(1_000)
  })

  it('should read Retry-After as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT')

    expect(serverRetryDelayMs({ 'retry-after': 'Wed, 21 Oct 2026 07:28:05 GMT' }, now)).toBe(5_000)
  })

  it('should return undefined without a usable header', () => {
    expect(serverRetryDelayMs({ 'retry-after': 'soon' })).toBeUndefined()
    expect(serverRetryDelayMs({})).toBeUndefined()
  })
})

describe('backoffMs', () => {
  it('should double per attempt and add at most half a step of jitter', () => {
    for (const [attempt, step] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000]
    ] as const) {
      const delay = backoffMs(attempt, 1_000)
      expect(delay).toBeGreaterThanOrEqual(step)
      expect(delay).toBeLessThanOrEqual(step * 1.5)
    }
  })

  it('should cap the step at 30 s', () => {
    expect(backoffMs(20, 1_000)).toBeLessThanOrEqual(45_000)
  })
})

describe('serverWaitWithJitterMs', () => {
  it('should never wait less than the server asked', () => {
    for (let run = 0; run < 100; run++) expect(serverWaitWithJitterMs(1_000)).toBeGreaterThanOrEqual(1_000)
  })
})
