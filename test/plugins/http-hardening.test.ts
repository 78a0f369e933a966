import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import type { Config } from '../../src/config/env.js'
import httpHardening from '../../src/plugins/external/http-hardening.js'

async function hardened(corsOrigins: string[] | '*') {
  const app = Fastify()
  await app.register(httpHardening, { config: { http: { corsOrigins } } as Config })
  app.get('/thing', async () => ({ ok: true }))
  await app.ready()
  return app
}

describe('http-hardening', () => {
  describe('GET /thing with a list of allowed origins', () => {
    it('should reflect an allowed origin, vary by origin, and allow no other', async () => {
      const app = await hardened(['https://a.example'])
      const allowed = await app.inject({ url: '/thing', headers: { origin: 'https://a.example' } })
      expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': 'https://a.example', vary: expect.stringContaining('Origin') })
      const other = await app.inject({ url: '/thing', headers: { origin: 'https://b.example' } })
      expect(other.headers['access-control-allow-origin']).toBeUndefined()
      expect(other.headers['x-content-type-options']).toBe('nosniff')
      await app.close()
    })
  })

  describe('OPTIONS /thing with every origin allowed', () => {
    it('should answer the preflight once, with the security headers too', async () => {
      const app = await hardened('*')
      const res = await app.inject({ method: 'OPTIONS', url: '/thing', headers: { origin: 'https://a.example', 'access-control-request-method': 'POST' } })
      expect(res.statusCode).toBe(204)
      expect(res.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-methods': expect.stringContaining('POST'), 'x-content-type-options': 'nosniff' })
      await app.close()
    })
  })
})
