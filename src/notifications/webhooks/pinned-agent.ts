import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { Agent } from 'undici'

/**
 * A resolver for `net.connect` that never asks DNS: it answers with the addresses that already passed
 * the URL policy, so a second, different DNS answer (DNS rebinding) cannot redirect the connection.
 *
 * @example
 * const lookup = pinnedLookup([{ address: '93.184.216.34', family: 4 }])
 * net.connect({ host: 'hooks.example.com', port: 443, lookup })
 */
export function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const [first] = addresses
    if (first === undefined) {
      callback(Object.assign(new Error(`no checked address for ${hostname}`), { code: 'ENOTFOUND' }), [])
    } else if (options.all === true) {
      callback(null, addresses)
    } else {
      callback(null, first.address, first.family)
    }
  }
}

/**
 * An undici dispatcher whose connections go only to the given addresses. The URL keeps its host name,
 * so the Host header, TLS SNI and certificate checks still use the name.
 */
export function createPinnedAgent(addresses: LookupAddress[], connectTimeoutMs: number): Agent {
  return new Agent({ connect: { lookup: pinnedLookup(addresses), timeout: connectTimeoutMs } })
}
