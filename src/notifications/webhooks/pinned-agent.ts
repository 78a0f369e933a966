import type { LookupAddress } from 'node:dns'
import type { LookupFunction } from 'node:net'
import { LRUCache } from 'lru-cache'
import type { Agent } from 'undici'
import { undici } from '../../http/undici.js'

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
export async function createPinnedAgent(addresses: LookupAddress[], connectTimeoutMs: number): Promise<Agent> {
  const { Agent } = await undici()
  return new Agent({ connect: { lookup: pinnedLookup(addresses), timeout: connectTimeoutMs } })
}

/** Receivers whose connections are kept at once; the least recently used one's are closed beyond that. */
const DEFAULT_MAX_AGENTS = 256

/**
 * Pinned agents kept per origin and checked address set, so that deliveries to one receiver reuse its keep-alive
 * connections instead of opening (and tearing down) one per delivery. The addresses are part of the key: a host
 * that resolves differently later gets another agent, whose connections go only to the newly checked addresses.
 */
export class PinnedAgents {
  // Promises, kept from the first ask on: deliveries to one receiver that start together share one agent.
  private readonly agents: LRUCache<string, Promise<Agent>>

  constructor(max = DEFAULT_MAX_AGENTS) {
    this.agents = new LRUCache({ max, dispose: (agent) => void agent.then((a) => a.close()).catch(() => undefined) })
  }

  for(origin: string, addresses: LookupAddress[], connectTimeoutMs: number): Promise<Agent> {
    const key = `${origin} ${connectTimeoutMs} ${addresses.map((a) => `${a.family}/${a.address}`).join(',')}`
    let agent = this.agents.get(key)
    if (!agent) {
      agent = createPinnedAgent(addresses, connectTimeoutMs)
      this.agents.set(key, agent)
    }
    return agent
  }
}
