import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { PoolStats } from '../db/database.js'
import type { MarketplaceCallEvent } from '../marketplaces/types.js'
import type { AttemptReport } from '../modules/sync/runner.js'

/**
 * CPU, memory, event loop and GC describe the process, not an app instance, and their collectors cannot be stopped
 * once started; so they are collected once per process and merged into every instance's scrape.
 */
let processRegistry: Registry | undefined
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

/** Read on every scrape, so the numbers are current rather than sampled. */
export interface MetricSources {
  /** Waiting jobs (created or awaiting retry) per queue name. */
  queueSizes(): Promise<Record<string, number>>
  dbPool(): PoolStats | null
  /** Password hashes and verifications waiting for a thread. */
  passwordHashesWaiting(): number
}

/**
 * The application's metrics, in a registry of its own per app instance. Labels are bounded sets (route templates,
 * outcomes, marketplaces); tenant ids and emails never become labels.
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry()
  const registers = [registry]

  const httpRequests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers
  })
  const syncAttempts = new Histogram({
    name: 'stock_tracker_sync_attempt_duration_seconds',
    help: 'Sync attempts by outcome (succeeded, failed, retrying, skipped, error) and their duration',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers
  })
  const syncPhases = new Histogram({
    name: 'stock_tracker_sync_phase_duration_seconds',
    help: 'Phases of successful sync attempts: read (marketplaces into staging), stage (its staging writes), merge, forecast, finish (bookkeeping and commit)',
    labelNames: ['phase'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers
  })
  const syncRows = new Counter({
    name: 'stock_tracker_sync_rows_total',
    help: 'Rows read from the marketplaces by successful sync attempts, by kind (products, stock)',
    labelNames: ['kind'] as const,
    registers
  })
  const marketplaceRequests = new Histogram({
    name: 'stock_tracker_marketplace_request_duration_seconds',
    help: 'Marketplace API requests (every attempt) by marketplace, endpoint template and status: an HTTP status, timeout or network_error',
    labelNames: ['marketplace', 'endpoint', 'status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers
  })
  const webhookDeliveries = new Counter({
    name: 'stock_tracker_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome',
    labelNames: ['outcome'] as const,
    registers
  })
  new Gauge({
    name: 'stock_tracker_queue_depth',
    help: 'Jobs waiting in each queue (created or awaiting retry)',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      this.reset()
      // A scrape while the database is away still answers, without this gauge.
      const sizes = await sources.queueSizes().catch(() => ({}))
      for (const [queue, size] of Object.entries(sizes)) this.set({ queue }, size)
    }
  })
  new Gauge({
    name: 'stock_tracker_db_pool_connections',
    help: 'PostgreSQL pool connections by state: total, idle, and waiting (callers waiting for a connection)',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset()
      const pool = sources.dbPool()
      if (pool) for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, pool[state])
    }
  })
  new Gauge({
    name: 'stock_tracker_password_hashes_waiting',
    help: 'Password hashes and verifications (sign-ups, logins, password changes) waiting for a hashing thread',
    registers,
    collect() {
      this.set(sources.passwordHashesWaiting())
    }
  })

  return {
    contentType: registry.contentType,
    /**
     * Incremented by the webhook dispatcher once per delivery attempt.
     *
     * @example app.metrics.webhookDeliveries.inc({ outcome: 'delivered' })
     */
    webhookDeliveries,
    async render(): Promise<string> {
      return Registry.merge([processMetrics(), registry]).metrics()
    },
    observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
      httpRequests.observe({ method, route, status_code: String(statusCode) }, seconds)
    },
    observeSyncAttempt(report: AttemptReport): void {
      syncAttempts.observe({ outcome: report.outcome }, report.durationMs / 1000)
      if (report.outcome !== 'succeeded') return
      for (const [phase, ms] of Object.entries(report.phases)) syncPhases.observe({ phase }, ms / 1000)
      syncRows.inc({ kind: 'products' }, report.productsSeen)
      syncRows.inc({ kind: 'stock' }, report.stockRows)
    },
    observeMarketplaceCall(event: MarketplaceCallEvent): void {
      marketplaceRequests.observe({ marketplace: event.marketplace, endpoint: event.endpoint, status: String(event.status) }, event.durationMs / 1000)
    }
  }
}

export type Metrics = ReturnType<typeof createMetrics>
