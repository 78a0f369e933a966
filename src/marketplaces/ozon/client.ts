import { MarketplaceAuthError } from '../errors.js'
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
import { ENDPOINTS, FBO_PAGE_LIMIT, FBS_SKUS_PER_CALL, OZON_HOST, PRODUCT_PAGE_LIMIT } from './endpoints.js'
import {
  fboStocksResponse,
  fbsStocksResponse,
  productInfoResponse,
  productListResponse,
  warehouseListResponse,
  type OzonFboRow,
  type OzonProductInfo
} from './schemas.js'

export class OzonClient implements MarketplaceClient {
  readonly marketplace = 'ozon'
  private readonly transport: Transport
  private readonly baseUrl: string

  constructor(
    credentials: MarketplaceCredentials,
    private readonly options: MarketplaceClientOptions
  ) {
    if (!credentials.clientId) {
      throw new MarketplaceAuthError({ marketplace: this.marketplace, detail: 'Ozon credentials need a client id' })
    }
    this.transport = new Transport({
      marketplace: this.marketplace,
      headers: { 'client-id': credentials.clientId, 'api-key': credentials.apiKey },
      secrets: [credentials.apiKey, credentials.clientId],
      options
    })
    this.baseUrl = options.baseUrl ?? OZON_HOST
  }

  async verifyCredentials(): Promise<void> {
    // Ozon has no ping; one product is the cheapest read that needs a valid key with a product role.
    await this.transport.send({
      endpoint: ENDPOINTS.productList,
      baseUrl: this.baseUrl,
      body: { filter: { visibility: 'ALL' }, last_id: '', limit: 1 },
      response: productListResponse,
      deadlineMs: this.options.verifyTimeoutMs
    })
  }

  async *products(): AsyncIterable<MarketProduct[]> {
    let lastId = ''
    for (;;) {
      const { result } = await this.transport.send({
        endpoint: ENDPOINTS.productList,
        baseUrl: this.baseUrl,
        body: { filter: { visibility: 'ALL' }, last_id: lastId, limit: PRODUCT_PAGE_LIMIT },
        response: productListResponse
      })
      if (result.items.length > 0) yield await this.describe(result.items.map((item) => item.product_id))
      if (result.items.length < PRODUCT_PAGE_LIMIT || !result.last_id) return
      lastId = result.last_id
    }
  }

  async sellerWarehouses(): Promise<MarketWarehouse[]> {
    const { result } = await this.transport.send({
      endpoint: ENDPOINTS.warehouseList,
      baseUrl: this.baseUrl,
      body: {},
      response: warehouseListResponse
    })
    return result.map((warehouse) => ({
      externalId: String(warehouse.warehouse_id),
      name: warehouse.name,
      type: 'fbs'
    }))
  }

  async *sellerStocks(skus: MarketSku[], warehouses: MarketWarehouse[]): AsyncIterable<MarketStock[]> {
    if (warehouses.length === 0) return
    const wanted = new Map(warehouses.map((warehouse) => [warehouse.externalId, warehouse]))
    for (const batch of chunks(
      skus.map((sku) => Number(sku.externalId)),
      FBS_SKUS_PER_CALL
    )) {
      const { result } = await this.transport.send({
        endpoint: ENDPOINTS.fbsStocks,
        baseUrl: this.baseUrl,
        body: { sku: batch },
        response: fbsStocksResponse
      })
      const stocks: MarketStock[] = []
      for (const row of result) {
        // One call covers every warehouse; keep to the ones asked for, as the Wildberries client does.
        const warehouse = wanted.get(String(row.warehouse_id))
        if (!warehouse) continue
        stocks.push({
          skuExternalId: String(row.sku),
          warehouse,
          quantity: row.present,
          reserved: row.reserved,
          inWayToClient: 0,
          inWayFromClient: 0
        })
      }
      yield stocks
    }
  }

  async *fulfillmentStocks(): AsyncIterable<MarketStock[]> {
    const pages = offsetPages(FBO_PAGE_LIMIT, async (offset, limit) => {
      const { result } = await this.transport.send({
        endpoint: ENDPOINTS.fboStocks,
        baseUrl: this.baseUrl,
        body: { limit, offset, warehouse_type: 'ALL' },
        response: fboStocksResponse
      })
      return result.rows
    })
    for await (const rows of pages) yield rows.map(toFulfillmentStock)
  }

  /** Names, barcodes and SKUs of one product-list page, in the page's order. */
  private async describe(productIds: number[]): Promise<MarketProduct[]> {
    const { items } = await this.transport.send({
      endpoint: ENDPOINTS.productInfo,
      baseUrl: this.baseUrl,
      body: { product_id: productIds },
      response: productInfoResponse
    })
    const byId = new Map(items.map((item) => [item.id, item]))
    // A product deleted between the two calls is simply absent from this page.
    return productIds.flatMap((id) => {
      const item = byId.get(id)
      return item ? [toProduct(item)] : []
    })
  }
}

function toProduct(item: OzonProductInfo): MarketProduct {
  const barcodes = item.barcodes ?? []
  const sku = item.sku ?? item.sources?.[0]?.sku
  return {
    externalId: String(item.id),
    vendorCode: item.offer_id || null,
    name: item.name || item.offer_id || String(item.id),
    // Brand and category need the attribute and category-tree endpoints; the sync does not use them yet.
    brand: null,
    category: null,
    barcodes,
    skus: sku == null ? [] : [{ externalId: String(sku), size: null, barcodes }]
  }
}

function toFulfillmentStock(row: OzonFboRow): MarketStock {
  return {
    skuExternalId: String(row.sku),
    // Ozon's own warehouses are identified by name in this report.
    warehouse: { externalId: row.warehouse_name, name: row.warehouse_name, type: 'fbo' },
    quantity: row.free_to_sell_amount,
    reserved: row.reserved_amount ?? 0,
    inWayToClient: 0,
    inWayFromClient: 0
  }
}
