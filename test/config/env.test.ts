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
    ['REDIS_URL', 'http://cache']
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

  it('should split CORS origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).http.corsOrigins).toEqual(['https://a.example', 'https://b.example'])
  })
})
