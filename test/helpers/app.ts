import { randomUUID } from 'node:crypto'
import type { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp, serverOptions } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/env.js'
import { startFakeMarketplace, type FakeMarketplace } from '../../src/fake-marketplace/server.js'
import { generateFernetKey } from '../../src/security/fernet.js'
import { createTestDatabase } from './database.js'

export const TEST_PASSWORD = 'correct horse battery staple'

/**
 * Per-address limits, raised: every test request comes from 127.0.0.1. The rate-limit tests set low ones of their own.
 */
const GENEROUS_LIMITS = {
  RATE_LIMIT_LOGIN_FAILURES: '100000',
  RATE_LIMIT_REGISTER: '100000',
  RATE_LIMIT_REFRESH: '100000',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
  RATE_LIMIT_AUTH_FAILURES: '1000000'
}

/**
 * A config for tests: cheap password hashing (the production parameters are covered by their own test), quiet logs,
 * generous rate limits, and Redis when the run has one (REDIS_URL), under a key prefix of its own so that test files
 * running side by side never share counters or cache entries.
 */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  const config = loadConfig({
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: `test:${randomUUID()}:`,
    ...GENEROUS_LIMITS,
    LOG_LEVEL: env.LOG_LEVEL ?? 'silent',
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_ITERATIONS: '1',
    DATA_DIR: 'memory://',
    MARKETPLACE_PACING: 'relaxed',
    MARKETPLACE_TIMEOUT_MS: '2000',
    MARKETPLACE_VERIFY_TIMEOUT_MS: '2000',
    MARKETPLACE_BACKOFF_BASE_MS: '20',
    MARKETPLACE_MAX_RETRIES: '2',
    JOB_POLL_INTERVAL_S: '0.5',
    SYNC_RETRY_DELAY_S: '1',
    ...env
  })
  return {
    ...config,
    secrets: {
      secretKey: env.SECRET_KEY ?? 'test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz',
      encryptionKeys: env.ENCRYPTION_MASTER_KEY ?? generateFernetKey()
    }
  }
}

export interface TestApp {
  app: FastifyInstance
  config: Config
  /** The fake Wildberries + Ozon server every marketplace call of this app goes to. */
  fake: FakeMarketplace
  close(): Promise<void>
}

/**
 * Builds the whole application on a fresh database of its own, talking to a fake marketplace of its own. With
 * `logStream`, log records (at LOG_LEVEL, with the production redaction) go there.
 */
export async function buildTestApp(env: Record<string, string | undefined> = {}, options: { logStream?: Writable } = {}): Promise<TestApp> {
  const database = await createTestDatabase()
  const fake = await startFakeMarketplace()
  const config = testConfig({ WB_API_BASE_URL: fake.url, OZON_API_BASE_URL: fake.url, ...env, DATABASE_URL: database.url })
  const logger = options.logStream ? { logger: { ...(serverOptions(config).logger as object), stream: options.logStream } } : {}
  const app = await buildApp(config, logger)
  return {
    app,
    config,
    fake,
    async close() {
      await app.close()
      await fake.close()
      await database.drop()
    }
  }
}

let counter = 0
export function uniqueEmail(prefix = 'user'): string {
  counter += 1
  return `${prefix}-${process.pid}-${Date.now()}-${counter}@example.com`
}

export interface Account {
  email: string
  password: string
  accessToken: string
  refreshToken: string
  tenantId: string
  userId: string
  headers: { authorization: string }
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` }
}

/** Signs up a new company through the API and returns its owner's tokens and ids. */
export async function registerTenant(app: FastifyInstance, overrides: Record<string, unknown> = {}): Promise<Account> {
  const email = (overrides.email as string | undefined) ?? uniqueEmail('owner')
  const body = { email, password: TEST_PASSWORD, company_name: 'Acme Trading', marketplace_type: 'wildberries', ...overrides }
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: body })
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`)
  return accountFrom(app, email, body.password as string, res)
}

export async function login(app: FastifyInstance, email: string, password = TEST_PASSWORD): Promise<Account> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`)
  return accountFrom(app, email, password, res)
}

async function accountFrom(app: FastifyInstance, email: string, password: string, res: LightMyRequestResponse): Promise<Account> {
  const tokens = res.json<{ access_token: string; refresh_token: string }>()
  const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(tokens.access_token) })
  const user = me.json<{ id: string; tenant_id: string }>()
  return {
    email,
    password,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    tenantId: user.tenant_id,
    userId: user.id,
    headers: bearer(tokens.access_token)
  }
}

/** Adds a team member with the given role (created by `by`, normally the owner) and logs them in. */
export async function addMember(app: FastifyInstance, by: Account, role: string): Promise<Account> {
  const email = uniqueEmail(role)
  const res = await app.inject({ method: 'POST', url: '/api/v1/users', headers: by.headers, payload: { email, password: TEST_PASSWORD, role } })
  if (res.statusCode !== 201) throw new Error(`add member failed: ${res.statusCode} ${res.body}`)
  return login(app, email)
}
