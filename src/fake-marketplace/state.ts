import { FaultBoard } from './faults.js'
import { RequestLog } from './request-log.js'
import { SellerRegistry, type SellerInput } from './sellers.js'

/** Everything the fake remembers; shared by the marketplace routes, the control API and in-process tests. */
export interface FakeState {
  readonly sellers: SellerRegistry
  readonly faults: FaultBoard
  readonly requests: RequestLog
  /** Aborted when the server closes, so artificial delays do not outlive it. */
  readonly closing: AbortSignal
  /** Back to the sellers the server started with; no faults, empty request log. */
  reset(): void
  /** Ends artificial delays. */
  close(): void
}

export function createFakeState(initialSellers: readonly SellerInput[], requestLogLimit: number): FakeState {
  const sellers = new SellerRegistry()
  const faults = new FaultBoard()
  const requests = new RequestLog(requestLogLimit)
  const closing = new AbortController()
  sellers.replaceAll(initialSellers)
  return {
    sellers,
    faults,
    requests,
    closing: closing.signal,
    reset() {
      sellers.replaceAll(initialSellers)
      faults.clear()
      requests.clear()
    },
    close: () => closing.abort()
  }
}
