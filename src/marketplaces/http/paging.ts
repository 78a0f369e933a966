/** Consecutive slices of at most `size` items, for endpoints that cap the ids per request. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size)
}

/** Offset/limit paging that stops on the first short page, the rule both marketplaces document. */
export async function* offsetPages<T>(
  limit: number,
  fetchPage: (offset: number, limit: number) => Promise<T[]>
): AsyncGenerator<T[]> {
  for (let offset = 0; ; offset += limit) {
    const rows = await fetchPage(offset, limit)
    if (rows.length > 0) yield rows
    if (rows.length < limit) return
  }
}
