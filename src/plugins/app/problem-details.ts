import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError, type ErrorKind, type FieldError } from '../../errors.js'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'
const TYPE_BASE = 'urn:stock-tracker:problem:'

const KIND_STATUS: Record<ErrorKind, number> = {
  invalid: 422,
  unauthenticated: 401,
  forbidden: 403,
  quota_exceeded: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'validation-failed',
  429: 'rate-limited',
  500: 'internal-error',
  503: 'unavailable'
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  request_id: string
  errors?: FieldError[]
  [extra: string]: unknown
}

/** Sends an RFC 9457 problem; the one place where error bodies are shaped. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  detail: string,
  extra: { type?: string; errors?: FieldError[]; [key: string]: unknown } = {}
): FastifyReply {
  const { type, ...rest } = extra
  const body: Problem = {
    type: TYPE_BASE + (type ?? SLUGS[status] ?? 'error'),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    request_id: String(request.id),
    ...rest
  }
  if (status === 401) reply.header('www-authenticate', `Bearer realm="api", error="invalid_token", error_description="${detail.replace(/"/g, "'")}"`)
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(body)
}

function fieldName(instancePath: string, missingProperty?: unknown, additionalProperty?: unknown, part?: string): string {
  const base = instancePath.replace(/^\//, '').replace(/\//g, '.')
  const leaf = (missingProperty ?? additionalProperty) as string | undefined
  const name = [base, leaf].filter(Boolean).join('.')
  return name || part || 'body'
}

function validationErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((issue) => {
    const params = issue.params as Record<string, unknown>
    const field = fieldName(issue.instancePath, params.missingProperty, params.additionalProperty, error.validationContext)
    const message =
      issue.keyword === 'additionalProperties'
        ? 'is not an accepted field'
        : issue.keyword === 'required'
          ? 'is required'
          : (issue.message ?? 'is invalid')
    return { field, message }
  })
}

/** Fastify's own client-error codes, mapped to the status the contract promises. */
const FASTIFY_CODES: Record<string, number> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_JSON_BODY: 400
}

async function problemDetails(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) {
      const status = KIND_STATUS[error.kind]
      if (error.options.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.options.retryAfterSeconds))
      return sendProblem(request, reply, status, error.message, {
        type: error.options.type,
        ...(error.options.fieldErrors ? { errors: error.options.fieldErrors } : {}),
        ...error.options.extra
      })
    }
    if (error.validation) {
      const errors = validationErrors(error)
      return sendProblem(request, reply, 422, errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors })
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined
    if (mapped) return sendProblem(request, reply, mapped, mapped === 400 ? 'The request body is not valid JSON' : error.message)
    if (error instanceof SyntaxError) return sendProblem(request, reply, 400, 'The request body is not valid JSON')
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) return sendProblem(request, reply, status, error.message)
    request.log.error({ err: error }, 'unhandled error')
    return sendProblem(request, reply, 500, 'An unexpected error occurred; it has been logged with the request id')
  })

  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 404, `No route for ${request.method} ${request.url.split('?')[0]}`))
}

export default fp(problemDetails, { name: 'problem-details' })
