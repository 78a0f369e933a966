import Ajv, { type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const shared: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false }

/**
 * Fastify compiles every route's validators when the route is added (its serializers too: see serialization.ts).
 * That was a large part of the server's start-up, so each one is compiled here on its first use instead. A schema
 * Ajv rejects would then fail its first request rather than start-up, so a test compiles every route's schemas.
 */
function onFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined
  const target = () => (compiled ??= compile())
  const validate = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const fn = target()
    const valid = fn(data, context)
    validate.errors = fn.errors
    return valid
  }) as ValidateFunction
  // Fastify hands Ajv functions (they have a schemaEnv) the request as parent, so a root value can be defaulted.
  Object.defineProperty(validate, 'schemaEnv', { get: () => target().schemaEnv })
  return validate
}

/**
 * Bodies are validated strictly: a wrong JSON type is a 422, never silently coerced, and unknown fields are
 * refused rather than dropped. Query strings and path parameters arrive as text, so they are coerced.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats.default(new Ajv.default({ ...shared, coerceTypes: false }))
  const coercing = addFormats.default(new Ajv.default({ ...shared, coerceTypes: 'array' }))
  return ({ schema, httpPart }) => onFirstUse(() => (httpPart === 'body' ? strict : coercing).compile(schema as object))
}
