import { describe, expect, it } from 'vitest'
import { Catalogue, stockQuantity, take } from '../../src/fake-marketplace/catalogue.js'

describe('Catalogue', () => {
  it('should skip removed indexes when counting and walking products', () => {
    const catalogue = new Catalogue(10, [2, 5, 5, 42])

    expect(catalogue.activeCount).toBe(8)
    expect([...catalogue.activeFrom(0)]).toEqual([0, 1, 3, 4, 6, 7, 8, 9])
  })

  it('should find the n-th existing product past removed ones', () => {
    const catalogue = new Catalogue(10, [0, 1, 4])

    expect([0, 1, 2, 3, 6].map((ordinal) => catalogue.activeAt(ordinal))).toEqual([2, 3, 5, 6, 9])
    expect(catalogue.activeAt(7)).toBeUndefined()
  })

  it('should resume report rows at any offset with the same rows as a full walk', () => {
    const catalogue = new Catalogue(6, [1, 4])
    const all = [...catalogue.rowsFrom(0, 3)]

    expect(all).toHaveLength(12)
    for (const offset of [0, 1, 5, 7, 11])
      expect(take(catalogue.rowsFrom(offset, 3), 3)).toEqual(all.slice(offset, offset + 3))
  })

  it('should build a page deep into a 100 000-product catalogue without walking to it', () => {
    const catalogue = new Catalogue(100_000, [])
    const started = performance.now()

    const page = take(catalogue.rowsFrom(499_900, 5), 100)

    expect(page[0]).toEqual({ index: 99_980, row: 0 })
    expect(performance.now() - started).toBeLessThan(50)
  })
})

describe('stockQuantity', () => {
  it('should give the same quantity for the same inputs', () => {
    expect(stockQuantity(7, 3, 123_456_789_012, 2)).toBe(stockQuantity(7, 3, 123_456_789_012, 2))
  })

  it('should change some but not most quantities when the version changes', () => {
    const items = Array.from({ length: 1_000 }, (_, item) => item)
    const changed = items.filter((item) => stockQuantity(1, 0, item, 0) !== stockQuantity(1, 1, item, 0)).length

    expect(changed).toBeGreaterThan(50)
    expect(changed).toBeLessThan(400)
  })
})
