import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'
import { isFrozenJson } from '../../cache/cache.js'

type SerializerFactory = ReturnType<typeof SerializerSelector>

/**
 * Response serializers (Fastify's own, fast-json-stringify, by default) that are compiled when their status is first
 * sent and that remember the JSON they made of a cached value.
 * - Fastify compiles every serializer when its route is added, which was a large part of start-up, mostly for error
 *   responses rarely sent.
 * - A cache hit hands out the same frozen value every time, so it is serialized once, not on every hit: for a product
 *   page of 50 items that was most of a cached request's work. Anything else is serialized as usual.
 */
export function responseSerializers(eager: SerializerFactory = SerializerSelector()): SerializerFactory {
  return (externalSchemas, options) => {
    const compile = eager(externalSchemas, options)
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined
      const made = new WeakMap<object, string>()
      return (data: unknown) => {
        serialize ??= compile(route)
        if (!isFrozenJson(data)) return serialize(data)
        let json = made.get(data)
        if (json === undefined) made.set(data, (json = serialize(data)))
        return json
      }
    }
  }
}

export const schemaController: FastifyServerOptions['schemaController'] = { compilersFactory: { buildSerializer: responseSerializers() } }
