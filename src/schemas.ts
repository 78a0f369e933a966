import { Type, type TSchema } from '@sinclair/typebox'

/** Schemas shared by every area: the problem body, ids, pagination. */
export const FieldErrorSchema = Type.Object({ field: Type.String(), message: Type.String() })

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the problem type' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    request_id: Type.String(),
    errors: Type.Optional(Type.Array(FieldErrorSchema))
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' }
)

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (e.g. invalid JSON)',
  401: 'Missing, invalid or expired credentials',
  403: 'Authenticated, but the role or plan does not allow it',
  404: 'Not found (also for another tenant’s resources)',
  409: 'Conflicts with the current state',
  413: 'Body larger than the limit',
  415: 'Body is not JSON',
  422: 'Validation failed; `errors` lists each field',
  429: 'Rate limited; see Retry-After',
  503: 'A dependency is down'
}

/** Response schemas for the given error statuses, so the OpenAPI document lists every error a route returns. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  const result: Record<number, TSchema> = {}
  for (const status of statuses) result[status] = Type.Ref(ProblemSchema, { description: PROBLEM_DESCRIPTIONS[status] })
  result[500] = Type.Ref(ProblemSchema, { description: 'Unexpected server error (logged; no details exposed)' })
  return result
}

/** Errors any route with a JSON body can return. */
export const BODY_ERRORS = [400, 413, 415, 422] as const
/** Errors any authenticated route can return. */
export const AUTH_ERRORS = [401, 403] as const

/** The OpenAPI security requirement of every route that takes a bearer access token. */
export const BEARER_AUTH = [{ bearerAuth: [] }]

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

export const MarketplaceType = Type.Union([Type.Literal('wildberries'), Type.Literal('ozon')])

export const Timestamp = Type.String({ format: 'date-time' })
