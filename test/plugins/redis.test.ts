import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, login, registerTenant, type TestApp } from '../helpers/app.js'
import { captureLogs } from '../helpers/logs.js'
import { canSpawnRedis, startOwnRedis, type OwnRedis } from '../helpers/redis.js'

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (accept(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// Skipped only where redis-server is not installed; CI installs it.
describe.skipIf(!canSpawnRedis)('Redis, optional and allowed to fail', () => {
  let redis: OwnRedis
  let t: TestApp
  const logs = captureLogs()
  beforeAll(async () => {
    redis = await startOwnRedis()
    t = await buildTestApp({ REDIS_URL: redis.url, LOG_LEVEL: 'info', REDIS_COMMAND_TIMEOUT_MS: '200' }, { logStream: logs.stream })
  })
  afterAll(async () => {
    await t?.close()
    await redis?.stop()
  })

  const ready = async () => (await t.app.inject('/api/v1/health/ready')).json()
  const outageLogs = () => logs.records().filter((r) => r.msg.startsWith('redis is unreachable'))
  const recoveryLogs = () => logs.records().filter((r) => r.msg === 'redis is reachable again')

  it('should report Redis in readiness', async () => {
    // The job queue reports itself as starting at first; readiness then waits for it.
    expect(await eventually(ready, (r) => r.status === 'ok')).toMatchObject({ status: 'ok', checks: { database: 'ok', redis: 'ok' } })
  })

  it('should keep serving correct answers while Redis is down, report degraded readiness, and log the outage once', async () => {
    const owner = await registerTenant(t.app)
    await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })
    await redis.stop()
    try {
      for (const name of ['During outage 1', 'During outage 2', 'During outage 3']) {
        const renamed = await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: owner.headers, payload: { name } })
        expect(renamed.statusCode).toBe(200)
        const read = await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })
        expect(read.statusCode).toBe(200)
        expect(read.json().name).toBe(name)
      }
      // Rate limits fall back to counting in this process: logins and their limit still work.
      await login(t.app, owner.email)
      const res = await t.app.inject('/api/v1/health/ready')
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ status: 'degraded', checks: { database: 'ok', redis: 'degraded' } })
      expect(res.headers['ratelimit-limit']).toBeDefined()
      expect(outageLogs()).toHaveLength(1)
    } finally {
      await redis.start()
    }
    expect(await eventually(ready, (r) => r.checks.redis === 'ok')).toMatchObject({ status: 'ok', checks: { redis: 'ok' } })
    expect(recoveryLogs()).toHaveLength(1)
    expect(outageLogs()).toHaveLength(1)
    expect((await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json().name).toBe('During outage 3')
  })

  it('should not serve an entry older than a write whose invalidation Redis did not take', async () => {
    const owner = await registerTenant(t.app)
    const read = async () => (await t.app.inject({ url: '/api/v1/tenants/me', headers: owner.headers })).json().name
    expect(await read()).toBe('Acme Trading')
    // Redis keeps its data but stops answering (as in a network partition): the cached entry survives the write.
    const admin = new Redis(redis.url)
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL')
    const renamed = await t.app.inject({ method: 'PATCH', url: '/api/v1/tenants/me', headers: owner.headers, payload: { name: 'Renamed in a partition' } })
    expect(renamed.json().name).toBe('Renamed in a partition')
    await admin.call('CLIENT', 'UNPAUSE')
    await admin.quit()
    expect(await read()).toBe('Renamed in a partition')
    expect(await read()).toBe('Renamed in a partition')
  })
})
