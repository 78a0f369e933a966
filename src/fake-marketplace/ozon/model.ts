import { stockQuantity, take } from '../catalogue.js'
import { mix, pick } from '../prng.js'
import type { Seller } from '../sellers.js'

// Everything an Ozon seller exposes, derived from the seller and an index; nothing is stored.

const NAMES = ['Кружка керамическая', 'Термос стальной', 'Настольная лампа', 'Коврик для йоги', 'Рюкзак городской']
const OZON_WAREHOUSES = ['ХОРУГВИНО_РФЦ', 'ТВЕРЬ_РФЦ', 'ПУШКИНО_1_РФЦ', 'НОГИНСК_РФЦ', 'КАЗАНЬ_РФЦ', 'ЕКАТЕРИНБУРГ_РФЦ']
/** Stock rows of Ozon warehouses are hashed apart from the seller's own ones. */
const OZON_WAREHOUSE_STOCK_SALT = 1_000
/** Ozon SKUs live in a different number range from product ids, as on the real API. */
const SKU_OFFSET = 1_000_000_000_000
const WAREHOUSE_ID_BASE = 1_020_000_000_000_000
const EPOCH = Date.UTC(2024, 0, 1)

export function productId(seller: Seller, index: number): number {
  return seller.idBlock * 1_000_000 + index
}

export function sku(seller: Seller, index: number): number {
  return SKU_OFFSET + productId(seller, index)
}

export function indexOfProductId(seller: Seller, id: number): number | undefined {
  const index = id - seller.idBlock * 1_000_000
  return seller.catalogue.isActive(index) ? index : undefined
}

export function indexOfSku(seller: Seller, value: number): number | undefined {
  return indexOfProductId(seller, value - SKU_OFFSET)
}

export function offerId(seller: Seller, index: number): string {
  return `OZ-${seller.idBlock}-${index}`
}

function productName(seller: Seller, index: number): string {
  return `${pick(NAMES, mix(seller.seed, index))} ${index + 1}`
}

/** Opaque paging token of the next index, in the spirit of Ozon's base64 `last_id`. */
export function encodePosition(index: number): string {
  return Buffer.from(JSON.stringify([index])).toString('base64')
}

/** Index a paging token points at, or undefined when it is not one of ours. */
export function decodePosition(token: string): number | undefined {
  if (token === '') return 0
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'))
    const index = Array.isArray(parsed) ? parsed[0] : undefined
    return Number.isInteger(index) && index >= 0 ? (index as number) : undefined
  } catch {
    return undefined
  }
}

/** Existing product indexes from `start`, at most `limit`, and the token of the page after them. */
export function productPage(seller: Seller, start: number, limit: number) {
  const indexes = take(seller.catalogue.activeFrom(start), limit)
  const last = indexes.at(-1)
  return { indexes, lastId: last === undefined ? '' : encodePosition(last + 1) }
}

export function listItem(seller: Seller, index: number) {
  return {
    product_id: productId(seller, index),
    offer_id: offerId(seller, index),
    archived: false,
    has_fbo_stocks: true,
    has_fbs_stocks: seller.config.sellerWarehouses > 0,
    is_discounted: false,
    quants: []
  }
}

export function barcode(seller: Seller, index: number): string {
  return `46${String(sku(seller, index) % 100_000_000_000).padStart(11, '0')}`
}

export function sellerWarehouseId(seller: Seller, ordinal: number): number {
  return WAREHOUSE_ID_BASE + seller.idBlock * 1_000 + ordinal
}

function sellerWarehouseName(ordinal: number): string {
  return `Склад FBS ${ordinal + 1}`
}

export function sellerWarehouses(seller: Seller) {
  return Array.from({ length: seller.config.sellerWarehouses }, (_, ordinal) => ({
    warehouse_id: sellerWarehouseId(seller, ordinal),
    name: sellerWarehouseName(ordinal),
    is_rfbs: false,
    status: 'created',
    has_entrusted_acceptance: false,
    can_print_act_in_advance: false
  }))
}

/** Seller-warehouse stock of one product: what is present and what is reserved for orders. */
export function sellerStock(seller: Seller, index: number, ordinal: number) {
  const itemSku = sku(seller, index)
  const present = stockQuantity(seller.seed, seller.config.stockVersion, itemSku, ordinal)
  const reserved = Math.min(present, mix(seller.seed, seller.config.stockVersion, itemSku, ordinal) % 3)
  return { present, reserved }
}

