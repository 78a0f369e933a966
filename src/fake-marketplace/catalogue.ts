import { mix } from './prng.js'

/**
 * Which product indexes of a seller exist: 0…size-1 minus the removed ones. Products are never stored;
 * the marketplace models derive each one from its index on demand.
 */
export class Catalogue {
  private readonly removed: readonly number[]
  private readonly removedSet: ReadonlySet<number>
  readonly activeCount: number

  constructor(
    readonly size: number,
    removedIndexes: readonly number[]
  ) {
    this.removed = [...new Set(removedIndexes)].filter((index) => index >= 0 && index < size).sort((a, b) => a - b)
    this.removedSet = new Set(this.removed)
    this.activeCount = size - this.removed.length
  }

  isActive(index: number): boolean {
    return Number.isInteger(index) && index >= 0 && index < this.size && !this.removedSet.has(index)
  }

  /** Index of the `ordinal`-th existing product (0-based), or undefined past the end. */
  activeAt(ordinal: number): number | undefined {
    if (ordinal < 0 || ordinal >= this.activeCount) return undefined
    // Fixed point of index = ordinal + removedUpTo(index); it converges because removedUpTo is monotone.
    let index = ordinal
    for (;;) {
      const next = ordinal + this.removedUpTo(index)
      if (next === index) return index
      index = next
    }
  }

  /** Existing product indexes from `start` on, in order. */
  *activeFrom(start: number): Generator<number> {
    for (let index = Math.max(0, start); index < this.size; index++) {
      if (!this.removedSet.has(index)) yield index
    }
  }

  /**
   * Rows of an offset-paged report with `rowsPerProduct` rows for every existing product, from `offset` on:
   * each as the product index and the row's number within that product.
   */
  *rowsFrom(offset: number, rowsPerProduct: number): Generator<{ index: number; row: number }> {
    if (rowsPerProduct <= 0) return
    const first = this.activeAt(Math.floor(offset / rowsPerProduct))
    if (first === undefined) return
    let row = offset % rowsPerProduct
    for (const index of this.activeFrom(first)) {
      for (; row < rowsPerProduct; row++) yield { index, row }
      row = 0
    }
  }

  private removedUpTo(index: number): number {
    let low = 0
    let high = this.removed.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((this.removed[middle] as number) <= index) low = middle + 1
      else high = middle
    }
    return low
  }
}

/**
 * Stock of one item in one warehouse. One row in five follows `version` and the rest stay put, so bumping
 * the version between syncs looks like a day of trade: some quantities change, most do not.
 */
export function stockQuantity(seed: number, version: number, item: number, warehouse: number): number {
  const base = mix(seed, item, warehouse)
  const amount = mix(base, base % 5 === 0 ? version : 0) % 60
  return amount < 10 ? 0 : amount - 10
}

/** Takes at most `limit` items from an iterator, so pages are built without materialising the rest. */
export function take<T>(items: Iterable<T>, limit: number): T[] {
  const taken: T[] = []
  if (limit <= 0) return taken
  for (const item of items) {
    taken.push(item)
    if (taken.length >= limit) break
  }
  return taken
}
