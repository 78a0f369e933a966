import { and, count, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Db, SqlExecutor } from '../../db/database.js'
import { webhookAttempts, webhookEndpoints, webhookMessages } from '../../db/schema.js'

export type EndpointRow = typeof webhookEndpoints.$inferSelect
export type AttemptRow = typeof webhookAttempts.$inferSelect

// ---- endpoints -----------------------------------------------------------------------------------------------

export async function insertEndpoint(
  tx: Db,
  endpoint: { tenantId: string; url: string; description: string | null; events: string[]; enabled: boolean; secretEncrypted: string }
): Promise<EndpointRow> {
  const [row] = await tx.insert(webhookEndpoints).values(endpoint).returning()
  return row!
}

export async function countEndpoints(tx: Db, tenantId: string): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId))
  return row?.n ?? 0
}

export async function listEndpoints(tx: Db, tenantId: string): Promise<EndpointRow[]> {
  return tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId)).orderBy(webhookEndpoints.createdAt, webhookEndpoints.id)
}

export async function findEndpoint(tx: Db, tenantId: string, id: string): Promise<EndpointRow | null> {
  const [row] = await tx
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id)))
  return row ?? null
}

export type EndpointChanges = Partial<Pick<EndpointRow, 'url' | 'description' | 'events' | 'enabled' | 'disabledReason' | 'failingSince'>>

export async function updateEndpoint(tx: Db, tenantId: string, id: string, changes: EndpointChanges): Promise<EndpointRow | null> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id)))
    .returning()
  return row ?? null
}

export async function deleteEndpoint(tx: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await tx
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id)))
    .returning({ id: webhookEndpoints.id })
  return rows.length > 0
}

/** The current secret becomes the previous one, which keeps signing for `graceSeconds`; an older one is dropped. */
export async function rotateSecret(tx: Db, tenantId: string, id: string, secretEncrypted: string, graceSeconds: number): Promise<EndpointRow | null> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({
      secretEncrypted,
      previousSecretEncrypted: sql`${webhookEndpoints.secretEncrypted}`,
      previousSecretExpiresAt: sql`now() + make_interval(secs => ${graceSeconds})`,
      updatedAt: sql`now()`
    })
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id)))
    .returning()
  return row ?? null
}

