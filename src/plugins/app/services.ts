import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config/env.js'
import { clientFactoryFromConfig } from '../../marketplaces/from-config.js'
import { TelegramClient } from '../../notifications/telegram/client.js'
import { AlertsService } from '../../modules/alerts/service.js'
import { AuditService } from '../../modules/audit/service.js'
import { LoginThrottle } from '../../modules/auth/login-throttle.js'
import { AuthService } from '../../modules/auth/service.js'
import { ProductsService } from '../../modules/products/service.js'
import { StocksService } from '../../modules/stocks/service.js'
import { SyncNotifications } from '../../modules/sync/notifications.js'
import { SyncRunner } from '../../modules/sync/runner.js'
import { SyncService } from '../../modules/sync/service.js'
import { TelegramDelivery } from '../../modules/telegram/delivery.js'
import { TelegramService } from '../../modules/telegram/service.js'
import { TenantsService } from '../../modules/tenants/service.js'
import { UsersService } from '../../modules/users/service.js'
import { WarehousesService } from '../../modules/warehouses/service.js'
import { WebhookDispatcher } from '../../modules/webhooks/dispatcher.js'
import { WebhooksService } from '../../modules/webhooks/service.js'

export interface Services {
  audit: AuditService
  auth: AuthService
  users: UsersService
  tenants: TenantsService
  sync: SyncService
  syncRunner: SyncRunner
  products: ProductsService
  warehouses: WarehousesService
  stocks: StocksService
  webhooks: WebhooksService
  webhookDispatcher: WebhookDispatcher
  alerts: AlertsService
  telegram: TelegramService
  telegramDelivery: TelegramDelivery
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

/** Builds every domain service once from the infrastructure decorators; routes only call these. */
async function services(app: FastifyInstance, opts: { config: Config }) {
  const { db, hasher, tokens, cipher, cursors, cache, metrics } = app
  const { config } = opts
  const { ttlSeconds: cacheTtlSeconds } = config.cache
  const clients = clientFactoryFromConfig(config.marketplaces, (event) => metrics.observeMarketplaceCall(event))
  const loginThrottle = new LoginThrottle(app.rateLimits.counter, config.rateLimits.loginFailures)
  const boss = app.boss
  const telegramClient = new TelegramClient(config.telegram)
  const telegramDelivery = new TelegramDelivery({ db, cipher, client: telegramClient, boss, log: app.log.child({ component: 'telegram' }) })
  const alerts = new AlertsService({ db, cursors, channels: [telegramDelivery] })
  const observer = new SyncNotifications({ boss, alerts })
  const policy = { requireHttps: config.webhooks.requireHttps, allowPrivateNetworks: config.webhooks.allowPrivateNetworks }
  app.decorate('services', {
    audit: new AuditService({ db, cursors }),
    auth: new AuthService({ db, cache, hasher, tokens, cipher, refreshReuseGraceSeconds: opts.config.jwt.refreshReuseGraceSeconds, loginThrottle }),
    users: new UsersService({ db, hasher, cache }),
    tenants: new TenantsService({ db, cipher, clients, cache, cacheTtlSeconds }),
    sync: new SyncService({ db, boss: app.boss, cache, queued: () => app.syncQueued() }),
    syncRunner: new SyncRunner({
      db,
      cipher,
      clients,
      cache,
      log: app.log.child({ component: 'sync' }),
      observer,
      onAttempt: (report) => metrics.observeSyncAttempt(report)
    }),
    products: new ProductsService({ db, cursors, cache, cacheTtlSeconds }),
    warehouses: new WarehousesService({ db, cache, cacheTtlSeconds }),
    stocks: new StocksService({ db }),
    webhooks: new WebhooksService({ db, cipher, cursors, boss, policy }),
    webhookDispatcher: new WebhookDispatcher({ db, cipher, boss, settings: { ...config.webhooks, policy }, log: app.log.child({ component: 'webhooks' }),
      onAttempt: (outcome) => metrics.webhookDeliveries.inc({ outcome })
    }),
    alerts,
    telegram: new TelegramService({ db, cipher, client: telegramClient }),
    telegramDelivery
  })
}

export default fp(services, { name: 'services', dependencies: ['database', 'security', 'jobs', 'cache', 'metrics', 'rate-limits'] })
