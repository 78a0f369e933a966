import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import Fastify, { type RouteOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import { app, serverOptions } from '../../src/app.js'
import { validatorCompiler } from '../../src/plugins/app/validation.js'
import { testConfig } from '../helpers/app.js'

const PARTS = ['body', 'querystring', 'params', 'headers'] as const

// Validators and serializers are compiled on first use, so a schema Ajv or fast-json-stringify cannot take would
// only show when a request needs it; here every route's schemas are compiled up front.
describe('route schemas', () => {
  it('should compile every validator and response serializer of every route', async () => {
    const config = testConfig()
    const instance = Fastify(serverOptions(config))
    const routes: RouteOptions[] = []
    instance.addHook('onRoute', (route) => void routes.push(route))
    await instance.register(app, { config })
    await instance.ready()
    try {
      const validate = validatorCompiler()
      const serializers = SerializerSelector()(instance.getSchemas(), {})
      let compiled = 0
      for (const route of routes) {
        const schema = (route.schema ?? {}) as Record<string, unknown>
        const method = String(route.method)
        for (const httpPart of PARTS) {
          if (!schema[httpPart]) continue
          expect(() => validate({ schema: schema[httpPart], method, url: route.url, httpPart })(undefined), `${method} ${route.url} ${httpPart}`).not.toThrow()
          compiled++
        }
        for (const [httpStatus, response] of Object.entries((schema.response ?? {}) as Record<string, unknown>)) {
          expect(() => serializers({ schema: response, method, url: route.url, httpStatus }), `${method} ${route.url} ${httpStatus}`).not.toThrow()
          compiled++
        }
      }
      expect(compiled).toBeGreaterThan(100)
    } finally {
      await instance.close()
    }
  })
})