/** Starts (or continues) the endpoint's run of failures; tells whether the run has lasted `disableAfterSeconds`. */
export async function markEndpointFailing(tx: Db, tenantId: string, id: string, disableAfterSeconds: number): Promise<{ failingSince: Date; expired: boolean }> {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, now())` })
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id)))
    .returning({
      failingSince: webhookEndpoints.failingSince,
      expired: sql<boolean>`${webhookEndpoints.failingSince} <= now() - make_interval(secs => ${disableAfterSeconds})`
    })
  return { failingSince: row?.failingSince ?? new Date(), expired: row?.expired ?? false }
}

// ---- messages (the outbox) -----------------------------------------------------------------------------------

/** The Standard Webhooks envelope and a fresh `msg_…` id, computed by the database for set-based inserts. */
const ENVELOPE = `json_build_object('type', ev.type, 'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', ev.data)::text`
const NEW_WEBHOOK_ID = `'msg_' || replace(gen_random_uuid()::text, '-', '')`

/**
 * Writes one message per event per enabled endpoint subscribed to it, in the caller's transaction. `events` is a
 * SELECT of `(type text, data json)` rows whose parameters start at $2 ($1 is the tenant id). Returns the ids of
 * the messages written.
 */
export async function insertMessagesForEvents(raw: SqlExecutor, tenantId: string, events: string, params: unknown[]): Promise<string[]> {
  const { rows } = await raw.query<{ id: string }>(
    `WITH ev AS (${events})
     INSERT INTO webhook_messages (tenant_id, endpoint_id, webhook_id, event_type, body, next_attempt_at)
     SELECT e.tenant_id, e.id, ${NEW_WEBHOOK_ID}, ev.type, ${ENVELOPE}, now()
       FROM ev JOIN webhook_endpoints e ON e.tenant_id = $1 AND e.enabled AND ev.type = ANY(e.events)
     RETURNING id`,
    [tenantId, ...params]
  )
  return rows.map((r) => r.id)
}

/** One message for one endpoint, whatever it subscribes to (the test ping). */
export async function insertMessageForEndpoint(raw: SqlExecutor, tenantId: string, endpointId: string, type: string, data: object): Promise<string> {
  const { rows } = await raw.query<{ id: string }>(
    `WITH ev AS (SELECT $3::text AS type, $4::json AS data)
     INSERT INTO webhook_messages (tenant_id, endpoint_id, webhook_id, event_type, body, next_attempt_at)
     SELECT $1, $2, ${NEW_WEBHOOK_ID}, ev.type, ${ENVELOPE}, now() FROM ev
     RETURNING id`,
    [tenantId, endpointId, type, JSON.stringify(data)]
  )
  return rows[0]!.id
}

export interface ClaimedMessage {
  id: string
  endpointId: string
  webhookId: string
  body: string
  attempts: number
  url: string
  /** False when the endpoint was disabled: the claim then cancelled the message instead. */
  enabled: boolean
  secretEncrypted: string
  /** Only while the rotation's grace period lasts. */
  previousSecretEncrypted: string | null
}

/**
 * Takes due messages for one attempt each. Only one worker gets a message: its row moves from pending to delivering,
 * and the claim lapses after `leaseSeconds` so a message whose worker died is taken again when pg-boss retries its
 * job. A message of a disabled endpoint is cancelled instead (and returned with `enabled` false). Messages that were
 * delivered, given up, are being delivered or are not due yet are left out. The endpoint's URL and secrets are read
 * with the claim, so a change to the endpoint applies from the next claim on. Rows are locked in id order, so two
 * workers claiming overlapping sets wait for each other rather than deadlock.
 */
export async function claimMessages(raw: SqlExecutor, tenantId: string, ids: string[], leaseSeconds: number): Promise<ClaimedMessage[]> {
  const { rows } = await raw.query<ClaimedMessage>(
    `WITH due AS (
       SELECT id FROM webhook_messages
        WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status IN ('pending', 'delivering') AND next_attempt_at <= now()
        ORDER BY id
        FOR UPDATE
     )
     UPDATE webhook_messages m
        SET status = CASE WHEN e.enabled THEN 'delivering' ELSE 'cancelled' END,
            next_attempt_at = CASE WHEN e.enabled THEN now() + make_interval(secs => $3) END, updated_at = now()
       FROM due, webhook_endpoints e
      WHERE m.tenant_id = $1 AND m.id = due.id AND e.tenant_id = m.tenant_id AND e.id = m.endpoint_id
     RETURNING m.id, m.endpoint_id AS "endpointId", m.webhook_id AS "webhookId", m.body, m.attempts, e.url, e.enabled,
               e.secret_encrypted AS "secretEncrypted",
               CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret_encrypted END AS "previousSecretEncrypted"`,
    [tenantId, ids, leaseSeconds]
  )
  return rows
}

/** A 2xx answer to a claimed message, to be recorded. */
export interface DeliveredAttempt {
  messageId: string
  /** The attempt's number in the message's current round. */
  attempt: number
  responseStatus: number
  durationMs: number
  responseBody: string
}

/**
 * Records successful attempts in one statement however many there are: each message is done, its attempt is logged,
 * and its endpoint's run of failures ends. Returns the ids of the messages recorded; one missing was deleted with its
 * endpoint meanwhile.
 */
export async function settleDelivered(raw: SqlExecutor, tenantId: string, delivered: DeliveredAttempt[]): Promise<string[]> {
  const { rows } = await raw.query<{ id: string }>(
    `WITH d AS (
       SELECT * FROM json_to_recordset($2::json)
           AS d(message_id uuid, attempt int, response_status int, duration_ms int, response_body text)
     ), settled AS (
       UPDATE webhook_messages m
          SET status = 'succeeded', attempts = d.attempt, next_attempt_at = NULL, last_attempt_at = now(),
              last_response_status = d.response_status, last_duration_ms = d.duration_ms, last_error = NULL, updated_at = now()
         FROM d
        WHERE m.tenant_id = $1 AND m.id = d.message_id
       RETURNING m.id, m.endpoint_id
     ), logged AS (
       INSERT INTO webhook_attempts (tenant_id, message_id, attempt, status, response_status, duration_ms, response_body)
       SELECT $1, d.message_id, d.attempt, 'succeeded', d.response_status, d.duration_ms, d.response_body
         FROM d JOIN settled s ON s.id = d.message_id
     ), recovered AS (
       UPDATE webhook_endpoints e SET failing_since = NULL
        WHERE e.tenant_id = $1 AND e.id IN (SELECT endpoint_id FROM settled) AND e.failing_since IS NOT NULL
     )
     SELECT id FROM settled`,
    [
      tenantId,
      JSON.stringify(
        delivered.map((d) => ({
          message_id: d.messageId,
          attempt: d.attempt,
          response_status: d.responseStatus,
          duration_ms: d.durationMs,
          response_body: d.responseBody
        }))
      )
    ]
  )
  return rows.map((r) => r.id)
}

/** Locks a message for recording an attempt; false when it is gone (its endpoint was deleted meanwhile). */
export async function lockMessage(tx: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await tx
    .select({ id: webhookMessages.id })
    .from(webhookMessages)
    .where(and(eq(webhookMessages.tenantId, tenantId), eq(webhookMessages.id, id)))
    .for('update')
  return rows.length > 0
}

export async function insertAttempt(tx: Db, attempt: typeof webhookAttempts.$inferInsert): Promise<void> {
  await tx.insert(webhookAttempts).values(attempt)
}

export interface AttemptSummary {
  responseStatus: number | null
  durationMs: number
  error: string | null
}

/**
 * Records an attempt's outcome on the message: the end of its round, or with `retryInSeconds` a return to pending
 * until then.
 */
export async function settleMessage(
  tx: Db,
  tenantId: string,
  id: string,
  outcome: { status: 'pending' | 'succeeded' | 'failed'; attempts: number; last: AttemptSummary; retryInSeconds?: number }
): Promise<void> {
  await tx
    .update(webhookMessages)
    .set({
      status: outcome.status,
      attempts: outcome.attempts,
      nextAttemptAt: outcome.retryInSeconds === undefined ? null : sql`now() + make_interval(secs => ${outcome.retryInSeconds})`,
      lastAttemptAt: sql`now()`,
      lastResponseStatus: outcome.last.responseStatus,
      lastDurationMs: outcome.last.durationMs,
      lastError: outcome.last.error,
      updatedAt: sql`now()`
    })
    .where(and(eq(webhookMessages.tenantId, tenantId), eq(webhookMessages.id, id)))
}

/** Cancels what an endpoint still had to deliver, when it is disabled. */
export async function cancelPendingMessages(tx: Db, tenantId: string, endpointId: string): Promise<void> {
  await tx
    .update(webhookMessages)
    .set({ status: 'cancelled', nextAttemptAt: null, updatedAt: sql`now()` })
    .where(
      and(eq(webhookMessages.tenantId, tenantId), eq(webhookMessages.endpointId, endpointId), inArray(webhookMessages.status, ['pending', 'delivering']))
    )
}

/** Starts a new round for a message that is no longer in flight; null when it is (or does not exist). */
export async function requeueMessage(tx: Db, tenantId: string, endpointId: string, id: string): Promise<MessageRow | null> {
  const [row] = await tx
    .update(webhookMessages)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
    .where(
      and(
        eq(webhookMessages.tenantId, tenantId),
        eq(webhookMessages.endpointId, endpointId),
        eq(webhookMessages.id, id),
        inArray(webhookMessages.status, ['succeeded', 'failed', 'cancelled'])
      )
    )
    .returning({ id: webhookMessages.id })
  return row ? findMessage(tx, tenantId, endpointId, row.id) : null
}

/**
 * Deletes up to `limit` finished messages (their attempts go with them, by cascade) that were created and last
 * changed more than `olderThanDays` days ago, across tenants (run as `stock_system`). Returns how many went.
 */
export async function deleteFinishedMessages(raw: SqlExecutor, olderThanDays: number, limit: number): Promise<number> {
  const { rows } = await raw.query<{ n: number }>(
    `WITH doomed AS (
       SELECT tenant_id, id FROM webhook_messages
        WHERE created_at < now() - make_interval(days => $1) AND updated_at < now() - make_interval(days => $1)
          AND status IN ('succeeded', 'failed', 'cancelled')
        ORDER BY created_at LIMIT $2
        FOR UPDATE SKIP LOCKED
     ), deleted AS (
       DELETE FROM webhook_messages m USING doomed d WHERE m.tenant_id = d.tenant_id AND m.id = d.id RETURNING 1
     )
     SELECT count(*)::int AS n FROM deleted`,
    [olderThanDays, limit]
  )
  return rows[0]?.n ?? 0
}

// ---- delivery log ----------------------------------------------------------------------------------------------

export type MessageRow = Omit<typeof webhookMessages.$inferSelect, 'tenantId' | 'endpointId' | 'updatedAt'> & {
  /** `created_at` to the microsecond (a Date keeps milliseconds): the key of the delivery log's keyset. */
  createdAtKey: string
}

const messageColumns = {
  id: webhookMessages.id,
  webhookId: webhookMessages.webhookId,
  eventType: webhookMessages.eventType,
  body: webhookMessages.body,
  status: webhookMessages.status,
  attempts: webhookMessages.attempts,
  nextAttemptAt: webhookMessages.nextAttemptAt,
  lastAttemptAt: webhookMessages.lastAttemptAt,
  lastResponseStatus: webhookMessages.lastResponseStatus,
  lastDurationMs: webhookMessages.lastDurationMs,
  lastError: webhookMessages.lastError,
  createdAt: webhookMessages.createdAt,
  createdAtKey: sql<string>`${webhookMessages.createdAt}::text`
}

/** An endpoint's messages, newest first, keyset-paged on (created_at, id). */
export async function listMessages(
  tx: Db,
  tenantId: string,
  endpointId: string,
  options: { limit: number; status?: string; before?: { createdAtKey: string; id: string } }
): Promise<MessageRow[]> {
  const { limit, status, before } = options
  return tx
    .select(messageColumns)
    .from(webhookMessages)
    .where(
      and(
        eq(webhookMessages.tenantId, tenantId),
        eq(webhookMessages.endpointId, endpointId),
        status ? eq(webhookMessages.status, status) : undefined,
        before ? sql`(${webhookMessages.createdAt}, ${webhookMessages.id}) < (${before.createdAtKey}::timestamptz, ${before.id}::uuid)` : undefined
      )
    )
    .orderBy(desc(webhookMessages.createdAt), desc(webhookMessages.id))
    .limit(limit)
}

export async function findMessage(tx: Db, tenantId: string, endpointId: string, id: string): Promise<MessageRow | null> {
  const [row] = await tx
    .select(messageColumns)
    .from(webhookMessages)
    .where(and(eq(webhookMessages.tenantId, tenantId), eq(webhookMessages.endpointId, endpointId), eq(webhookMessages.id, id)))
  return row ?? null
}

export async function listAttempts(tx: Db, tenantId: string, messageId: string): Promise<AttemptRow[]> {
  return tx
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.tenantId, tenantId), eq(webhookAttempts.messageId, messageId)))
    .orderBy(webhookAttempts.id)
}
