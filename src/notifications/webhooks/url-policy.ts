import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP } from 'node:net'
import { forbiddenAddressReason } from './address-policy.js'

/** Raised when a webhook URL may not be called; `reason` is safe to show to the tenant. */
export class UnsafeUrlError extends Error {
  readonly reason: string

  constructor(reason: string) {
    super(`webhook URL refused: ${reason}`)
    this.name = 'UnsafeUrlError'
    this.reason = reason
  }
}

export interface UrlPolicy {
  requireHttps: boolean
  /** For development and tests only: lets webhooks reach loopback and private networks. */
  allowPrivateNetworks: boolean
}

/** Resolves a host name to every address it has; same contract as `dns.promises.lookup(host, { all: true })`. */
export type LookupFn = (hostname: string) => Promise<LookupAddress[]>

export interface DeliveryTarget {
  url: URL
  /** The addresses that passed the policy; connections must go to these and nowhere else. */
  addresses: LookupAddress[]
}

const systemLookup: LookupFn = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)))
  })

/**
 * Checks a webhook URL when an endpoint is created: http(s) scheme (https when required), no
 * credentials, and every address the host resolves to allowed by the policy.
 *
 * @example
 * await assertDeliverableUrl('https://hooks.example.com/in', { requireHttps: true, allowPrivateNetworks: false })
 */
export async function assertDeliverableUrl(url: string, policy: UrlPolicy, lookup?: LookupFn): Promise<void> {
  await resolveDeliveryTarget(url, policy, lookup)
}

/**
 * Applies the URL policy and returns the addresses that were checked, so that the caller can connect to
 * exactly those (a second DNS answer could point somewhere else).
 */
export async function resolveDeliveryTarget(
  url: string,
  policy: UrlPolicy,
  lookup: LookupFn = systemLookup
): Promise<DeliveryTarget> {
  const parsed = parseUrl(url, policy)
  const addresses = await resolveHost(parsed.hostname, lookup)
  if (!policy.allowPrivateNetworks) {
    for (const { address } of addresses) {
      const reason = forbiddenAddressReason(address)
      if (reason !== null) throw new UnsafeUrlError(reason)
    }
  }
  return { url: parsed, addresses }
}

function parseUrl(url: string, policy: UrlPolicy): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UnsafeUrlError('not a valid URL')
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UnsafeUrlError(`scheme ${parsed.protocol} is not allowed`)
  }
  if (policy.requireHttps && parsed.protocol !== 'https:') throw new UnsafeUrlError('https is required')
  if (parsed.username !== '' || parsed.password !== '') {
    throw new UnsafeUrlError('credentials in the URL are not allowed')
  }
  return parsed
}

async function resolveHost(hostname: string, lookup: LookupFn): Promise<LookupAddress[]> {
  // The WHATWG parser has already turned forms like 0x7f.1 or 2130706433 into dotted quads.
  const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  if (isIP(literal) !== 0) return [{ address: literal, family: isIP(literal) }]

  let answers: LookupAddress[]
  try {
    answers = await lookup(hostname)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code ?? 'lookup failed'
    throw new UnsafeUrlError(`host ${hostname} could not be resolved (${code})`)
  }
  if (answers.length === 0) throw new UnsafeUrlError(`host ${hostname} has no addresses`)
  // The family is recomputed so that a resolver's mislabelled answer cannot confuse the pinned connection.
  return answers.map(({ address }) => {
    const family = isIP(address)
    if (family === 0) throw new UnsafeUrlError(`host ${hostname} resolved to an invalid address`)
    return { address, family }
  })
}
