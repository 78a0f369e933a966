import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import { describe, expect, it } from 'vitest'
import { cacheable } from '../../src/cache/cache.js'
import { responseSerializers } from '../../src/plugins/app/serialization.js'

const schema = { type: 'object', properties: { name: { type: 'string' }, total: { type: 'integer' } } }
const route = { method: 'GET', url: '/things', httpStatus: '200', schema }

/** Fastify's own serializers, counting how often one is compiled and how often one runs. */
function countingSerializers() {
  const runs = { count: 0, compiled: 0 }
  const factory: ReturnType<typeof SerializerSelector> = (externalSchemas, options) => {
    const compile = SerializerSelector()(externalSchemas, options)
    return (definition) => {
      runs.compiled++
      const serialize = compile(definition)
      return (data) => {
        runs.count++
        return serialize(data)
      }
    }
  }
  return { runs, serializerFor: responseSerializers(factory)()(route) }
}

describe('response serialization', () => {
  it('should compile a serializer when its response is first sent, once', () => {
    const { runs, serializerFor: serialize } = countingSerializers()
    expect(runs.compiled).toBe(0)
    serialize({ name: 'Boots', total: 3 })
    serialize({ name: 'Hat', total: 1 })
    expect(runs.compiled).toBe(1)
  })

  it('should serialize a cached value once, however often it is served', () => {
    const { runs, serializerFor: serialize } = countingSerializers()
    const cached = cacheable({ name: 'Boots', total: 3, internal: 'not in the schema' })
    const first: unknown = serialize(cached)
    // As bytes, which Fastify sends without measuring or encoding them again.
    expect(Buffer.isBuffer(first)).toBe(true)
    expect(String(first)).toBe('{"name":"Boots","total":3}')
    expect(serialize(cached)).toBe(first)
    expect(runs.count).toBe(1)
  })

  it('should serialize every other value afresh, so a changed object shows its change', () => {
    const { runs, serializerFor: serialize } = countingSerializers()
    const page = { name: 'Boots', total: 3 }
    expect(serialize(page)).toBe('{"name":"Boots","total":3}')
    page.total = 2
    expect(serialize(page)).toBe('{"name":"Boots","total":2}')
    expect(serialize(Object.freeze({ name: 'Hat', total: 1 }))).toBe('{"name":"Hat","total":1}')
    expect(runs.count).toBe(3)
  })
})
