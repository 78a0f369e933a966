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
 *   page of 50 items that was most of a cached request's work. Anything else is serialized as usual. The remembered
 *   JSON is kept as UTF-8 bytes, which Fastify sends as they are: a string would be measured for its Content-Length
 *   and encoded again for every response (for a 30 kB product page, a tenth of the request).
 */
export function responseSerializers(eager: SerializerFactory = SerializerSelector()): SerializerFactory {
  return (externalSchemas, options) => {
    const compile = eager(externalSchemas, options)
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined
      const made = new WeakMap<object, Buffer>()
      // Fastify takes a Buffer from a serializer as readily as a string (reply.send sends either).
      return ((data: unknown) => {
        serialize ??= compile(route)
        if (!isFrozenJson(data)) return serialize(data)
        let json = made.get(data)
        if (json === undefined) made.set(data, (json = Buffer.from(serialize(data))))
        return json
      }) as (doc: unknown) => string
    }
  }
}

export const schemaController: FastifyServerOptions['schemaController'] = { compilersFactory: { buildSerializer: responseSerializers() } }
