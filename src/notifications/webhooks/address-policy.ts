import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

// Every ipaddr.js range other than 'unicast' is refused; these names only make the refusal readable.
const RANGE_LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
  rfc6052: 'local-use NAT64',
  '6to4': '6to4',
  teredo: 'Teredo'
}

// Outside 2000::/3 nothing is allocated for global unicast, whatever ipaddr.js calls it.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3')
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96')

/**
 * Tells why a webhook must not be sent to an IP address, or returns null when the address is public.
 * IPv6 forms that carry an IPv4 address (mapped, compatible, translated, NAT64 well-known prefix) are
 * judged by the IPv4 address they reach.
 *
 * @example
 * forbiddenAddressReason('10.0.0.5') // 'private address 10.0.0.5 is not allowed'
 * forbiddenAddressReason('::ffff:7f00:1') // 'loopback address 127.0.0.1 (in ::ffff:7f00:1) is not allowed'
 * forbiddenAddressReason('93.184.216.34') // null
 */
export function forbiddenAddressReason(address: string): string | null {
  const parsed = ipaddr.parse(address)
  const judged = parsed.kind() === 'ipv6' ? (embeddedIPv4(parsed as ipaddr.IPv6) ?? parsed) : parsed
  const label = forbiddenRangeLabel(judged)
  if (label === null) return null
  const where = judged === parsed ? address : `${judged.toString()} (in ${address})`
  return `${label} address ${where} is not allowed`
}

function forbiddenRangeLabel(address: Address): string | null {
  const range = address.range()
  if (range !== 'unicast') return RANGE_LABELS[range] ?? 'reserved'
  if (address.kind() === 'ipv6' && !address.match(GLOBAL_UNICAST_V6)) return 'reserved'
  return null
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const range = address.range()
  const [high = 0, low = 0] = address.parts.slice(6)
  const isCompatible = range === 'unicast' && address.parts.slice(0, 6).every((part) => part === 0)
  const carriesIPv4 =
    range === 'ipv4Mapped' || range === 'rfc6145' || isCompatible || address.match(NAT64_WELL_KNOWN)
  return carriesIPv4 ? new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]) : null
}
