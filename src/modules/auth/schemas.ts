import { Type, type Static } from '@sinclair/typebox'
import { MarketplaceType } from '../../schemas.js'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../security/passwords.js'

/** Length limits in Unicode code points; anything longer is refused before it is hashed. */
export const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    company_name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    marketplace_type: MarketplaceType
  },
  { additionalProperties: false }
)
export type RegisterBody = Static<typeof RegisterBody>

export const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false }
)

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false })

export const LogoutQuery = Type.Object(
  {
    scope: Type.Optional(
      Type.Union([Type.Literal('global'), Type.Literal('local'), Type.Literal('others')], {
        description: 'global (default): every session of the user; local: only this one; others: all but this one'
      })
    )
  },
  { additionalProperties: false }
)

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Access token lifetime in seconds' })
})
