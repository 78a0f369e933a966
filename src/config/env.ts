import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { PLAN_NAMES, type Plan } from '../modules/tenants/plans.js'
import { RETRY_SCHEDULE_SECONDS } from '../notifications/webhooks/retry-schedule.js'

/**
 * Every environment variable the service reads. `process.env` is read here and nowhere else:
 * the rest of the code receives the typed `Config` built by `loadConfig`.
 */
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')])
const Int = (min: number, max: number, defaultValue?: number) =>
  Type.Integer({ minimum: min, maximum: max, ...(defaultValue === undefined ? {} : { default: defaultValue }) })

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  PORT: Int(0, 65535, 8000),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Int(1, 200, 10),
  MIGRATE_ON_START: Bool,
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_KEY_PREFIX: Type.String({ default: 'st:' }),
  REDIS_COMMAND_TIMEOUT_MS: Int(10, 10_000, 500),
  CACHE_STORE: Type.Union([Type.Literal('auto'), Type.Literal('memory'), Type.Literal('redis'), Type.Literal('none')], { default: 'auto' }),
  CACHE_TTL_S: Int(1, 86_400, 60),
  CACHE_MAX_ENTRIES: Int(100, 10_000_000, 10_000),
  RATE_LIMIT_LOGIN_FAILURES: Int(1, 1_000_000, 10),
  RATE_LIMIT_LOGIN_WINDOW_S: Int(1, 86_400, 900),
  RATE_LIMIT_REGISTER: Int(1, 1_000_000, 30),
  RATE_LIMIT_REGISTER_WINDOW_S: Int(1, 86_400, 3_600),
  RATE_LIMIT_REFRESH: Int(1, 1_000_000, 150),
  RATE_LIMIT_REFRESH_WINDOW_S: Int(1, 86_400, 300),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: Int(1, 10_000_000, 300),
  RATE_LIMIT_AUTH_FAILURES: Int(1, 10_000_000, 100),
  RATE_LIMIT_AUTH_FAILURES_WINDOW_S: Int(1, 86_400, 300),
  RATE_LIMIT_API_PER_MINUTE: Type.String({ default: '' }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  SECRET_KEY: Type.Optional(Type.String()),
  JWT_ALGORITHM: Type.Union([Type.Literal('HS256'), Type.Literal('RS256'), Type.Literal('EdDSA')], { default: 'HS256' }),
  JWT_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  JWT_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  JWT_PREVIOUS_SECRET_KEYS: Type.String({ default: '' }),
  JWT_EXTRA_PUBLIC_KEYS: Type.Optional(Type.String({ minLength: 1 })),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'stock-tracker' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'stock-tracker-api' }),
  REFRESH_REUSE_GRACE_S: Int(0, 60, 0),
  ENCRYPTION_MASTER_KEY: Type.Optional(Type.String()),
  PASSWORD_HASH_MEMORY_KIB: Int(1024, 1_048_576, 19_456),
  PASSWORD_HASH_ITERATIONS: Int(1, 20, 2),
  CORS_ORIGINS: Type.String({ default: '*' }),
  TRUST_PROXY: Bool,
  BODY_LIMIT_BYTES: Int(1024, 100 * 1024 * 1024, 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: Int(100, 600_000, 10_000),
  WB_API_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  OZON_API_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  MARKETPLACE_TIMEOUT_MS: Int(100, 120_000, 15_000),
  MARKETPLACE_VERIFY_TIMEOUT_MS: Int(100, 60_000, 5_000),
  MARKETPLACE_MAX_RETRIES: Int(0, 10, 3),
  MARKETPLACE_PACING: Type.Union([Type.Literal('documented'), Type.Literal('relaxed')], { default: 'documented' }),
  MARKETPLACE_BACKOFF_BASE_MS: Int(1, 60_000, 1_000),
  WORKER_CONCURRENCY: Int(1, 32, 2),
  JOB_POLL_INTERVAL_S: Type.Number({ minimum: 0.5, maximum: 60, default: 2 }),
  SYNC_RETRY_LIMIT: Int(0, 10, 3),
  SYNC_RETRY_DELAY_S: Int(1, 3600, 30),
  SYNC_TIMEOUT_S: Int(5, 86_400, 3_600),
  JOB_MAINTENANCE_INTERVAL_S: Int(1, 3_600, 60),
  /** Defaults to true in production: webhook URLs must then be https. */
  WEBHOOK_REQUIRE_HTTPS: Type.Optional(Bool),
  /** Development and tests only: lets webhook URLs point at loopback and private networks. */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: Bool,
  WEBHOOK_TIMEOUT_MS: Int(100, 60_000, 15_000),
  /** Seconds between delivery attempts, comma separated; defaults to Svix's schedule. */
  WEBHOOK_RETRY_SCHEDULE_S: Type.Optional(Type.String({ pattern: '^\\s*[1-9]\\d*(\\s*,\\s*[1-9]\\d*)*\\s*$' })),
  /** An endpoint whose deliveries have failed without a break for this long is disabled (default five days). */
  WEBHOOK_DISABLE_AFTER_S: Int(1, 90 * 86_400, 5 * 86_400),
  WEBHOOK_WORKER_CONCURRENCY: Int(1, 256, 128),
  /** Delivered, failed and cancelled deliveries (and their attempts) are deleted once this many days old. */
  WEBHOOK_RETENTION_DAYS: Int(1, 3_650, 30),
  /** The Bot API host; tests and local development point it at the fake (src/fake-telegram). */
  TELEGRAM_API_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://api.telegram.org' }),
  TELEGRAM_TIMEOUT_MS: Int(100, 60_000, 15_000)
})

