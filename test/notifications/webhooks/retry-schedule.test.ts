import { describe, expect, it } from 'vitest'
import { nextAttemptDelay, RETRY_SCHEDULE_SECONDS } from '../../../src/notifications/webhooks/retry-schedule.js'

const middle = () => 0.5
const lowest = () => 0
const highest = () => 1

describe('RETRY_SCHEDULE_SECONDS', () => {
  it("should follow Svix's schedule", () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000])
  })
})

describe('nextAttemptDelay', () => {
  it.each(RETRY_SCHEDULE_SECONDS.map((delay, index) => [index + 1, delay]))(
    'should wait the scheduled time after attempt %i (%i s)',
    (attempt, delay) => {
      expect(nextAttemptDelay(attempt, null, middle)).toBe(delay)
    }
  )

  it('should return null once every scheduled retry has been used', () => {
    expect(nextAttemptDelay(RETRY_SCHEDULE_SECONDS.length + 1, null, middle)).toBeNull()
  })

  it('should stay within 10 % of the scheduled time', () => {
    expect(nextAttemptDelay(2, null, lowest)).toBeCloseTo(270)
    expect(nextAttemptDelay(2, null, highest)).toBeCloseTo(330)
  })

  it('should spread delays with the default random source', () => {
    const delays = new Set(Array.from({ length: 20 }, () => nextAttemptDelay(3, null)))
    expect(delays.size).toBeGreaterThan(1)
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(1620)
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(1980)
  })

  it('should honour a Retry-After longer than the scheduled time', () => {
    expect(nextAttemptDelay(1, 60, middle)).toBe(60)
  })

  it('should keep the scheduled time when Retry-After is shorter', () => {
    expect(nextAttemptDelay(2, 10, middle)).toBe(300)
  })

  it('should cap Retry-After at the longest scheduled wait', () => {
    expect(nextAttemptDelay(1, 30 * 24 * 3600, middle)).toBe(36000)
  })

  it('should not extend the schedule because of Retry-After', () => {
    expect(nextAttemptDelay(RETRY_SCHEDULE_SECONDS.length + 1, 60, middle)).toBeNull()
  })

  it('should follow a schedule given in place of the default one', () => {
    expect(nextAttemptDelay(1, null, middle, [1, 2])).toBe(1)
    expect(nextAttemptDelay(2, 60, middle, [1, 2])).toBe(2)
    expect(nextAttemptDelay(3, null, middle, [1, 2])).toBeNull()
  })

  it.each([0, -1, 1.5, Number.NaN])('should refuse attempt %s', (attempt) => {
    expect(() => nextAttemptDelay(attempt, null)).toThrow(RangeError)
  })
})
