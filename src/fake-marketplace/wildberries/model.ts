import { stockQuantity, take } from '../catalogue.js'
import { mix, pick } from '../prng.js'
import type { Seller } from '../sellers.js'

// Everything a Wildberries seller exposes, derived from the seller and an index; nothing is stored.

const SUBJECTS = [
  { id: 105, name: 'Футболки' },
  { id: 11, name: 'Платья' },
  { id: 184, name: 'Джинсы' },
  { id: 69, name: 'Кроссовки' },
  { id: 1429, name: 'Рюкзаки' },
  { id: 192, name: 'Худи' }
] as const
const BRANDS = ['Северный ветер', 'Lumo', 'Граница', 'Otto Berg', 'Мята', 'Kraft&Co'] as const
const SIZES = ['S', 'M', 'L', 'XL', 'XXL', '3XL', 'XS', '4XL', '5XL', '6XL'] as const
/** WB's own warehouses are shared by every seller, so their ids are fixed. */
const WB_WAREHOUSES = [
  'Коледино',
  'Электросталь',
  'Подольск',
  'Казань',
  'Краснодар',
  'Тула',
  'Невинномысск',
  'Екатеринбург'
]
const FIRST_WB_WAREHOUSE_ID = 507
/** Stock rows of WB warehouses are hashed apart from the seller's own ones. */
const WB_WAREHOUSE_STOCK_SALT = 1_000
const EPOCH = Date.UTC(2024, 0, 1)

export function nmId(seller: Seller, index: number): number {
  return seller.idBlock * 1_000_000 + index
}

/** Index of a card number of this seller, or undefined. */
export function indexOfNmId(seller: Seller, nmID: number): number | undefined {
  const index = nmID - seller.idBlock * 1_000_000
  return seller.catalogue.isActive(index) ? index : undefined
}

export function chrtId(seller: Seller, index: number, size: number): number {
  return nmId(seller, index) * 10 + size
}

/** Whether a size id belongs to an existing card of this seller. */
export function isKnownChrtId(seller: Seller, chrtID: number): boolean {
  const size = chrtID % 10
  return size < seller.config.sizesPerProduct && indexOfNmId(seller, Math.floor(chrtID / 10)) !== undefined
}

export function barcode(chrtID: number): string {
  return `20${String(chrtID).padStart(11, '0')}`
}

/** Strictly increasing with the index, so update-time order is index order and cursors are cheap. */
function updatedAtMs(seller: Seller, index: number): number {
  return EPOCH + (seller.seed % 86_400) * 1_000 + index * 1_000 + 123
}

export function card(seller: Seller, index: number) {
  const hash = mix(seller.seed, index)
  const subject = pick(SUBJECTS, hash)
  const brand = pick(BRANDS, hash >>> 8)
  const nmID = nmId(seller, index)
  const updatedAt = new Date(updatedAtMs(seller, index)).toISOString()
  return {
    nmID,
    imtID: nmID,
    nmUUID: `00000000-0000-4000-8000-${String(nmID).padStart(12, '0')}`,
    subjectID: subject.id,
    subjectName: subject.name,
    vendorCode: `WB-${seller.idBlock}-${index}`,
    brand,
    title: `${brand}: ${subject.name.toLowerCase()} №${index + 1}`,
    description: '',
    photos: [],
    video: '',
    characteristics: [],
    sizes: Array.from({ length: seller.config.sizesPerProduct }, (_, size) => {
      const chrtID = chrtId(seller, index, size)
      return { chrtID, techSize: SIZES[size] ?? String(size), wbSize: '', skus: [barcode(chrtID)] }
    }),
    tags: [],
    createdAt: updatedAt,
    updatedAt
  }
}

/** First index strictly after the cursor (update time, then card number), as WB's cursor works. */
export function indexAfterCursor(seller: Seller, updatedAt: string, nmID: number): number {
  const time = Date.parse(updatedAt)
  let low = 0
  let high = seller.catalogue.size
  while (low < high) {
    const middle = (low + high) >>> 1
    const middleTime = updatedAtMs(seller, middle)
    const after = middleTime > time || (middleTime === time && nmId(seller, middle) > nmID)
    if (after) high = middle
    else low = middle + 1
  }
  return low
}

export function cardsPage(seller: Seller, start: number, limit: number) {
  return take(seller.catalogue.activeFrom(start), limit).map((index) => card(seller, index))
}

export function sellerWarehouseId(seller: Seller, ordinal: number): number {
  return seller.idBlock * 1_000 + ordinal
}

/** Ordinal of one of the seller's warehouses, or undefined. */
export function sellerWarehouseOrdinal(seller: Seller, id: number): number | undefined {
  const ordinal = id - seller.idBlock * 1_000
  return Number.isInteger(ordinal) && ordinal >= 0 && ordinal < seller.config.sellerWarehouses ? ordinal : undefined
}

export function sellerWarehouses(seller: Seller) {
  return Array.from({ length: seller.config.sellerWarehouses }, (_, ordinal) => ({
    id: sellerWarehouseId(seller, ordinal),
    name: `Склад продавца ${ordinal + 1}`,
    officeId: 300 + ordinal,
    cargoType: 1,
    deliveryType: 1,
    isDeleting: false,
    isProcessing: false
  }))
}

/** The quantity `stockOverrides` sets for the card of a size, if any. */
function overriddenAmount(seller: Seller, chrtID: number): number | undefined {
  const index = indexOfNmId(seller, Math.floor(chrtID / 10))
  return index === undefined ? undefined : seller.config.stockOverrides[String(index)]
}

export function sellerStockAmount(seller: Seller, chrtID: number, warehouseOrdinal: number): number {
  return overriddenAmount(seller, chrtID) ?? stockQuantity(seller.seed, seller.config.stockVersion, chrtID, warehouseOrdinal)
}

export function wbWarehouse(ordinal: number): { id: number; name: string } {
  const name = WB_WAREHOUSES[ordinal % WB_WAREHOUSES.length] as string
  const round = Math.floor(ordinal / WB_WAREHOUSES.length)
  return { id: FIRST_WB_WAREHOUSE_ID + ordinal, name: round === 0 ? name : `${name} ${round + 1}` }
}

/** One page of the WB-warehouse stock report: a row per size per WB warehouse. */
export function stockReportPage(seller: Seller, offset: number, limit: number) {
  const { sizesPerProduct, fboWarehouses, stockVersion } = seller.config
  const rows = seller.catalogue.rowsFrom(offset, sizesPerProduct * fboWarehouses)
  return take(rows, limit).map(({ index, row }) => {
    const ordinal = row % fboWarehouses
    const chrtID = chrtId(seller, index, Math.floor(row / fboWarehouses))
    const warehouse = wbWarehouse(ordinal)
    const hash = mix(seller.seed, chrtID, ordinal)
    return {
      nmId: nmId(seller, index),
      chrtId: chrtID,
      warehouseId: warehouse.id,
      warehouseName: warehouse.name,
      regionName: 'Центральный',
      quantity: overriddenAmount(seller, chrtID) ?? stockQuantity(seller.seed, stockVersion, chrtID, WB_WAREHOUSE_STOCK_SALT + ordinal),
      inWayToClient: hash % 3,
      inWayFromClient: (hash >>> 4) % 2
    }
  })
}
