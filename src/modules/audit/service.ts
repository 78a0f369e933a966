import type { Database } from '../../db/database.js'
import { invalid } from '../../errors.js'
import type { CursorSigner } from '../../security/cursors.js'
import type { AuthContext } from '../auth/context.js'
import { listAuditEvents, type AuditEventRow } from './repository.js'

export interface AuditListQuery {
  action?: string
  actorUserId?: string
  limit: number
  cursor?: string
}

/** Names the list in its cursors, so a cursor of another list is refused rather than misread. */
const CURSOR_KIND = 'audit'

export class AuditService {
  constructor(private readonly deps: { db: Database; cursors: CursorSigner }) {}

  async list(auth: AuthContext, query: AuditListQuery): Promise<{ events: AuditEventRow[]; nextCursor: string | null }> {
    const filter = { action: query.action, actorUserId: query.actorUserId, beforeId: query.cursor === undefined ? undefined : this.decodeCursor(query.cursor) }
    // One row past the page tells whether another page follows.
    const rows = await this.deps.db.tenant(auth.tenantId, (tx) => listAuditEvents(tx, auth.tenantId, filter, query.limit + 1))
    const events = rows.slice(0, query.limit)
    const last = events.at(-1)
    return { events, nextCursor: rows.length > query.limit && last ? this.deps.cursors.encode([CURSOR_KIND, last.id]) : null }
  }

  private decodeCursor(cursor: string): number {
    const values = this.deps.cursors.decode(cursor)
    const id = values?.[1]
    if (values?.length !== 2 || values[0] !== CURSOR_KIND || typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
      throw invalid('cursor', 'is not a cursor of this list')
    }
    return id
  }
}
