import type { MarketplaceClient, MarketProduct, MarketSku } from '../../marketplaces/types.js'
import { StageBatch } from './staging.js'

/** What a sync has read so far, as its job shows it. */
export interface Progress {
  pages: number
  productsSeen: number
  stockRows: number
}

/**
 * Iterates `source` one item ahead: producing the next item (marketplace requests) runs while the caller works on
 * the current one (staging it), and never more than one item waits.
 */
export async function* prefetched<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]()
  let next = iterator.next()
  try {
    for (;;) {
      const current = await next
      if (current.done) return
      next = iterator.next()
      // A failure of the prefetched request surfaces when it is awaited; until then it must not count as unhandled.
      next.catch(() => undefined)
      yield current.value
    }
  } finally {
    await iterator.return?.()
  }
}

/** The most SKUs one seller-stock call takes (Wildberries' documented cap; Ozon batches below it itself). */
const STOCK_BATCH = 1_000

/** Which marketplace is read, and the attempt's batch counter (batches are numbered across the attempt, in reading order). */
export interface BatchScope {
  marketplace: string
  batch: { next: number }
}

/**
 * A marketplace's data in staging-sized batches. Product pages are small (Wildberries: 100 cards, each page's cursor
 * from the one before) while a stock call takes up to 1,000 SKUs: pages are gathered up to a batch, whose stock is
 * fetched while the next batch's pages are read, and the batch goes out with it. At most three batches are in
 * memory: one gathering, one waiting for its stock, one being staged (with `prefetched`); only the gathering one as
 * objects. A product listed again while its batch gathers (a card edited mid-sync reappears behind Wildberries'
 * cursor) replaces its earlier copy, so its SKUs are asked for and staged once; one listed again in a later batch is
 * the merge's to settle.
 */
export async function* readBatches(client: MarketplaceClient, scope: BatchScope, progress: Progress): AsyncGenerator<StageBatch> {
  const warehouses = await client.sellerWarehouses()
  let products = new Map<string, MarketProduct>()
  let skuCount = 0
  const withStock = async (batch: StageBatch, skus: MarketSku[]): Promise<StageBatch> => {
    if (warehouses.length > 0 && skus.length > 0) {
      for await (const stocks of client.sellerStocks(skus, warehouses)) batch.addStocks(stocks)
    }
    progress.stockRows += batch.stockRows
    return batch
  }
  let pending: Promise<StageBatch> | undefined
  /** Starts the gathered batch's stock calls and hands back the previous batch, whose calls have had their time. */
  const gathered = (): Promise<StageBatch> | undefined => {
    const previous = pending
    const batch = new StageBatch(scope.marketplace, scope.batch.next++)
    batch.addProducts(products.values())
    pending = withStock(batch, [...products.values()].flatMap((product) => product.skus))
    // A failure surfaces when the batch is awaited; until then it must not count as unhandled.
    pending.catch(() => undefined)
    products = new Map()
    skuCount = 0
    return previous
  }
  for await (const page of prefetched(client.products())) {
    for (const product of page) {
      skuCount += product.skus.length - (products.get(product.externalId)?.skus.length ?? 0)
      products.set(product.externalId, product)
    }
    progress.pages += 1
    progress.productsSeen += page.length
    if (skuCount >= STOCK_BATCH || products.size >= STOCK_BATCH) {
      const ready = gathered()
      if (ready) yield await ready
    }
  }
  if (products.size > 0) {
    const ready = gathered()
    if (ready) yield await ready
  }
  if (pending) yield await pending
  for await (const stocks of client.fulfillmentStocks()) {
    const report = new StageBatch(scope.marketplace, null)
    report.addStocks(stocks)
    progress.pages += 1
    progress.stockRows += report.stockRows
    yield report
  }
}
