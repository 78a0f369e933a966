import { chunks, offsetPages } from '../http/paging.js'
import { Transport } from '../http/transport.js'
import type {
  MarketplaceClient,
  MarketplaceClientOptions,
  MarketplaceCredentials,
  MarketProduct,
  MarketSku,
  MarketStock,
  MarketWarehouse
} from '../types.js'
import {
  CARDS_PAGE_LIMIT,
  ENDPOINTS,
  STOCK_CALLS_IN_FLIGHT,
  STOCK_IDS_PER_CALL,
  STOCK_REPORT_PAGE_LIMIT,
  WILDBERRIES_HOSTS
} from './endpoints.js'
import {
  cardsListResponse,
  pingResponse,
  stockReportResponse,
  stocksResponse,
  warehousesResponse,
  type WildberriesCard,
  type WildberriesStockReportRow
} from './schemas.js'

interface CardsCursor {
  limit: number
  updatedAt?: string
  nmID?: number
}

export class WildberriesClient implements MarketplaceClient {
  readonly marketplace = 'wildberries'
  private readonly transport: Transport
  private readonly hosts: Record<keyof typeof WILDBERRIES_HOSTS, string>

  constructor(
    credentials: MarketplaceCredentials,
    private readonly options: MarketplaceClientOptions
  ) {
    this.transport = new Transport({
      marketplace: this.marketplace,
      // WB documents the raw token; the "Bearer" prefix some clients send is not confirmed.
      headers: { authorization: credentials.apiKey },
      secrets: [credentials.apiKey],
      options
    })
    const base = options.baseUrl
    this.hosts = base ? { content: base, marketplace: base, analytics: base } : { ...WILDBERRIES_HOSTS }
  }

  async verifyCredentials(): Promise<void> {
    // /ping on the content host also proves the token carries the Content category the sync starts with.
    await this.transport.send({
      endpoint: ENDPOINTS.ping,
      baseUrl: this.hosts.content,
      response: pingResponse,
      deadlineMs: this.options.verifyTimeoutMs
    })
  }

  async *products(): AsyncIterable<MarketProduct[]> {
    let cursor: CardsCursor = { limit: CARDS_PAGE_LIMIT }
    for (;;) {
      const page = await this.transport.send({
        endpoint: ENDPOINTS.cardsList,
        baseUrl: this.hosts.content,
        // Ascending by update time: a card edited mid-sync moves behind the cursor and is seen again,
        // rather than skipped.
        body: { settings: { sort: { ascending: true }, filter: { withPhoto: -1 }, cursor } },
        response: cardsListResponse
      })
      if (page.cards.length > 0) yield page.cards.map(toProduct)
      const { updatedAt, nmID, total } = page.cursor
      if (total < CARDS_PAGE_LIMIT || page.cards.length === 0 || !updatedAt || nmID == null) return
      cursor = { limit: CARDS_PAGE_LIMIT, updatedAt, nmID }
    }
  }

  async sellerWarehouses(): Promise<MarketWarehouse[]> {
    const warehouses = await this.transport.send({
      endpoint: ENDPOINTS.warehouses,
      baseUrl: this.hosts.marketplace,
      response: warehousesResponse
    })
    return warehouses.map((warehouse) => ({ externalId: String(warehouse.id), name: warehouse.name, type: 'fbs' }))
  }

  async *sellerStocks(skus: MarketSku[], warehouses: MarketWarehouse[]): AsyncIterable<MarketStock[]> {
    const chrtIds = skus.map((sku) => Number(sku.externalId))
    for (const batch of chunks(chrtIds, STOCK_IDS_PER_CALL)) {
      // One call per warehouse, a few at a time: the pacer still spaces them, and their round trips overlap.
      for (const group of chunks(warehouses, STOCK_CALLS_IN_FLIGHT)) {
        const answers = await Promise.all(group.map((warehouse) => this.warehouseStocks(warehouse, batch)))
        yield* answers
      }
    }
  }

  private async warehouseStocks(warehouse: MarketWarehouse, chrtIds: number[]): Promise<MarketStock[]> {
    const { stocks } = await this.transport.send({
      endpoint: ENDPOINTS.stocks,
      baseUrl: this.hosts.marketplace,
      path: `/api/v3/stocks/${encodeURIComponent(warehouse.externalId)}`,
      body: { chrtIds },
      response: stocksResponse
    })
    return stocks.map((stock) => ({
      skuExternalId: String(stock.chrtId),
      warehouse,
      quantity: stock.amount,
      // The seller-warehouse endpoint reports only the amount on hand.
      reserved: 0,
      inWayToClient: 0,
      inWayFromClient: 0
    }))
  }

  async *fulfillmentStocks(): AsyncIterable<MarketStock[]> {
    const pages = offsetPages(STOCK_REPORT_PAGE_LIMIT, async (offset, limit) => {
      const body = await this.transport.send({
        endpoint: ENDPOINTS.stockReport,
        baseUrl: this.hosts.analytics,
        body: { limit, offset },
        response: stockReportResponse
      })
      return 'data' in body ? body.data.items : body.items
    })
    for await (const rows of pages) yield rows.map(toFulfillmentStock)
  }
}

function toProduct(card: WildberriesCard): MarketProduct {
  const skus = (card.sizes ?? []).map((size): MarketSku => ({
    externalId: String(size.chrtID),
    size: size.techSize || size.wbSize || null,
    barcodes: size.skus ?? []
  }))
  return {
    externalId: String(card.nmID),
    vendorCode: card.vendorCode || null,
    name: card.title || card.vendorCode || String(card.nmID),
    brand: card.brand || null,
    category: card.subjectName || null,
    barcodes: [...new Set(skus.flatMap((sku) => sku.barcodes))],
    skus
  }
}

function toFulfillmentStock(row: WildberriesStockReportRow): MarketStock {
  return {
    skuExternalId: String(row.chrtId),
    warehouse: { externalId: String(row.warehouseId), name: row.warehouseName, type: 'fbo' },
    quantity: row.quantity,
    // The report has no reservation column; goods on their way to buyers are reported separately.
    reserved: 0,
    inWayToClient: row.inWayToClient ?? 0,
    inWayFromClient: row.inWayFromClient ?? 0
  }
}
