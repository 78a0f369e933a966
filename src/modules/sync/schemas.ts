import { Type } from '@sinclair/typebox'
import { MarketplaceType, Timestamp } from '../../schemas.js'

const NullableTimestamp = Type.Union([Timestamp, Type.Null()])

export const SyncStatus = Type.Union(['queued', 'running', 'succeeded', 'failed'].map((s) => Type.Literal(s)))

export const SyncJob = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: SyncStatus,
    trigger: Type.Union([Type.Literal('manual'), Type.Literal('scheduled')]),
    marketplaces: Type.Array(MarketplaceType),
    attempts: Type.Integer(),
    progress: Type.Object({ pages: Type.Integer(), products: Type.Integer(), stock_rows: Type.Integer() }),
    truncated: Type.Boolean({ description: 'The plan’s product quota cut the catalogue; see error.detail' }),
    error: Type.Union([Type.Object({ code: Type.String(), detail: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    requested_by: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    created_at: Timestamp,
    started_at: NullableTimestamp,
    finished_at: NullableTimestamp
  },
  { $id: 'SyncJob' }
)

export const SyncAccepted = Type.Object({
  job_id: Type.String({ format: 'uuid' }),
  status: SyncStatus,
  status_url: Type.String(),
  job: Type.Ref(SyncJob)
})

export const SyncJobsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 }))
  },
  { additionalProperties: false }
)

export const SyncJobList = Type.Object({ items: Type.Array(Type.Ref(SyncJob)), next_cursor: Type.Union([Type.String(), Type.Null()]) })
