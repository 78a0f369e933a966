import { Type } from '@sinclair/typebox'
import { Timestamp } from '../../schemas.js'

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

export const AuditEvent = Type.Object({
  id: Type.Integer(),
  action: Type.String({ description: 'What happened, e.g. login.failed, credentials.updated, user.role_changed' }),
  actor_user_id: Nullable(Type.String({ format: 'uuid' })),
  target_type: Nullable(Type.String()),
  target_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  request_id: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'Facts about the change; never secrets (keys appear only as their last four characters)' }),
  created_at: Timestamp
})

export const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_]+(\\.[a-z_]+)*$' })),
    actor_user_id: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 }))
  },
  { additionalProperties: false }
)

export const AuditList = Type.Object({ items: Type.Array(AuditEvent), next_cursor: Type.Union([Type.String(), Type.Null()]) })
