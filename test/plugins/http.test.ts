import fastifyCors from '@fastify/cors'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { corsOptions } from '../../src/plugins/external/http-hardening.js'
import { buildTestApp, registerTenant, type TestApp } from '../helpers/app.js'
import { waitFor } from '../helpers/wait.js'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.close())

const problem = (res: { headers: Record<string, unknown>; json(): Record<string, unknown> }) => {
  expect(res.headers['content-type']).toContain('application/problem+json')
  const body = res.json()
  expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: expect.any(Number), detail: expect.any(String) })
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/)
  return body
}

describe('HTTP behaviour', () => {
  it('should describe the service at /', async () => {
    const res = await t.app.inject('/')
    expect(res.json()).toEqual({ name: 'stock-tracker', version: expect.any(String), docs: '/docs', openapi: '/openapi.json' })
  })

  it('should answer liveness with version and uptime', async () => {
    const res = await t.app.inject('/api/v1/health')
    expect(res.json()).toEqual({ status: 'ok', version: expect.any(String), uptime_s: expect.any(Number) })
  })

  it('should report readiness of the database', async () => {
    const res = await waitFor(async () => {
      const answer = await t.app.inject('/api/v1/health/ready')
      return answer.statusCode === 200 && answer
    }, 'readiness')
    expect(res.json().checks.database).toBe('ok')
  })

  it('should accept a trailing slash on every path', async () => {
    expect((await t.app.inject('/api/v1/health/')).statusCode).toBe(200)
  })

  it('should answer an unknown route with a 404 problem', async () => {
    const res = await t.app.inject('/api/v1/nope')
    expect(res.statusCode).toBe(404)
    problem(res)
  })

  it('should answer malformed JSON with 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": ' })
    expect(res.statusCode).toBe(400)
    problem(res)
  })

  it('should answer a body that is not JSON with 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'email=x' })
    expect(res.statusCode).toBe(415)
    problem(res)
  })

  it('should answer a body over 1 MiB with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(1024 * 1024) })
    })
    expect(res.statusCode).toBe(413)
    problem(res)
  })

  it('should list each bad field of a 422', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'not-an-email', password: 5, marketplace_type: 'amazon' } })
    expect(res.statusCode).toBe(422)
    const fields = (problem(res).errors as Array<{ field: string }>).map((e) => e.field)
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'company_name', 'marketplace_type']))
  })

  it.each([[null], [[]], ['string'], [{}]])('should answer a body of %j with 4xx, never 500', async (payload) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    expect(res.statusCode).toBeGreaterThanOrEqual(400)
    expect(res.statusCode).toBeLessThan(500)
  })

  it('should echo a valid x-request-id and generate one otherwise', async () => {
    const echoed = await t.app.inject({ url: '/api/v1/health', headers: { 'x-request-id': 'abc-123' } })
    expect(echoed.headers['x-request-id']).toBe('abc-123')
    const generated = await t.app.inject({ url: '/api/v1/health', headers: { 'x-request-id': 'bad id with spaces' } })
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('should send security headers and CORS headers', async () => {
    const res = await t.app.inject({ url: '/api/v1/health', headers: { origin: 'https://app.example.com' } })
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['access-control-allow-origin']).toBe('*')
  })

  it('should send the CORS headers @fastify/cors sends for any origin, on answers and errors alike', async () => {
    const reference = Fastify()
    await reference.register(fastifyCors, corsOptions('*'))
    reference.get('/', async () => ({}))
    const headers = { origin: 'https://app.example.com' }
    const expected = (await reference.inject({ url: '/', headers })).headers
    await reference.close()
    const corsHeaders = (all: Record<string, unknown>) => Object.fromEntries(Object.entries(all).filter(([name]) => name.startsWith('access-control-') || name === 'vary'))
    expect(corsHeaders(expected)).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': expect.stringContaining('ratelimit-remaining') })
    for (const url of ['/api/v1/health', '/api/v1/nope', '/api/v1/users/me']) {
      expect(corsHeaders((await t.app.inject({ url, headers })).headers), url).toEqual(corsHeaders(expected))
    }
  })

  it('should answer a CORS preflight on any route', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/tenants/me',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type' }
    })
    expect(res.statusCode).toBe(204)
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': expect.stringContaining('PATCH'),
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600'
    })
  })

  it("should send helmet's security headers on answers, errors and the docs alike", async () => {
    for (const url of ['/api/v1/health', '/api/v1/nope', '/api/v1/users/me', '/docs/']) {
      const res = await t.app.inject(url)
      expect(res.headers, url).toMatchObject({
        'content-security-policy': expect.stringContaining("default-src 'self'"),
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin'
      })
    }
  })

  it('should compress large responses when asked', async () => {
    const res = await t.app.inject({ url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } })
    expect(res.headers['content-encoding']).toBe('gzip')
  })

  it('should not accept an access token in the query string', async () => {
    const owner = await registerTenant(t.app)
    const res = await t.app.inject({ url: `/api/v1/users/me?access_token=${owner.accessToken}` })
    expect(res.statusCode).toBe(401)
  })

  it('should publish an OpenAPI 3.1 document with bearer security and problem responses', async () => {
    const doc = (await t.app.inject('/openapi.json')).json()
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    const login = doc.paths['/api/v1/auth/login'].post
    expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '422', '500']))
    expect((await t.app.inject('/docs')).statusCode).toBeLessThan(400)
  })
})
