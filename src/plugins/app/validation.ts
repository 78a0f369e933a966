import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import Ajv, { type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const shared: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false }

/**
 * Fastify compiles every route's validators and response serializers when the route is added. That was about a fifth
 * of the server's start-up, mostly for error responses that are rarely sent, so each one is compiled here on its
 * first use instead. A schema Ajv or fast-json-stringify rejects then fails its first request (a 500) rather than
 * start-up; the route tests use every schema.
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

/** Fastify's own response serializers (fast-json-stringify), each compiled when its status is first sent. */
export function serializerFactory(): ReturnType<typeof SerializerSelector> {
  const eager = SerializerSelector()
  return (externalSchemas, options) => {
    const compile = eager(externalSchemas, options)
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined
      return (doc) => (serialize ??= compile(route))(doc)
    }
  }
}
