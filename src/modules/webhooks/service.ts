import type PgBoss from 'pg-boss'
import type { Database } from '../../db/database.js'
import { conflict, invalid, notFound } from '../../errors.js'
import { generateWebhookSecret } from '../../notifications/webhooks/signing.js'
import { assertDeliverableUrl, UnsafeUrlError, type UrlPolicy } from '../../notifications/webhooks/url-policy.js'
import type { CursorSigner } from '../../security/cursors.js'
import type { MultiFernet } from '../../security/fernet.js'
import { recordAudit } from '../audit/repository.js'
import type { AuthContext } from '../auth/context.js'
import { TEST_EVENT, type WebhookEvent } from './events.js'
import { enqueueDeliveries, publishToEndpoint } from './outbox.js'
import * as repo from './repository.js'

/** Enough for a receiver per integration; each event is written once per endpoint, so the fan-out stays bounded. */
export const MAX_ENDPOINTS_PER_TENANT = 20
/** How long the secret replaced by a rotation keeps signing, so receivers can switch without losing messages. */
export const ROTATION_GRACE_SECONDS = 24 * 60 * 60
/** Names the list in its cursors, so a cursor of another list is refused rather than misread. */
const DELIVERIES_CURSOR = 'webhook-deliveries'

export interface CreateEndpointInput {
  url: string
  events: WebhookEvent[]
  description?: string
  enabled?: boolean
}

export interface UpdateEndpointInput {
  url?: string
  events?: WebhookEvent[]
  description?: string | null
  enabled?: boolean
}

/** The tenant-facing side of webhooks: endpoints, their secrets and their delivery log. */
export class WebhooksService {
  constructor(
    private readonly deps: { db: Database; cipher: MultiFernet; cursors: CursorSigner; boss: () => Promise<PgBoss>; policy: UrlPolicy }
  ) {}

