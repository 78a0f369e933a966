import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { holdOff, takeTurn, type PaceSpec } from '../../../src/marketplaces/http/pacer.js'
import { rejection } from '../helpers.js'

function spec(intervalMs: number, burst: number, parent?: PaceSpec): PaceSpec {
  return { name: `test:${randomUUID()}`, intervalMs, burst, parent }
}

/** Start times, relative to the first, of `count` turns taken one after another. */
async function turnTimes(key: string, lane: PaceSpec, count: number): Promise<number[]> {
  const times: number[] = []
  for (let turn = 0; turn < count; turn++) {
    await takeTurn(key, lane)
    times.push(performance.now())
  }
  return times.map((time) => time - times[0]!)
}

describe('takeTurn', () => {
  it('should let the first call through at once', async () => {
    const started = performance.now()

    await takeTurn(randomUUID(), spec(10_000, 5))

    expect(performance.now() - started).toBeLessThan(20)
  })

  it('should space the following calls by the interval', async () => {
    const times = await turnTimes(randomUUID(), spec(100, 5), 3)

    expect(times[1]).toBeGreaterThanOrEqual(95)
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(95)
  })

  it('should allow the burst after idling, then fall back to the interval', async () => {
    const key = randomUUID()
    const lane = spec(50, 3)
    await takeTurn(key, lane)
    await new Promise((resolve) => setTimeout(resolve, 200))

    const times = await turnTimes(key, lane, 4)

    expect(times[2]).toBeLessThan(20)
    expect(times[3]).toBeGreaterThanOrEqual(40)
  })

  it('should share a lane between callers of one key but not across keys', async () => {
    const lane = spec(200, 1)
    const key = randomUUID()
    await takeTurn(key, lane)
    const started = performance.now()

    await takeTurn(randomUUID(), lane)
    const otherKeyWait = performance.now() - started
    await takeTurn(key, lane)
    const sameKeyWait = performance.now() - started

    expect(otherKeyWait).toBeLessThan(50)
    expect(sameKeyWait).toBeGreaterThanOrEqual(190)
  })

  it('should count a lane against its parent', async () => {
    const parent = spec(150, 1)
    const key = randomUUID()
    await takeTurn(key, spec(10, 5, parent))
    const started = performance.now()

    await takeTurn(key, spec(10, 5, parent))

    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('should hold every caller of the lane after holdOff', async () => {
    const key = randomUUID()
    const lane = spec(10, 5)
    holdOff(key, lane, 150)
    const started = performance.now()

    await takeTurn(key, lane)

    expect(performance.now() - started).toBeGreaterThanOrEqual(145)
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
