/**
 * Seconds to wait before each retry, after the first attempt fails: Svix's schedule, which many
 * receivers already expect (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; eight attempts in all).
 */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = Object.freeze([5, 300, 1800, 7200, 18000, 36000, 36000])

const JITTER = 0.1

/**
 * Seconds to wait before the next attempt, given how many attempts have been made so far (1 after the first
 * failure), or null when the schedule is exhausted. The scheduled delay gets ±10 % jitter so that endpoints
 * that failed together are not retried together; a larger `Retry-After` wins, capped at the longest step
 * (otherwise one header could park a delivery for months). `schedule` replaces Svix's, e.g. in tests.
 *
 * @example
 * nextAttemptDelay(1, null) // about 5 (4.5 to 5.5)
 * nextAttemptDelay(1, 60) // 60
 * nextAttemptDelay(8, null) // null
 * nextAttemptDelay(1, null, Math.random, [1, 2]) // about 1
 */
export function nextAttemptDelay(
  attempt: number,
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
  schedule: readonly number[] = RETRY_SCHEDULE_SECONDS
): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`)
  }
  const scheduled = schedule[attempt - 1]
  if (scheduled === undefined) return null
  const jittered = scheduled * (1 + JITTER * (2 * random() - 1))
  if (retryAfterSeconds === null || retryAfterSeconds <= jittered) return jittered
  return Math.min(retryAfterSeconds, Math.max(...schedule))
}
