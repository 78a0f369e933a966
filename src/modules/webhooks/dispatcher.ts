import type { FastifyBaseLogger } from 'fastify'
import { LRUCache } from 'lru-cache'
import type PgBoss from 'pg-boss'
import type { Database, Db, SqlExecutor } from '../../db/database.js'
import { groupCommit } from '../../jobs/group-commit.js'
import { webhookClaimSeconds } from '../../jobs/queue.js'
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
/** Decrypted signing secrets kept, one or two per endpoint in use. */
const SECRETS_KEPT = 1_000

export interface DispatchSettings {
  policy: UrlPolicy
  timeoutMs: number
  retryScheduleSeconds: readonly number[]
  disableAfterSeconds: number
}

export type DispatchOutcome = 'skipped' | 'cancelled' | 'succeeded' | 'retrying' | 'failed' | 'disabled'

/** A claimed message the receiver took, waiting to be recorded. */
interface Delivered {
  tenantId: string
  message: repo.ClaimedMessage
  result: DeliveryResult
}

/**
 * Delivers one outbox message per job: claims it, signs it (same `webhook-id` every attempt, fresh timestamp,
 * every live secret), POSTs it outside any transaction, then records the attempt and decides what follows in one
 * transaction: done, another attempt on the retry schedule (a new job due then), or the endpoint disabled.
 *
 * The database work of many deliveries is shared: the jobs a worker fetched together are claimed in one statement,
 * and the successes that finish while one group is being recorded are recorded together in the next (group commit),
 * so a fan-out costs a few round trips per group rather than several per message. Failures, which need decisions per
 * endpoint, are recorded one by one.
 */
export class WebhookDispatcher {
  private readonly agents = new PinnedAgents()
  /** By ciphertext: a rotation stores a new one, so a kept secret is never stale. */
  private readonly secrets = new LRUCache<string, string>({ max: SECRETS_KEPT })
  private readonly claim = groupCommit((jobs: DeliveryJob[]) => this.claimAll(jobs))
  private readonly recordDelivered = groupCommit((delivered: Delivered[]) => this.settleAll(delivered))

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
    const { settings } = this.deps
    const { tenantId, messageId } = job
    const message = await this.claim(job)
    if (!message) return 'skipped'
    if (!message.enabled) return 'cancelled'
    const secrets = [message.secretEncrypted, message.previousSecretEncrypted].filter((s): s is string => s !== null).map((s) => this.decrypt(s))
    const result = await deliverWebhook({
      url: message.url,
      headers: signWebhook({ id: message.webhookId, timestamp: new Date(), body: message.body, secrets }),
      body: message.body,
      policy: settings.policy,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: RESPONSE_BODY_BYTES,
      agents: this.agents
    })
    const outcome = result.ok ? await this.recordDelivered({ tenantId, message, result }) : await this.recordFailure(tenantId, message, result)
    this.deps.onAttempt?.(outcome)
    const context = { tenantId, messageId, endpointId: message.endpointId, webhookId: message.webhookId }
    if (outcome === 'succeeded') this.deps.log.debug({ ...context, status: result.status, durationMs: result.durationMs }, 'webhook delivered')
    else this.deps.log.warn({ ...context, status: result.status, error: result.error, outcome }, 'webhook attempt failed')
    return outcome
  }

  private decrypt(ciphertext: string): string {
    let secret = this.secrets.get(ciphertext)
    if (secret === undefined) {
      secret = this.deps.cipher.decrypt(ciphertext)
      this.secrets.set(ciphertext, secret)
    }
    return secret
  }

  /** One claim per tenant among the jobs; a message that two of them name goes to the first only. */
  private async claimAll(jobs: DeliveryJob[]): Promise<Array<repo.ClaimedMessage | null>> {
    const leaseSeconds = webhookClaimSeconds(this.deps.settings.timeoutMs)
    const claimed = new Map<string, repo.ClaimedMessage>()
    await Promise.all(
      [...groupBy(jobs, (job) => job.tenantId)].map(async ([tenantId, group]) => {
        const ids = [...new Set(group.map((job) => job.messageId))]
        const rows = await this.deps.db.tenant(tenantId, (_tx, raw) => repo.claimMessages(raw, tenantId, ids, leaseSeconds))
        for (const row of rows) claimed.set(`${tenantId} ${row.id}`, row)
      })
    )
    return jobs.map((job) => {
      const key = `${job.tenantId} ${job.messageId}`
      const message = claimed.get(key) ?? null
      claimed.delete(key)
      return message
    })
  }

  /**
   * One transaction per tenant for the lot. Should it fail (a deadlock with another worker, a row the database
   * refuses), each delivery is recorded again on its own, so one bad row fails its own delivery only.
   */
  private async settleAll(delivered: Delivered[]): Promise<Array<DispatchOutcome | Promise<DispatchOutcome>>> {
    const outcomes = new Map<Delivered, DispatchOutcome | Promise<DispatchOutcome>>()
    await Promise.all(
      [...groupBy(delivered, (d) => d.tenantId)].map(async ([tenantId, group]) => {
        try {
          const settled = new Set(await this.settle(tenantId, group))
          for (const d of group) outcomes.set(d, settled.has(d.message.id) ? 'succeeded' : 'skipped')
        } catch {
          for (const d of group) outcomes.set(d, this.settle(tenantId, [d]).then((ids) => (ids.length > 0 ? 'succeeded' : 'skipped')))
        }
      })
    )
    return delivered.map((d) => outcomes.get(d)!)
  }

  private settle(tenantId: string, delivered: Delivered[]): Promise<string[]> {
    const attempts = delivered.map(({ message, result }) => ({
      messageId: message.id,
      attempt: message.attempts + 1,
      responseStatus: result.status!,
      durationMs: result.durationMs,
      responseBody: result.responseBody
    }))
    return this.deps.db.tenant(tenantId, (_tx, raw) => repo.settleDelivered(raw, tenantId, attempts))
  }

  private async recordFailure(tenantId: string, message: repo.ClaimedMessage, result: DeliveryResult): Promise<DispatchOutcome> {
    // Awaited outside the transaction: on PGlite the queue could only start on the connection a transaction holds.
    const boss = await this.deps.boss()
    return this.deps.db.tenant(tenantId, (tx, raw) => this.record(boss, tx, raw, tenantId, message, result))
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
      status: 'failed',
      responseStatus: result.status,
      durationMs: result.durationMs,
      responseBody: result.responseBody,
      error: result.error
    })
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

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}