type Env = Static<typeof EnvSchema>

/** Boolean variables default per variable; listed here so the schema stays plain strings. */
const BOOL_DEFAULTS = { MIGRATE_ON_START: 'true', TRUST_PROXY: 'false', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } as const

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export type ProcessRole = 'all' | 'api' | 'worker'

export type CacheStoreKind = 'memory' | 'redis' | 'none'

export interface Config {
  env: Env['NODE_ENV']
  production: boolean
  role: ProcessRole
  http: { host: string; port: number; bodyLimit: number; corsOrigins: string[] | '*'; trustProxy: boolean }
  logLevel: Env['LOG_LEVEL']
  shutdownTimeoutMs: number
  db: { url?: string; dataDir: string; poolMax: number; migrateOnStart: boolean }
  redisUrl?: string
  redis: { keyPrefix: string; commandTimeoutMs: number }
  /**
   * `store` is where cached reads live, resolved from CACHE_STORE (see `cacheStore`). `ttlSeconds` bounds how long a
   * cached read lives; writes invalidate it sooner.
   */
  cache: { store: CacheStoreKind; ttlSeconds: number; maxEntries: number }
  rateLimits: RateLimitSettings
  /** When set, `/metrics` requires it as a bearer token. */
  metricsToken?: string
  /** Present after `resolveSecrets`; raw values stay optional here so tests can inject their own. */
  secrets: { secretKey?: string; encryptionKeys?: string }
  jwt: {
    algorithm: Env['JWT_ALGORITHM']
    privateKeyPem?: string
    keyId?: string
    previousSecretKeys: string[]
    extraPublicKeys?: string
    issuer: string
    audience: string
    refreshReuseGraceSeconds: number
  }
  passwordHash: { memoryCost: number; timeCost: number; parallelism: number }
  marketplaces: {
    wildberriesBaseUrl?: string
    ozonBaseUrl?: string
    timeoutMs: number
    verifyTimeoutMs: number
    maxRetries: number
    pacing: 'documented' | 'relaxed'
    backoffBaseMs: number
  }
  jobs: {
    workerConcurrency: number
    pollIntervalSeconds: number
    syncRetryLimit: number
    syncRetryDelaySeconds: number
    syncTimeoutSeconds: number
    maintenanceIntervalSeconds: number
  }
  webhooks: {
    requireHttps: boolean
    allowPrivateNetworks: boolean
    timeoutMs: number
    retryScheduleSeconds: readonly number[]
    disableAfterSeconds: number
    workerConcurrency: number
    retentionDays: number
  }
  telegram: { baseUrl: string; timeoutMs: number }
}

