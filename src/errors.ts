/**
 * Domain errors: services throw these and know nothing of HTTP. The problem-details plugin maps each `kind`
 * to a status once, so every error in the API has one shape.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'quota_exceeded'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'

export interface FieldError {
  field: string
  message: string
}

export class DomainError extends Error {
  override name = 'DomainError'
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly options: {
      /** Last segment of the problem `type` URI, e.g. `quota-exceeded/products`. */
      type?: string
      fieldErrors?: FieldError[]
      retryAfterSeconds?: number
      extra?: Record<string, unknown>
    } = {}
  ) {
    super(message)
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`)
export const forbidden = (message = 'You do not have permission to perform this action') => new DomainError('forbidden', message)
export const conflict = (message: string, type?: string) => new DomainError('conflict', message, { type })
export const unauthenticated = (message = 'Authentication required') => new DomainError('unauthenticated', message)
export const invalid = (field: string, message: string) =>
  new DomainError('invalid', `${field}: ${message}`, { fieldErrors: [{ field, message }] })
