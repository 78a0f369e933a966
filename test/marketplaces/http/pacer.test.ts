import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { holdOff, takeTurn, type PaceSpec } from '../../../src/marketplaces/http/pacer.js'
import { rejection } from '../helpers.js'

function spec(intervalMs: number, burst: number, parent?: PaceSpec): PaceSpec {
  return { name: `test:${randomUUID()}`, intervalMs, burst, parent }
}

// Times are taken from a moment before the first turn: the pacer promises that turn k starts no earlier
// than k intervals after it, and a busy event loop can only delay a turn, never advance it. Upper bounds
// (a call that should not wait) are generous for the same reason.

/** When each of `count` turns taken one after another started, in ms after the moment before the first. */
async function turnTimes(key: string, lane: PaceSpec, count: number): Promise<number[]> {
  const start = performance.now()
  const times: number[] = []
  for (let turn = 0; turn < count; turn++) {
    await takeTurn(key, lane)
    times.push(performance.now() - start)
  }
  return times
}

describe('takeTurn', () => {
  it('should let the first call through at once', async () => {
    const [first] = await turnTimes(randomUUID(), spec(10_000, 5), 1)

    expect(first).toBeLessThan(100)
  })

  it('should space the following calls by the interval', async () => {
    const times = await turnTimes(randomUUID(), spec(150, 5), 3)

    expect(times[1]).toBeGreaterThanOrEqual(150)
    expect(times[2]).toBeGreaterThanOrEqual(300)
  })

  it('should allow the burst after idling, then fall back to the interval', async () => {
    const key = randomUUID()
    const lane = spec(200, 3)
    await takeTurn(key, lane)
    await new Promise((resolve) => setTimeout(resolve, 700))

    const times = await turnTimes(key, lane, 4)

    expect(times[2]).toBeLessThan(150)
    expect(times[3]).toBeGreaterThanOrEqual(200)
  })

  it('should share a lane between callers of one key but not across keys', async () => {
    const lane = spec(400, 1)
    const key = randomUUID()
    const start = performance.now()
    await takeTurn(key, lane)

    const otherKeyStart = performance.now()
    await takeTurn(randomUUID(), lane)
    const otherKeyWait = performance.now() - otherKeyStart
    await takeTurn(key, lane)

    expect(otherKeyWait).toBeLessThan(150)
    expect(performance.now() - start).toBeGreaterThanOrEqual(400)
  })

  it('should count a lane against its parent', async () => {
    const parent = spec(300, 1)
    const key = randomUUID()
    const start = performance.now()

    await takeTurn(key, spec(10, 5, parent))
    await takeTurn(key, spec(10, 5, parent))

    expect(performance.now() - start).toBeGreaterThanOrEqual(300)
  })

  it('should hold every caller of the lane after holdOff', async () => {
    const key = randomUUID()
    const lane = spec(10, 5)
    const start = performance.now()
    holdOff(key, lane, 150)

    await takeTurn(key, lane)

    // holdOff counts in wall-clock ms, so allow for its 1 ms resolution.
    expect(performance.now() - start).toBeGreaterThanOrEqual(149)
  })

  it('should reject with the abort reason while waiting', async () => {
    const key = randomUUID()
    const lane = spec(10_000, 1)
    await takeTurn(key, lane)
    const reason = new Error('stop')

    const error = await rejection(takeTurn(key, lane, abortAfter(50, reason)))

    expect(error).toBe(reason)
  })
})

function abortAfter(ms: number, reason: Error): AbortSignal {
  const controller = new AbortController()
  setTimeout(() => controller.abort(reason), ms)
  return controller.signal
}
