import { Type, type Static } from '@sinclair/typebox'
import { Catalogue } from './catalogue.js'
import { hashString } from './prng.js'

export const SellerInputSchema = Type.Object({
  marketplace: Type.Union([Type.Literal('wildberries'), Type.Literal('ozon')]),
  /** Wildberries token or Ozon Api-Key; unique across the fake. */
  apiKey: Type.String({ minLength: 1 }),
  /** Ozon Client-Id; required for Ozon sellers. */
  clientId: Type.Optional(Type.String({ minLength: 1 })),
  products: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  /** Wildberries sizes (chrtIDs) per card. */
  sizesPerProduct: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  sellerWarehouses: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  fboWarehouses: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  /** Bump between syncs to change some stock quantities. */
  stockVersion: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Wildberries: fixed quantities by product index (0-based, as a string key); every stock row of the product reports
   * it, in seller and marketplace warehouses alike. Lets a test drive one product low, out and restocked.
   */
  stockOverrides: Type.Optional(Type.Record(Type.String({ pattern: '^\\d+$' }), Type.Integer({ minimum: 0 }))),
  /** Product indexes (0-based) that no longer exist, so a sync can archive them. */
  removedProducts: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
  /** The key is valid but lacks the role or category: every route answers 403. */
  missingScope: Type.Optional(Type.Boolean()),
  /** Wildberries stock report wrapped in a top-level `data` object (WB's shape is unconfirmed). */
  wrapStockReport: Type.Optional(Type.Boolean())
})

export const SellerPatchSchema = Type.Partial(Type.Omit(SellerInputSchema, ['marketplace', 'apiKey']))

export type SellerInput = Static<typeof SellerInputSchema>
export type SellerPatch = Static<typeof SellerPatchSchema>
export type SellerConfig = Required<Omit<SellerInput, 'clientId'>> & Pick<SellerInput, 'clientId'>

// The minimal fake-server contracts ask for at least three pages of products at the maximum page size.
const DEFAULTS = {
  wildberries: { products: 250, sellerWarehouses: 3 },
  ozon: { products: 2_500, sellerWarehouses: 2 }
} as const

function withDefaults(input: SellerInput): SellerConfig {
  if (input.marketplace === 'ozon' && !input.clientId) throw new Error('an Ozon seller needs a clientId')
  const defaults = DEFAULTS[input.marketplace]
  return {
    sizesPerProduct: 3,
    fboWarehouses: 3,
    stockVersion: 0,
    stockOverrides: {},
    removedProducts: [],
    missingScope: false,
    wrapStockReport: false,
    ...defaults,
    ...input
  }
}

/** One fake seller account: its settings plus what its catalogue is derived from. */
export class Seller {
  /** Everything generated for the seller hangs off this, so two keys give two different sellers. */
  readonly seed: number
  /** Keeps the ids of different sellers in different ranges. */
  readonly idBlock: number
  readonly catalogue: Catalogue

  constructor(readonly config: Readonly<SellerConfig>) {
    this.seed = hashString(`${config.marketplace}:${config.clientId ?? ''}:${config.apiKey}`)
    this.idBlock = (this.seed % 800_000) + 1
    this.catalogue = new Catalogue(config.products, config.removedProducts)
  }
}

export class SellerRegistry {
  private readonly sellers = new Map<string, Seller>()

  /** Adds the seller or replaces the one with the same key. */
  upsert(input: SellerInput): SellerConfig {
    const seller = new Seller(withDefaults(input))
    this.sellers.set(input.apiKey, seller)
    return seller.config
  }

  /** Changes some settings of an existing seller (stock version, removed products…). */
  update(apiKey: string, patch: SellerPatch): SellerConfig | undefined {
    const current = this.sellers.get(apiKey)
    return current ? this.upsert({ ...current.config, ...patch }) : undefined
  }

  remove(apiKey: string): boolean {
    return this.sellers.delete(apiKey)
  }

  get(apiKey: string): Seller | undefined {
    return this.sellers.get(apiKey)
  }

  list(): SellerConfig[] {
    return [...this.sellers.values()].map((seller) => seller.config)
  }

  replaceAll(inputs: readonly SellerInput[]): void {
    this.sellers.clear()
    for (const input of inputs) this.upsert(input)
  }
}
