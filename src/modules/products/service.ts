import { createHash } from 'node:crypto'
import type { Cache } from '../../cache/cache.js'
import { writeTenant } from '../../cache/tenant-write.js'
import type { Database, Db } from '../../db/database.js'
import { invalid, notFound } from '../../errors.js'
import type { CursorSigner } from '../../security/cursors.js'
import { refreshAlerts } from '../alerts/repository.js'
import { recordAudit } from '../audit/repository.js'
import type { AuthContext } from '../auth/context.js'
import { FORECAST_METHOD, forecastByWarehouse } from '../forecast/days-of-stock.js'
import { findProductObservations } from '../forecast/repository.js'
import * as repo from './repository.js'
import { toProductDetail, toProductItem } from './responses.js'
import { TotalsCache } from './totals-cache.js'
import { HISTORY_MAX_SPAN_DAYS, type ProductDetail, type ProductPage, type ProductHistoryQuery, type ProductListQuery, type ProductSortField } from './schemas.js'

const DAY_MS = 86_400_000
const HISTORY_DEFAULT_DAYS = 30

function parseSort(sort: string): repo.ProductOrder {
  const descending = sort.startsWith('-')
  return { field: (descending ? sort.slice(1) : sort) as ProductSortField, descending }
}

const KEY_CHECKS: Record<ProductSortField, (key: unknown) => boolean> = {
  name: (key) => typeof key === 'string',
  total_stock: Number.isInteger,
  days_of_stock: (key) => key === null || Number.isFinite(key),
  updated_at: (key) => typeof key === 'string'
}

/**
 * The cache key of a page: its normalised query as JSON while that is short (a first page without a search, say), a
 * hash of it otherwise. Hashing every query cost a twentieth of a cached page; a JSON key starts with `[`, which a
 * base64url hash never does, so the two kinds cannot meet.
 */
function pageKey(filter: repo.ProductFilter, sort: string, after: repo.Keyset | null, limit: number): string {
  const json = JSON.stringify([filter, sort, after, limit])
  return json.length <= 64 ? json : createHash('sha256').update(json).digest('base64url')
}

export class ProductsService {
  readonly #totals = new TotalsCache({ maxEntries: 10_000, ttlMs: 30_000 })

  constructor(private readonly deps: { db: Database; cursors: CursorSigner; cache: Cache; cacheTtlSeconds: number }) {}

