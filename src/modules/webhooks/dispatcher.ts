import type { FastifyBaseLogger } from 'fastify'
import type PgBoss from 'pg-boss'
import type { Database, Db, SqlExecutor } from '../../db/database.js'
import { deliverWebhook, type DeliveryResult } from '../../notifications/webhooks/delivery.js'
import { PinnedAgents } from '../../notifications/webhooks/pinned-agent.js'
import { nextAttemptDelay } from '../../notifications/webhooks/retry-schedule.js'
import { signWebhook } from '../../notifications/webhooks/signing.js'
import type { UrlPolicy } from '../../notifications/webhooks/url-policy.js'
import type { MultiFernet } from '../../security/fernet.js'
import { recordAudit } from '../audit/repository.js'
import { enqueueDeliveries, type DeliveryJob } from './outbox.js'
import * as repo from './repository.js'

/** What receivers answer is kept for the delivery log up to this many bytes. */
const RESPONSE_BODY_BYTES = 2048
/** How long a claimed message stays claimed beyond the request's own deadline, should its worker die. */
const CLAIM_MARGIN_SECONDS = 30

export interface DispatchSettings {
  policy: UrlPolicy
  timeoutMs: number
  retryScheduleSeconds: readonly number[]
  disableAfterSeconds: number
}

export type DispatchOutcome = 'skipped' | 'cancelled' | 'succeeded' | 'retrying' | 'failed' | 'disabled'

/**
 * Delivers one outbox message per job: claims it, signs it (same `webhook-id` every attempt, fresh timestamp,
 * every live secret), POSTs it outside any transaction, then records the attempt and decides what follows in one
 * transaction: done, another attempt on the retry schedule (a new job due then), or the endpoint disabled.
 */
export class WebhookDispatcher {
  private readonly agents = new PinnedAgents()

  constructor(
    private readonly deps: {
      db: Database
      cipher: MultiFernet
      boss: () => Promise<PgBoss>
      settings: DispatchSettings
      log: FastifyBaseLogger
      /** Counts each delivery attempt's outcome (the `stock_tracker_webhook_deliveries_total` metric). */
      onAttempt?: (outcome: DispatchOutcome) => void
    }
  ) {}

  async deliver(job: DeliveryJob): Promise<DispatchOutcome> {
    const { db, cipher, settings } = this.deps
    const { tenantId, messageId } = job
    const leaseSeconds = Math.ceil(settings.timeoutMs / 1000) + CLAIM_MARGIN_SECONDS
    const message = await db.tenant(tenantId, (_tx, raw) => repo.claimMessage(raw, tenantId, messageId, leaseSeconds))
    if (!message) return 'skipped'
    if (!message.enabled) {
      await db.tenant(tenantId, (tx) => repo.cancelMessage(tx, tenantId, messageId))
      return 'cancelled'
    }
    const secrets = [message.secretEncrypted, message.previousSecretEncrypted].filter((s): s is string => s !== null).map((s) => cipher.decrypt(s))
    const result = await deliverWebhook({
      url: message.url,
      headers: signWebhook({ id: message.webhookId, timestamp: new Date(), body: message.body, secrets }),
      body: message.body,
      policy: settings.policy,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: RESPONSE_BODY_BYTES,
      agents: this.agents
    })
    // Awaited outside the transaction: on PGlite the queue could only start on the connection a transaction holds.
    const boss = await this.deps.boss()
    const outcome = await db.tenant(tenantId, (tx, raw) => this.record(boss, tx, raw, tenantId, message, result))
    this.deps.onAttempt?.(outcome)
    const log = this.deps.log.child({ tenantId, messageId, endpointId: message.endpointId, webhookId: message.webhookId })
    if (outcome === 'succeeded') log.debug({ status: result.status, durationMs: result.durationMs }, 'webhook delivered')
    else log.warn({ status: result.status, error: result.error, outcome }, 'webhook attempt failed')
    return outcome
  }

  private async record(
    boss: PgBoss,
    tx: Db,
    raw: SqlExecutor,
    tenantId: string,
    message: repo.ClaimedMessage,
    result: DeliveryResult
  ): Promise<DispatchOutcome> {
    const { settings } = this.deps
    if (!(await repo.lockMessage(tx, tenantId, message.id))) return 'skipped'
    const attempts = message.attempts + 1
    const last = { responseStatus: result.status, durationMs: result.durationMs, error: result.error }
    await repo.insertAttempt(tx, {
      tenantId,
      messageId: message.id,
      attempt: attempts,
      status: result.ok ? 'succeeded' : 'failed',
      responseStatus: result.status,
      durationMs: result.durationMs,
      responseBody: result.responseBody,
      error: result.error
    })
    if (result.ok) {
      await repo.settleMessage(tx, tenantId, message.id, { status: 'succeeded', attempts, last })
      await repo.clearEndpointFailing(tx, tenantId, message.endpointId)
      return 'succeeded'
    }
    if (result.gone) {
      await repo.settleMessage(tx, tenantId, message.id, { status: 'failed', attempts, last })
      await this.disable(tx, tenantId, message.endpointId, 'The receiver answered 410 Gone')
      return 'disabled'
    }
    const failing = await repo.markEndpointFailing(tx, tenantId, message.endpointId, settings.disableAfterSeconds)
    if (failing.expired) {
      await repo.settleMessage(tx, tenantId, message.id, { status: 'failed', attempts, last })
      await this.disable(tx, tenantId, message.endpointId, `Every delivery has failed since ${failing.failingSince.toISOString()}`)
      return 'disabled'
    }
    const delay = nextAttemptDelay(attempts, result.retryAfterSeconds, Math.random, settings.retryScheduleSeconds)
    if (delay === null) {
      await repo.settleMessage(tx, tenantId, message.id, { status: 'failed', attempts, last })
      return 'failed'
    }
    const retryInSeconds = Math.round(delay * 1000) / 1000
    await repo.settleMessage(tx, tenantId, message.id, { status: 'pending', attempts, last, retryInSeconds })
    await enqueueDeliveries(boss, raw, tenantId, [message.id], retryInSeconds)
    return 'retrying'
  }

  /** The tenant learns of it from the endpoint's `disabled_reason` and the `webhook.disabled` audit event. */
  private async disable(tx: Db, tenantId: string, endpointId: string, reason: string): Promise<void> {
    await repo.updateEndpoint(tx, tenantId, endpointId, { enabled: false, disabledReason: reason })
    await repo.cancelPendingMessages(tx, tenantId, endpointId)
    await recordAudit(tx, {}, { tenantId, actorUserId: null, action: 'webhook.disabled', target: { type: 'webhook', id: endpointId }, details: { reason } })
  }
}
