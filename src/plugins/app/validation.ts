import Ajv, { type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const shared: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false }

/**
 * Bodies are validated strictly: a wrong JSON type is a 422, never silently coerced, and unknown fields are
 * refused rather than dropped. Query strings and path parameters arrive as text, so they are coerced.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats.default(new Ajv.default({ ...shared, coerceTypes: false }))
  const coercing = addFormats.default(new Ajv.default({ ...shared, coerceTypes: 'array' }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}