  /** A cursor is only good for the sort it was made for; any other string is a client error, not a 500. */
  #decodeCursor(cursor: string, sort: string): repo.Keyset {
    const values = this.deps.cursors.decode(cursor)
    const field = parseSort(sort).field
    if (!values || values.length !== 3 || values[0] !== sort || typeof values[2] !== 'string' || !KEY_CHECKS[field](values[1])) {
      throw invalid('cursor', 'is not a cursor of this list and sort order')
    }
    return { key: values[1] as repo.Keyset['key'], id: values[2] }
  }

  /**
   * A page is cached per tenant under a hash of the normalised query (filter, order, position, size): the sync's
   * merge and threshold changes invalidate the tenant's cache, so a cached page is never older than the last write.
   */
  async list(auth: Pick<AuthContext, 'tenantId' | 'startedAt'>, query: ProductListQuery): Promise<ProductPage> {
    const after = query.cursor ? this.#decodeCursor(query.cursor, query.sort) : null
    const q = query.q?.trim()
    const filter: repo.ProductFilter = {
      ...(q ? { q } : {}),
      marketplaceType: query.marketplace_type,
      warehouseId: query.warehouse_id,
      inStock: query.in_stock,
      lowStock: query.low_stock,
      archived: query.archived
    }
    const key = `products:${pageKey(filter, query.sort, after, query.limit)}`
    return this.deps.cache.tenant(auth.tenantId, auth.startedAt).wrap(key, this.deps.cacheTtlSeconds, () => this.#page(auth.tenantId, filter, query.sort, after, query.limit))
  }

  async #page(tenantId: string, filter: repo.ProductFilter, sort: string, after: repo.Keyset | null, limit: number): Promise<ProductPage> {
    const order = parseSort(sort)
    const totalKey = `${tenantId}:${JSON.stringify(filter)}`
    const { db } = this.deps
    // One row past the page tells whether another page follows.
    const rows = await repo.listProducts(db, tenantId, filter, order, after, limit + 1)
    const version = rows[0]?.catalogueVersion
    let total = version === undefined ? undefined : this.#totals.get(totalKey, version)
    if (total === undefined) {
      total = await repo.countProducts(db, tenantId, filter)
      if (version !== undefined) this.#totals.set(totalKey, version, total)
    }
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map(toProductItem),
      next_cursor: rows.length > limit && last ? this.deps.cursors.encode([sort, repo.keyOf(last, order.field), last.id]) : null,
      total
    }
  }

  async get(auth: Pick<AuthContext, 'tenantId'>, id: string): Promise<ProductDetail> {
    return this.deps.db.tenant(auth.tenantId, (tx) => this.#detail(tx, auth.tenantId, id))
  }

  async setThreshold(auth: AuthContext, id: string, threshold: number | null): Promise<ProductDetail> {
    return writeTenant(this.deps, auth.tenantId, async (tx) => {
      const before = await repo.findProduct(tx, auth.tenantId, id)
      if (!before) throw notFound('Product')
      await repo.updateThreshold(tx, auth.tenantId, id, threshold)
      await refreshAlerts(tx, auth.tenantId, { productId: id })
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'product.updated',
        target: { type: 'product', id },
        details: { low_stock_threshold: { from: before.lowStockThreshold, to: threshold } }
      })
      return this.#detail(tx, auth.tenantId, id)
    })
  }

  async history(auth: Pick<AuthContext, 'tenantId'>, id: string, query: ProductHistoryQuery) {
    const to = query.to ? new Date(query.to) : new Date()
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - HISTORY_DEFAULT_DAYS * DAY_MS)
    if (from > to) throw invalid('from', 'must not be after `to`')
    if (to.getTime() - from.getTime() > HISTORY_MAX_SPAN_DAYS * DAY_MS) throw invalid('to', `must be at most ${HISTORY_MAX_SPAN_DAYS} days after \`from\``)
    const { tenantId } = auth
    const rows = await this.deps.db.tenant(tenantId, async (tx) => {
      if (!(await repo.findProduct(tx, tenantId, id))) throw notFound('Product')
      return repo.listHistory(tx, tenantId, id, { from, to, warehouseId: query.warehouse_id }, query.limit + 1)
    })
    return {
      items: rows.slice(0, query.limit).map((row) => ({
        recorded_at: row.recordedAt.toISOString(),
        warehouse_id: row.warehouseId,
        sku_id: row.skuId,
        quantity: row.quantity,
        reserved: row.reserved,
        in_way_to_client: row.inWayToClient,
        in_way_from_client: row.inWayFromClient
      })),
      truncated: rows.length > query.limit
    }
  }

  async #detail(tx: Db, tenantId: string, id: string): Promise<ProductDetail> {
    const product = await repo.findProduct(tx, tenantId, id)
    if (!product) throw notFound('Product')
    const skus = await repo.listSkus(tx, tenantId, id)
    const levels = await repo.listStockLevels(tx, tenantId, id)
    const { now, series } = await findProductObservations(tx, tenantId, id)
    const observations = new Map(series.map((s) => [`${s.skuId}/${s.warehouseId}`, s.observations]))
    const forecast = forecastByWarehouse(
      levels.map((level) => ({
        skuId: level.skuId,
        warehouseId: level.warehouse.id,
        quantity: level.quantity,
        observations: observations.get(`${level.skuId}/${level.warehouse.id}`) ?? []
      })),
      now
    )
    return toProductDetail({ product, skus, levels, forecast, method: FORECAST_METHOD })
  }
}
