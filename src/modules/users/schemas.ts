import { Type } from '@sinclair/typebox'
import { Timestamp } from '../../schemas.js'
import { ROLES } from '../auth/permissions.js'
import { Email, Password } from '../auth/schemas.js'

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)))

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    tenant_id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    role: RoleSchema,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_login_at: Type.Union([Timestamp, Type.Null()])
  },
  { $id: 'User' }
)

export const UserList = Type.Object({ items: Type.Array(Type.Ref(User)), total: Type.Integer() })

export const CreateUserBody = Type.Object({ email: Email, password: Password, role: RoleSchema }, { additionalProperties: false })

export const UpdateUserBody = Type.Object({ role: RoleSchema }, { additionalProperties: false })

export const ChangePasswordBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 128 }), new_password: Password },
  { additionalProperties: false }
)

export const Session = Type.Object({
  id: Type.String({ format: 'uuid' }),
  created_at: Timestamp,
  last_used_at: Timestamp,
  expires_at: Timestamp,
  user_agent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean({ description: 'The session of the token making this request' })
})

export const SessionList = Type.Object({ items: Type.Array(Session) })
