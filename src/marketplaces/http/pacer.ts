import { TokenBucket } from 'limiter'
import { sleep } from './sleep.js'

/**
 * A documented limit: one request per `intervalMs` on average, up to `burst` back to back after idling.
 * A `parent` is a wider limit the lane also counts against (Ozon: the per-Client-Id global rate).
 */
export interface PaceSpec {
  /** Unique across marketplaces, e.g. 'wildberries:content'. */
  readonly name: string
  readonly intervalMs: number
  readonly burst: number
  readonly parent?: PaceSpec
}

interface Lane {
  readonly bucket: TokenBucket
  readonly parent: Lane | undefined
  /** Set after a 429 so that every caller of the lane, not only the one that got it, sits the wait out. */
  resumeAt: number
}

// Process-wide on purpose: limits belong to the seller account, so every client built for one pacing key
// (e.g. the sync job and a credentials check of the same tenant) must draw from the same buckets.
const lanes = new Map<string, Lane>()

function laneFor(pacingKey: string, spec: PaceSpec): Lane {
  const id = `${pacingKey}\u0000${spec.name}`
  const existing = lanes.get(id)
  if (existing) return existing
  const parent = spec.parent ? laneFor(pacingKey, spec.parent) : undefined
  const bucket = new TokenBucket({
    bucketSize: spec.burst,
    tokensPerInterval: 1,
    interval: spec.intervalMs,
    parentBucket: parent?.bucket
  })
  // limiter's buckets start empty, which would delay a credential check by a full interval (10 s for WB
  // /ping). Starting full would spend a burst that another process of the same seller may already have
  // used. One token is the middle ground: the first call goes at once, the burst builds up while idle.
  bucket.content = 1
  const lane: Lane = { bucket, parent, resumeAt: 0 }
  lanes.set(id, lane)
  return lane
}

function resumeAt(lane: Lane | undefined): number {
  let latest = 0
  for (let current = lane; current; current = current.parent) latest = Math.max(latest, current.resumeAt)
  return latest
}

/**
 * Resolves when a request on `spec` may start for this seller. Written over `tryRemoveTokens` and
 * `getWaitTime` rather than limiter's `removeTokens` because that cannot be aborted.
 */
export async function takeTurn(pacingKey: string, spec: PaceSpec, signal?: AbortSignal): Promise<void> {
  const lane = laneFor(pacingKey, spec)
  for (;;) {
    const held = resumeAt(lane) - Date.now()
    if (held > 0) {
      await sleep(held, signal)
      continue
    }
    signal?.throwIfAborted()
    if (lane.bucket.tryRemoveTokens(1)) return
    await sleep(Math.max(1, lane.bucket.getWaitTime(1)), signal)
  }
}

/** Holds every caller of the lane for `ms` (the marketplace said so in a 429). */
export function holdOff(pacingKey: string, spec: PaceSpec, ms: number): void {
  const lane = laneFor(pacingKey, spec)
  lane.resumeAt = Math.max(lane.resumeAt, Date.now() + ms)
}
