import { Type, type Static } from '@sinclair/typebox'

export const FaultSpecSchema = Type.Object({
  /** Route as registered ('/api/v3/stocks/:warehouseId') or a concrete path ('/api/v3/stocks/42'). */
  route: Type.String({ minLength: 1 }),
  kind: Type.Union([
    Type.Literal('rate_limit'),
    Type.Literal('server_error'),
    Type.Literal('delay'),
    Type.Literal('malformed'),
    Type.Literal('reset')
  ]),
  /** Only requests with this key; default: any seller. */
  apiKey: Type.Optional(Type.String()),
  /** Matching requests to let through before the fault starts (the fault hits call after+1 on). */
  after: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Matching requests the fault hits; default 1. */
  times: Type.Optional(Type.Integer({ minimum: 1 })),
  /** server_error status; default 500. */
  status: Type.Optional(Type.Integer({ minimum: 500, maximum: 599 })),
  /** rate_limit wait: WB `X-Ratelimit-Retry` (default 2), Ozon `Retry-After` (omitted unless set). */
  retryAfterSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  /** delay before the normal answer. */
  delayMs: Type.Optional(Type.Integer({ minimum: 0 }))
})

export type FaultSpec = Static<typeof FaultSpecSchema>

export interface Fault extends FaultSpec {
  readonly id: number
  /** Matching requests seen so far. */
  seen: number
  /** Requests the fault was played on so far. */
  applied: number
}

/** Injected failures, consulted on every marketplace request after authentication. */
export class FaultBoard {
  private faults: Fault[] = []
  private nextId = 1

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: this.nextId++, seen: 0, applied: 0 }
    this.faults.push(fault)
    return fault
  }

  list(): Fault[] {
    return this.faults
  }

  clear(): void {
    this.faults = []
  }

  /** The fault to play on this request, if any; counts the request against every matching fault. */
  take(request: { route: string; path: string; apiKey: string | undefined }): Fault | undefined {
    let chosen: Fault | undefined
    for (const fault of this.faults) {
      if (fault.route !== request.route && fault.route !== request.path) continue
      if (fault.apiKey !== undefined && fault.apiKey !== request.apiKey) continue
      fault.seen++
      if (!chosen && fault.seen > (fault.after ?? 0) && fault.applied < (fault.times ?? 1)) {
        fault.applied++
        chosen = fault
      }
    }
    return chosen
  }
}