/** /v1/product/info/stocks-by-warehouse/fbs rows: one per requested SKU per seller warehouse. */
export function fbsStockRows(seller: Seller, skus: readonly number[]) {
  const rows = []
  for (const requested of skus) {
    const index = indexOfSku(seller, requested)
    if (index === undefined) continue
    for (let ordinal = 0; ordinal < seller.config.sellerWarehouses; ordinal++) {
      rows.push({
        sku: requested,
        product_id: productId(seller, index),
        ...sellerStock(seller, index, ordinal),
        warehouse_id: sellerWarehouseId(seller, ordinal),
        warehouse_name: sellerWarehouseName(ordinal)
      })
    }
  }
  return rows
}

/** Stock summed over `warehouses` warehouses, as Ozon's per-scheme totals report it. */
function totalStock(warehouses: number, stockIn: (ordinal: number) => { present: number; reserved: number }) {
  let present = 0
  let reserved = 0
  for (let ordinal = 0; ordinal < warehouses; ordinal++) {
    const stock = stockIn(ordinal)
    present += stock.present
    reserved += stock.reserved
  }
  return { present, reserved }
}

function totalSellerStock(seller: Seller, index: number) {
  return totalStock(seller.config.sellerWarehouses, (ordinal) => sellerStock(seller, index, ordinal))
}

export function infoItem(seller: Seller, index: number) {
  const itemSku = sku(seller, index)
  const price = 100 + (mix(seller.seed, index, 1) % 5_000)
  const timestamp = new Date(EPOCH + index * 1_000).toISOString()
  const stock = totalSellerStock(seller, index)
  return {
    id: productId(seller, index),
    offer_id: offerId(seller, index),
    name: productName(seller, index),
    barcodes: [barcode(seller, index)],
    sku: itemSku,
    sources: [{ sku: itemSku, source: 'sds', shipment_type: 'SHIPMENT_TYPE_GENERAL' }],
    currency_code: 'RUB',
    price: `${price}.00`,
    old_price: `${price + 100}.00`,
    min_price: '0.00',
    stocks: {
      has_stock: stock.present > 0,
      stocks: [{ present: stock.present, reserved: stock.reserved, sku: itemSku, source: 'fbs' }]
    },
    created_at: timestamp,
    updated_at: timestamp,
    is_archived: false,
    statuses: { status: 'price_sent' }
  }
}

export function ozonWarehouseName(ordinal: number): string {
  const name = OZON_WAREHOUSES[ordinal % OZON_WAREHOUSES.length] as string
  const round = Math.floor(ordinal / OZON_WAREHOUSES.length)
  return round === 0 ? name : `${name}_${round + 1}`
}

export function fulfillmentStock(seller: Seller, index: number, ordinal: number) {
  const itemSku = sku(seller, index)
  const present = stockQuantity(seller.seed, seller.config.stockVersion, itemSku, OZON_WAREHOUSE_STOCK_SALT + ordinal)
  const hash = mix(seller.seed, itemSku, ordinal)
  return { present, promised: hash % 4, reserved: (hash >>> 4) % 3 }
}

/** One page of /v2/analytics/stock_on_warehouses: a row per product per Ozon warehouse. */
export function stockOnWarehousesPage(seller: Seller, offset: number, limit: number) {
  const { fboWarehouses } = seller.config
  return take(seller.catalogue.rowsFrom(offset, fboWarehouses), limit).map(({ index, row }) => {
    const stock = fulfillmentStock(seller, index, row)
    return {
      sku: sku(seller, index),
      item_code: offerId(seller, index),
      item_name: productName(seller, index),
      free_to_sell_amount: stock.present,
      promised_amount: stock.promised,
      reserved_amount: stock.reserved,
      warehouse_name: ozonWarehouseName(row)
    }
  })
}

/** One /v4/product/info/stocks item: totals per scheme. */
export function stocksItem(seller: Seller, index: number) {
  const itemSku = sku(seller, index)
  const fbs = totalSellerStock(seller, index)
  const fbo = totalStock(seller.config.fboWarehouses, (ordinal) => fulfillmentStock(seller, index, ordinal))
  const warehouseIds = Array.from({ length: seller.config.sellerWarehouses }, (_, ordinal) =>
    String(sellerWarehouseId(seller, ordinal))
  )
  return {
    product_id: productId(seller, index),
    offer_id: offerId(seller, index),
    stocks: [
      {
        type: 'fbs',
        sku: itemSku,
        present: fbs.present,
        reserved: fbs.reserved,
        shipment_type: 'SHIPMENT_TYPE_GENERAL',
        warehouse_ids: warehouseIds
      },
      {
        type: 'fbo',
        sku: itemSku,
        present: fbo.present,
        reserved: fbo.reserved,
        shipment_type: 'SHIPMENT_TYPE_GENERAL',
        warehouse_ids: []
      }
    ]
  }
}
