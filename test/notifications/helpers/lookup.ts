import { isIP } from 'node:net'
import type { LookupFn } from '../../../src/notifications/webhooks/url-policy.js'

/** A resolver that answers every host with the given addresses, so no test depends on real DNS. */
export function answering(...addresses: string[]): LookupFn {
  return async () => addresses.map((address) => ({ address, family: isIP(address) }))
}

/** A resolver that gives each answer in turn (the last one repeats), as a DNS-rebinding attacker would. */
export function answeringInTurn(...answers: string[]): LookupFn & { calls: number } {
  const lookup = async () => {
    const address = answers[Math.min(lookup.calls, answers.length - 1)] ?? ''
    lookup.calls += 1
    return [{ address, family: isIP(address) }]
  }
  lookup.calls = 0
  return lookup
}
