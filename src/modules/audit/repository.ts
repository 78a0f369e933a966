import { and, desc, eq, lt } from 'drizzle-orm'
import type { Db } from '../../db/database.js'
import { auditEvents } from '../../db/schema.js'
import type { RequestMeta } from '../auth/context.js'

export type AuditAction =
  | 'tenant.registered'
  | 'tenant.updated'
  | 'login.succeeded'
  | 'login.failed'
  | 'password.changed'
  | 'session.revoked'
  | 'session.reuse_detected'
  | 'credentials.updated'
  | 'credentials.deleted'
  | 'credentials.invalid'
  | 'user.created'
  | 'user.role_changed'
  | 'user.removed'
  | 'plan.changed'
  | 'webhook.created'
  | 'webhook.updated'
  | 'webhook.deleted'
  | 'webhook.secret_rotated'
  | 'webhook.disabled'
  | 'telegram.updated'
  | 'telegram.deleted'
  | 'product.updated'

export interface AuditEvent {
  tenantId: string | null
  actorUserId: string | null
  action: AuditAction
  target?: { type: string; id: string }
  /** Facts about the change; callers never put secrets here (keys appear only as their last four characters). */
  details?: Record<string, unknown>
}

/** Writes an audit event inside the caller's transaction, so the record and the change commit together. */
export async function recordAudit(tx: Db, meta: Partial<RequestMeta>, event: AuditEvent): Promise<void> {
  await tx.insert(auditEvents).values({
    tenantId: event.tenantId,
    actorUserId: event.actorUserId,
    action: event.action,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    ip: meta.ip ?? null,
    requestId: meta.requestId ?? null,
    details: event.details ?? {}
  })
}

export interface AuditFilter {
  action?: string
  actorUserId?: string
  /** Keyset position: only events older than this id. */
  beforeId?: number
}

export type AuditEventRow = typeof auditEvents.$inferSelect

/** The tenant's events, newest first, keyset-paged on the id (the `(tenant_id, id)` index serves both). */
export async function listAuditEvents(tx: Db, tenantId: string, filter: AuditFilter, limit: number): Promise<AuditEventRow[]> {
  return tx
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, tenantId),
        filter.action === undefined ? undefined : eq(auditEvents.action, filter.action),
        filter.actorUserId === undefined ? undefined : eq(auditEvents.actorUserId, filter.actorUserId),
        filter.beforeId === undefined ? undefined : lt(auditEvents.id, filter.beforeId)
      )
    )
    .orderBy(desc(auditEvents.id))
    .limit(limit)
}
