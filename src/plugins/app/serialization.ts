import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'
import { isFrozenJson } from '../../cache/cache.js'

type SerializerFactory = ReturnType<typeof SerializerSelector>

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled when its status is first sent: Fastify
 * compiles them all when routes are added, which was a large part of start-up, mostly for rarely sent errors.
 */
export function lazySerializers(eager: SerializerFactory = SerializerSelector()): SerializerFactory {
  return (externalSchemas, options) => {
    const compile = eager(externalSchemas, options)
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined
      return (doc) => (serialize ??= compile(route))(doc)
    }
  }
}

/**
 * Response serializers (the lazy ones above by default), each remembering the JSON it made of a cached value. A cache hit
 * hands out the same frozen value every time, so it is serialized once, not on every hit: for a product page of 50
 * items that was most of a cached request's work. Anything else is serialized as usual.
 */
export function rememberingSerializers(base: SerializerFactory = lazySerializers()): SerializerFactory {
  return (externalSchemas, options) => {
    const compile = base(externalSchemas, options)
    return (route) => {
      const serialize = compile(route)
      const made = new WeakMap<object, string>()
      return (data: unknown) => {
        if (!isFrozenJson(data)) return serialize(data)
        let json = made.get(data)
        if (json === undefined) made.set(data, (json = serialize(data)))
        return json
      }
    }
  }
}

export const schemaController: FastifyServerOptions['schemaController'] = { compilersFactory: { buildSerializer: rememberingSerializers() } }
