/**
 * The totals of recent product-list queries. Counting a 10,000-product catalogue costs a few milliseconds of
 * database time, an order more than reading a page, and clients ask for the same filters page after page. A
 * total is reused only while the catalogue version read with the page is the one it was counted at; the TTL
 * bounds the staleness should a write ever change a count without moving the version.
 */
export class TotalsCache {
  readonly #entries = new Map<string, { version: string; total: number; expires: number }>()

  constructor(private readonly options: { maxEntries: number; ttlMs: number; clock?: () => number }) {}

  #now(): number {
    return (this.options.clock ?? Date.now)()
  }

  get(key: string, version: string): number | undefined {
    const entry = this.#entries.get(key)
    if (!entry || entry.version !== version || entry.expires <= this.#now()) return undefined
    return entry.total
  }

  set(key: string, version: string, total: number): void {
    this.#entries.delete(key)
    // A Map iterates in insertion order, so the first key is the one set longest ago.
    if (this.#entries.size >= this.options.maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(key, { version, total, expires: this.#now() + this.options.ttlMs })
  }
}
