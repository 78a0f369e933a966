import { describe, expect, it } from 'vitest'
import type { MarketplaceClient, MarketProduct, MarketSku, MarketStock, MarketWarehouse } from '../../../src/marketplaces/types.js'
import { readBatches, type Progress } from '../../../src/modules/sync/batches.js'
import type { StageBatch, StagingTable } from '../../../src/modules/sync/staging.js'

/** The rows a batch stages in one table, each a list of its columns as COPY text. */
const rows = (batch: StageBatch, table: StagingTable) =>
  batch
    .rows(table)
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))

const warehouse: MarketWarehouse = { externalId: 'w1', name: 'Own warehouse', type: 'fbs' }

const card = (id: number, name = `Card ${id}`): MarketProduct => ({
  externalId: String(id),
  vendorCode: `V-${id}`,
  name,
  brand: null,
  category: null,
  barcodes: [],
  skus: [{ externalId: `${id}0`, size: null, barcodes: [] }]
})

/** A marketplace that lists `pages` and answers stock calls with 5 units of each SKU asked for, recording the calls. */
function catalogue(pages: MarketProduct[][]) {
  const stockCalls: string[][] = []
  const client: MarketplaceClient = {
    marketplace: 'wildberries',
    verifyCredentials: async () => undefined,
    async *products() {
      yield* pages
    },
    sellerWarehouses: async () => [warehouse],
    async *sellerStocks(skus: MarketSku[]) {
      stockCalls.push(skus.map((sku) => sku.externalId))
      yield skus.map((sku): MarketStock => ({ skuExternalId: sku.externalId, warehouse, quantity: 5, reserved: 0, inWayToClient: 0, inWayFromClient: 0 }))
    },
    async *fulfillmentStocks() {}
  }
  return { client, stockCalls }
}

async function read(client: MarketplaceClient): Promise<{ batches: StageBatch[]; progress: Progress }> {
  const progress: Progress = { pages: 0, productsSeen: 0, stockRows: 0 }
  const batches: StageBatch[] = []
  for await (const batch of readBatches(client, { marketplace: 'wildberries', batch: { next: 0 } }, progress)) batches.push(batch)
  return { batches, progress }
}

describe('readBatches', () => {
  it('should stage a card listed twice while its batch gathers once, as listed the second time, with its stock asked for and counted once', async () => {
    const { client, stockCalls } = catalogue([[card(1), card(2)], [card(3), card(1, 'Card 1, renamed mid-sync')]])

    const { batches, progress } = await read(client)

    expect(batches).toHaveLength(1)
    expect(rows(batches[0]!, 'products').map(([, id, , name]) => [id, name])).toEqual([
      ['1', 'Card 1, renamed mid-sync'],
      ['2', 'Card 2'],
      ['3', 'Card 3']
    ])
    expect(stockCalls).toEqual([['10', '20', '30']])
    expect(rows(batches[0]!, 'skus').map(([, , id]) => id)).toEqual(['10', '20', '30'])
    expect(rows(batches[0]!, 'stocks').map(([, sku, , quantity]) => [sku, quantity])).toEqual([
      ['10', '5'],
      ['20', '5'],
      ['30', '5']
    ])
    expect(progress).toEqual({ pages: 2, productsSeen: 4, stockRows: 3 })
  })

  it('should close a batch at 1,000 SKUs and fetch each batch’s stock with its own SKUs', async () => {
    const pages = Array.from({ length: 12 }, (_, page) => Array.from({ length: 100 }, (_, i) => card(page * 100 + i + 1)))
    const { client, stockCalls } = catalogue(pages)

    const { batches } = await read(client)

    expect(batches.map((b) => rows(b, 'products').length)).toEqual([1_000, 200])
    expect(stockCalls.map((call) => call.length)).toEqual([1_000, 200])
    expect(rows(batches[1]!, 'stocks')[0]![1]).toBe('10010')
    expect(rows(batches[1]!, 'stocks').map((row) => row.at(-1))).toEqual(Array(200).fill('1'))
  })
})
