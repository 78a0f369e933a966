import type { AlertedProduct } from '../alerts/repository.js'

/** Products listed per state in one sync's message; the rest are counted, and `GET /alerts` has them all. */
export const LINES_PER_STATE = 50

const HEADINGS = { out: 'Out of stock', low: 'Running low' } as const

function line(product: AlertedProduct): string {
  const name = product.vendor_code ? `${product.name} (${product.vendor_code})` : product.name
  if (product.state === 'out') return `• ${name}`
  const days = product.days_of_stock === null ? '' : `, ${product.days_of_stock.toFixed(1)} days of stock`
  return `• ${name}: ${product.total_stock} left (threshold ${product.threshold}${days})`
}

/**
 * The plain-text Telegram message of one sync's alerts (plain, so product names need no escaping), out of stock
 * first, at most `LINES_PER_STATE` lines per state.
 *
 * @example
 * alertMessage([{ state: 'out', name: 'Mug', vendor_code: 'M-1', total_stock: 0, threshold: 10, days_of_stock: 0, of_state: 1 }])
 * // 'Stock alert: 1 out of stock\n\nOut of stock:\n• Mug (M-1)'
 */
export function alertMessage(products: AlertedProduct[]): string {
  const counts = { out: 0, low: 0 }
  for (const product of products) counts[product.state] = product.of_state
  const summary = [counts.out > 0 ? `${counts.out} out of stock` : null, counts.low > 0 ? `${counts.low} running low` : null].filter(Boolean).join(', ')
  const sections = (['out', 'low'] as const)
    .filter((state) => counts[state] > 0)
    .map((state) => {
      const lines = products.filter((product) => product.state === state).map(line)
      const more = counts[state] - lines.length
      return [`${HEADINGS[state]}:`, ...lines, ...(more > 0 ? [`…and ${more} more (GET /api/v1/alerts lists them all)`] : [])].join('\n')
    })
  return [`Stock alert: ${summary}`, ...sections].join('\n\n')
}
