import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config/env.js'

describe('loadConfig', () => {
  it('should apply the documented defaults', () => {
    const config = loadConfig({})
    expect(config.http).toMatchObject({ port: 8000, host: '0.0.0.0', corsOrigins: '*' })
    expect(config.db).toMatchObject({ dataDir: './data', migrateOnStart: true, url: undefined })
    expect(config.passwordHash).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 })
  })

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['MIGRATE_ON_START', 'yes'],
    ['LOG_LEVEL', 'loud'],
    ['JWT_ALGORITHM', 'none'],
    ['REDIS_URL', 'http://cache'],
    ['CACHE_STORE', 'disk'],
    ['CACHE_STORE', 'redis'],
    ['RATE_LIMIT_LOGIN_FAILURES', '0'],
    ['RATE_LIMIT_API_PER_MINUTE', 'gold=100'],
    ['RATE_LIMIT_API_PER_MINUTE', 'free=lots'],
    ['METRICS_TOKEN', 'short'],
    ['WEBHOOK_RETRY_SCHEDULE_S', '0,5'],
    ['WEBHOOK_RETRY_SCHEDULE_S', '5;10'],
    ['WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'yes']
  ])('should refuse %s=%s with a one-line message naming the variable', (name, value) => {
    let error: unknown
    try {
      loadConfig({ [name]: value })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain(name)
    expect((error as Error).message).not.toContain('\n')
  })

  it('should default the rate limits to the documented values', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      loginFailures: { max: 10, windowMs: 15 * 60_000 },
      register: { max: 30, windowMs: 60 * 60_000 },
      refresh: { max: 150, windowMs: 5 * 60_000 },
      authFailures: { max: 100, windowMs: 5 * 60_000 },
      anonymousPerMinute: 300,
      apiPerMinute: {}
    })
  })

  it('should read per-plan API limits that replace the plan table’s', () => {
    expect(loadConfig({ RATE_LIMIT_API_PER_MINUTE: 'free=60, enterprise=50000' }).rateLimits.apiPerMinute).toEqual({ free: 60, enterprise: 50_000 })
  })

  it.each([
    [{}, 'memory'],
    [{ DATABASE_URL: 'postgres://db/x' }, 'none'],
    [{ DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://cache' }, 'redis'],
    [{ REDIS_URL: 'redis://cache' }, 'redis'],
    [{ DATABASE_URL: 'postgres://db/x', CACHE_STORE: 'memory' }, 'memory'],
    [{ REDIS_URL: 'redis://cache', CACHE_STORE: 'none' }, 'none']
  ])('should resolve the cache store of %j to %s', (env, store) => {
    expect(loadConfig(env).cache.store).toBe(store)
  })

  it('should split CORS origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).http.corsOrigins).toEqual(['https://a.example', 'https://b.example'])
  })

  it('should default webhooks to Svix’s schedule, a 15 s timeout, five days before disabling, 30 days of history, and https only in production', () => {
    expect(loadConfig({}).webhooks).toEqual({
      requireHttps: false,
      allowPrivateNetworks: false,
      timeoutMs: 15_000,
      retryScheduleSeconds: [5, 300, 1800, 7200, 18000, 36000, 36000],
      disableAfterSeconds: 432_000,
      workerConcurrency: 128,
      retentionDays: 30
    })
    expect(loadConfig({ NODE_ENV: 'production' }).webhooks.requireHttps).toBe(true)
    expect(loadConfig({ NODE_ENV: 'production', WEBHOOK_REQUIRE_HTTPS: 'false' }).webhooks.requireHttps).toBe(false)
  })

  it('should read a retry schedule given as a list of seconds', () => {
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE_S: '1, 2,30' }).webhooks.retryScheduleSeconds).toEqual([1, 2, 30])
  })
})
