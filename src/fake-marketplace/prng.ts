// Stateless hashing instead of a stateful generator: any product, size or stock row can be derived from
// its index alone, so a page deep into a 100 000-product catalogue costs the same as the first one.

const TWO_POW_32 = 2 ** 32

/** 32-bit FNV-1a of a string, the seed of one seller's catalogue. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** A well-spread unsigned 32-bit hash of non-negative integers (ids up to 2^53 are fine). */
export function mix(...values: number[]): number {
  let hash = 0x9e3779b9
  for (const value of values) {
    hash = avalanche(hash ^ (value >>> 0))
    hash = avalanche(hash ^ Math.floor(value / TWO_POW_32))
  }
  return hash
}

/** The murmur3 finalizer: every input bit flips about half the output bits. */
function avalanche(value: number): number {
  let hash = value >>> 0
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  return (hash ^ (hash >>> 16)) >>> 0
}

/** Deterministic pick from a list. */
export function pick<T>(items: readonly T[], hash: number): T {
  return items[hash % items.length] as T
}