export interface WindowLimit {
  max: number
  windowMs: number
}

export interface RateLimitSettings {
  /** Failed logins per account and IP; while the limit lasts even the right password is refused. */
  loginFailures: WindowLimit
  register: WindowLimit
  refresh: WindowLimit
  /** Requests refused for a missing, invalid or expired token, or an ended session, per IP. */
  authFailures: WindowLimit
  /** Requests without a verified caller (public routes), per IP and minute. */
  anonymousPerMinute: number
  /** Per tenant and minute, replacing the plan table's `apiRequestsPerMinute` for the plans named. */
  apiPerMinute: Partial<Record<Plan, number>>
}

function describeError(error: { path: string; message: string; value: unknown }): string {
  const name = error.path.replace(/^\//, '')
  return `${name}: ${error.message}${error.value === undefined ? '' : ` (got ${JSON.stringify(error.value)})`}`
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** `free=600,pro=3000` → `{ free: 600, pro: 3000 }`. */
function planLimitOverrides(value: string): Partial<Record<Plan, number>> {
  const overrides: Partial<Record<Plan, number>> = {}
  for (const entry of splitList(value)) {
    const [name = '', limit = ''] = entry.split('=').map((s) => s.trim())
    if (!(PLAN_NAMES as string[]).includes(name) || !/^[1-9]\d{0,8}$/.test(limit)) {
      throw new ConfigError(`Invalid configuration: RATE_LIMIT_API_PER_MINUTE: expected plan=limit pairs such as free=600 (plans: ${PLAN_NAMES.join(', ')}; got ${JSON.stringify(entry)})`)
    }
    overrides[name as Plan] = Number(limit)
  }
  return overrides
}

const seconds = (s: number) => s * 1000

/**
 * `auto` picks the store that is correct for any number of processes: Redis when configured, memory in the embedded
 * mode (PGlite serves one process), none on PostgreSQL without Redis, where another process could write behind a
 * per-process cache. `memory` on PostgreSQL is the operator's promise that one process serves the database.
 */
function cacheStore(env: Env): CacheStoreKind {
  if (env.CACHE_STORE === 'redis' && !env.REDIS_URL) throw new ConfigError('Invalid configuration: CACHE_STORE: redis needs REDIS_URL')
  if (env.CACHE_STORE !== 'auto') return env.CACHE_STORE
  return env.REDIS_URL ? 'redis' : env.DATABASE_URL ? 'none' : 'memory'
}

/**
 * Parses and validates the environment once. A bad value throws a `ConfigError` whose message is a single
 * line naming the variable, so start-up can print it without a stack trace.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, role: ProcessRole = 'all'): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  for (const [key, value] of Object.entries(BOOL_DEFAULTS)) raw[key] ??= value
  const withDefaults = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw))
  const firstError = Value.Errors(EnvSchema, withDefaults).First()
  if (firstError) throw new ConfigError(`Invalid configuration: ${describeError(firstError)}`)
  const env = withDefaults as Env
  const cors = splitList(env.CORS_ORIGINS)
  return {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    role,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimit: env.BODY_LIMIT_BYTES,
      corsOrigins: cors.includes('*') ? '*' : cors,
      trustProxy: env.TRUST_PROXY === 'true'
    },
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    db: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      poolMax: env.DATABASE_POOL_MAX,
      migrateOnStart: env.MIGRATE_ON_START === 'true'
    },
    redisUrl: env.REDIS_URL,
    redis: { keyPrefix: env.REDIS_KEY_PREFIX, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS },
    cache: { store: cacheStore(env), ttlSeconds: env.CACHE_TTL_S, maxEntries: env.CACHE_MAX_ENTRIES },
    rateLimits: {
      loginFailures: { max: env.RATE_LIMIT_LOGIN_FAILURES, windowMs: seconds(env.RATE_LIMIT_LOGIN_WINDOW_S) },
      register: { max: env.RATE_LIMIT_REGISTER, windowMs: seconds(env.RATE_LIMIT_REGISTER_WINDOW_S) },
      refresh: { max: env.RATE_LIMIT_REFRESH, windowMs: seconds(env.RATE_LIMIT_REFRESH_WINDOW_S) },
      authFailures: { max: env.RATE_LIMIT_AUTH_FAILURES, windowMs: seconds(env.RATE_LIMIT_AUTH_FAILURES_WINDOW_S) },
      anonymousPerMinute: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      apiPerMinute: planLimitOverrides(env.RATE_LIMIT_API_PER_MINUTE)
    },
    metricsToken: env.METRICS_TOKEN,
    secrets: { secretKey: env.SECRET_KEY, encryptionKeys: env.ENCRYPTION_MASTER_KEY },
    jwt: {
      algorithm: env.JWT_ALGORITHM,
      privateKeyPem: env.JWT_PRIVATE_KEY?.replace(/\\n/g, '\n'),
      keyId: env.JWT_KEY_ID,
      previousSecretKeys: splitList(env.JWT_PREVIOUS_SECRET_KEYS),
      extraPublicKeys: env.JWT_EXTRA_PUBLIC_KEYS,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_S
    },
    passwordHash: { memoryCost: env.PASSWORD_HASH_MEMORY_KIB, timeCost: env.PASSWORD_HASH_ITERATIONS, parallelism: 1 },
    marketplaces: {
      wildberriesBaseUrl: env.WB_API_BASE_URL,
      ozonBaseUrl: env.OZON_API_BASE_URL,
      timeoutMs: env.MARKETPLACE_TIMEOUT_MS,
      verifyTimeoutMs: env.MARKETPLACE_VERIFY_TIMEOUT_MS,
      maxRetries: env.MARKETPLACE_MAX_RETRIES,
      pacing: env.MARKETPLACE_PACING,
      backoffBaseMs: env.MARKETPLACE_BACKOFF_BASE_MS
    },
    jobs: {
      workerConcurrency: env.WORKER_CONCURRENCY,
      pollIntervalSeconds: env.JOB_POLL_INTERVAL_S,
      syncRetryLimit: env.SYNC_RETRY_LIMIT,
      syncRetryDelaySeconds: env.SYNC_RETRY_DELAY_S,
      syncTimeoutSeconds: env.SYNC_TIMEOUT_S,
      maintenanceIntervalSeconds: env.JOB_MAINTENANCE_INTERVAL_S
    },
    webhooks: {
      requireHttps: env.WEBHOOK_REQUIRE_HTTPS === undefined ? env.NODE_ENV === 'production' : env.WEBHOOK_REQUIRE_HTTPS === 'true',
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true',
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryScheduleSeconds: env.WEBHOOK_RETRY_SCHEDULE_S ? splitList(env.WEBHOOK_RETRY_SCHEDULE_S).map(Number) : RETRY_SCHEDULE_SECONDS,
      disableAfterSeconds: env.WEBHOOK_DISABLE_AFTER_S,
      workerConcurrency: env.WEBHOOK_WORKER_CONCURRENCY,
      retentionDays: env.WEBHOOK_RETENTION_DAYS
    },
    telegram: { baseUrl: env.TELEGRAM_API_BASE_URL, timeoutMs: env.TELEGRAM_TIMEOUT_MS }
  }
}
