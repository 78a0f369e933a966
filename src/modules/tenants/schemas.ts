import { Type, type Static } from '@sinclair/typebox'
import { MarketplaceType, Timestamp } from '../../schemas.js'
import { PLAN_NAMES } from './plans.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const Limit = Type.Union([Type.Integer(), Type.Null()], { description: 'null = unlimited' })

export const CredentialMetadata = Type.Object({
  marketplace_type: MarketplaceType,
  configured_at: Timestamp,
  api_key_last4: Type.String({ description: 'Last four characters of the API key; the key itself is never returned' }),
  status: Type.Union([Type.Literal('valid'), Type.Literal('unverified'), Type.Literal('invalid')]),
  status_detail: Nullable(Type.String()),
  verified_at: Nullable(Timestamp)
})

export const Tenant = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  marketplace_type: MarketplaceType,
  created_at: Timestamp,
  subscription: Type.Object({
    plan: Type.Union(PLAN_NAMES.map((p) => Type.Literal(p))),
    status: Type.String(),
    limits: Type.Object({
      products: Limit,
      users: Limit,
      sync_interval_minutes: Type.Integer(),
      manual_syncs_per_day: Limit,
      api_requests_per_minute: Type.Integer()
    })
  }),
  low_stock_threshold: Type.Integer({ description: 'Default low-stock threshold for products without their own' }),
  low_stock_days: Type.Union([Type.Integer(), Type.Null()], { description: 'Products with fewer days of stock left are low too; null: not used' }),
  credentials: Type.Array(CredentialMetadata),
  sync: Type.Object({
    last_success_at: Nullable(Timestamp),
    last_error: Type.Union([Type.Object({ code: Type.String(), detail: Nullable(Type.String()), at: Timestamp }), Type.Null()]),
    stale: Type.Boolean({ description: 'The last successful sync is older than twice the plan’s interval (or there was none)' }),
    active_job_id: Nullable(Type.String({ format: 'uuid' }))
  })
})

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })

/** `company_name` is the sign-up field's name; accepted here too so clients can use one word for one thing. */
export const UpdateTenantBody = Type.Object(
  {
    name: Type.Optional(Name),
    company_name: Type.Optional({ ...Name, description: 'Alias of `name`; give one of the two' }),
    low_stock_threshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Default threshold of products without their own (owner, admin)' })),
    low_stock_days: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], { description: 'Alert when fewer days of stock are left; null turns it off (owner, admin)' })
    )
  },
  { additionalProperties: false, minProperties: 1, description: 'Renaming is for the owner; thresholds for the owner and admins' }
)
export type UpdateTenantBody = Static<typeof UpdateTenantBody>

export const CredentialsBody = Type.Object(
  {
    marketplace_type: MarketplaceType,
    api_key: Type.String({ minLength: 8, maxLength: 4096, pattern: '^\\S+$' }),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$', description: 'Required for ozon' }))
  },
  { additionalProperties: false }
)

export const MarketplaceParams = Type.Object({ marketplace_type: MarketplaceType })