  /** Creates an endpoint; the plain secret is in this answer and nowhere else. */
  async create(auth: AuthContext, input: CreateEndpointInput): Promise<{ endpoint: repo.EndpointRow; secret: string }> {
    const url = await this.checkUrl(input.url)
    const secret = generateWebhookSecret()
    const endpoint = await this.deps.db.tenant(auth.tenantId, async (tx) => {
      if ((await repo.countEndpoints(tx, auth.tenantId)) >= MAX_ENDPOINTS_PER_TENANT) {
        throw conflict(`A tenant can have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`, 'webhook-limit')
      }
      const row = await repo.insertEndpoint(tx, {
        tenantId: auth.tenantId,
        url,
        description: input.description ?? null,
        events: input.events,
        enabled: input.enabled ?? true,
        secretEncrypted: this.deps.cipher.encrypt(secret)
      })
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'webhook.created',
        target: { type: 'webhook', id: row.id },
        details: { url, events: input.events }
      })
      return row
    })
    return { endpoint, secret }
  }

  async list(auth: AuthContext): Promise<repo.EndpointRow[]> {
    return this.deps.db.tenant(auth.tenantId, (tx) => repo.listEndpoints(tx, auth.tenantId))
  }

  async get(auth: AuthContext, id: string): Promise<repo.EndpointRow> {
    const endpoint = await this.deps.db.tenant(auth.tenantId, (tx) => repo.findEndpoint(tx, auth.tenantId, id))
    if (!endpoint) throw notFound('Webhook')
    return endpoint
  }

  /** Re-enabling an endpoint the system disabled clears the reason and starts its failure clock afresh. */
  async update(auth: AuthContext, id: string, input: UpdateEndpointInput): Promise<repo.EndpointRow> {
    const url = input.url === undefined ? undefined : await this.checkUrl(input.url)
    const changes: repo.EndpointChanges = {
      ...(url === undefined ? {} : { url }),
      ...(input.events === undefined ? {} : { events: input.events }),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.enabled === undefined ? {} : { enabled: input.enabled, disabledReason: null, failingSince: null })
    }
    return this.deps.db.tenant(auth.tenantId, async (tx) => {
      const updated = await repo.updateEndpoint(tx, auth.tenantId, id, changes)
      if (!updated) throw notFound('Webhook')
      if (input.enabled === false) await repo.cancelPendingMessages(tx, auth.tenantId, id)
      await recordAudit(tx, auth, {
        tenantId: auth.tenantId,
        actorUserId: auth.userId,
        action: 'webhook.updated',
        target: { type: 'webhook', id },
        details: { ...input }
      })
      return updated
    })
  }

  async remove(auth: AuthContext, id: string): Promise<void> {
    await this.deps.db.tenant(auth.tenantId, async (tx) => {
      if (!(await repo.deleteEndpoint(tx, auth.tenantId, id))) throw notFound('Webhook')
      await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'webhook.deleted', target: { type: 'webhook', id } })
    })
  }

  /** A new secret, shown once; the old one keeps signing next to it for `ROTATION_GRACE_SECONDS`. */
  async rotateSecret(auth: AuthContext, id: string): Promise<{ secret: string; previousSecretExpiresAt: Date }> {
    const secret = generateWebhookSecret()
    const endpoint = await this.deps.db.tenant(auth.tenantId, async (tx) => {
      const row = await repo.rotateSecret(tx, auth.tenantId, id, this.deps.cipher.encrypt(secret), ROTATION_GRACE_SECONDS)
      if (!row) throw notFound('Webhook')
      await recordAudit(tx, auth, { tenantId: auth.tenantId, actorUserId: auth.userId, action: 'webhook.secret_rotated', target: { type: 'webhook', id } })
      return row
    })
    return { secret, previousSecretExpiresAt: endpoint.previousSecretExpiresAt! }
  }

  /** The endpoint's delivery log, newest first, one page at a time. */
  async deliveries(
    auth: AuthContext,
    id: string,
    query: { limit: number; status?: string; cursor?: string }
  ): Promise<{ items: repo.MessageRow[]; nextCursor: string | null }> {
    const before = query.cursor ? this.#decodeCursor(query.cursor) : undefined
    const rows = await this.deps.db.tenant(auth.tenantId, async (tx) => {
      if (!(await repo.findEndpoint(tx, auth.tenantId, id))) throw notFound('Webhook')
      return repo.listMessages(tx, auth.tenantId, id, { limit: query.limit + 1, status: query.status, before })
    })
    const items = rows.slice(0, query.limit)
    const last = items.at(-1)
    return { items, nextCursor: rows.length > query.limit && last ? this.deps.cursors.encode([DELIVERIES_CURSOR, last.createdAtKey, last.id]) : null }
  }

  #decodeCursor(cursor: string): { createdAtKey: string; id: string } {
    const [list, createdAtKey, id] = this.deps.cursors.decode(cursor) ?? []
    if (list !== DELIVERIES_CURSOR || typeof createdAtKey !== 'string' || typeof id !== 'string') throw invalid('cursor', 'is not a cursor of this list')
    return { createdAtKey, id }
  }

  async delivery(auth: AuthContext, id: string, deliveryId: string): Promise<{ message: repo.MessageRow; attempts: repo.AttemptRow[] }> {
    return this.deps.db.tenant(auth.tenantId, async (tx) => {
      const message = await repo.findMessage(tx, auth.tenantId, id, deliveryId)
      if (!message) throw notFound('Delivery')
      return { message, attempts: await repo.listAttempts(tx, auth.tenantId, deliveryId) }
    })
  }

  /** Sends a finished message again, with the same `webhook-id` and body, as a new round with its own retries. */
  async redeliver(auth: AuthContext, id: string, deliveryId: string): Promise<repo.MessageRow> {
    const boss = await this.deps.boss()
    return this.deps.db.tenant(auth.tenantId, async (tx, raw) => {
      const endpoint = await repo.findEndpoint(tx, auth.tenantId, id)
      if (!endpoint) throw notFound('Webhook')
      if (!endpoint.enabled) throw conflict('The webhook is disabled; enable it before redelivering', 'webhook-disabled')
      const message = await repo.requeueMessage(tx, auth.tenantId, id, deliveryId)
      if (!message) {
        if (await repo.findMessage(tx, auth.tenantId, id, deliveryId)) throw conflict('The delivery is still in progress', 'delivery-in-progress')
        throw notFound('Delivery')
      }
      await enqueueDeliveries(boss, raw, auth.tenantId, [message.id])
      return message
    })
  }

  /** Sends a `webhook.test` message through the normal pipeline (signing, retries, delivery log). */
  async sendTest(auth: AuthContext, id: string): Promise<repo.MessageRow> {
    const boss = await this.deps.boss()
    return this.deps.db.tenant(auth.tenantId, async (tx, raw) => {
      const endpoint = await repo.findEndpoint(tx, auth.tenantId, id)
      if (!endpoint) throw notFound('Webhook')
      if (!endpoint.enabled) throw conflict('The webhook is disabled; enable it before testing', 'webhook-disabled')
      const messageId = await publishToEndpoint(boss, raw, auth.tenantId, id, TEST_EVENT, {
        webhook_endpoint_id: id,
        message: 'This is a test event from Stock Tracker'
      })
      return (await repo.findMessage(tx, auth.tenantId, id, messageId))!
    })
  }

  private async checkUrl(url: string): Promise<string> {
    try {
      await assertDeliverableUrl(url, this.deps.policy)
    } catch (error) {
      if (error instanceof UnsafeUrlError) throw invalid('url', error.reason)
      throw error
    }
    return url
  }
}
