import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, problems } from '../../schemas.js'
import type { AuditEventRow } from './repository.js'
import { AuditList, AuditQuery } from './schemas.js'

const tags = ['audit']

function toAuditEventResponse(row: AuditEventRow) {
  return {
    id: row.id,
    action: row.action,
    actor_user_id: row.actorUserId,
    target_type: row.targetType,
    target_id: row.targetId,
    ip: row.ip,
    request_id: row.requestId,
    details: row.details,
    created_at: row.createdAt.toISOString()
  }
}

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const audit = app.services.audit

  app.get(
    '/',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'The tenant’s audit trail, newest first; filter by action or actor',
        querystring: AuditQuery,
        response: { 200: AuditList, ...problems(...AUTH_ERRORS, 422) }
      }
    },
    async (request) => {
      const { action, actor_user_id: actorUserId, limit, cursor } = request.query
      const { events, nextCursor } = await audit.list(authOf(request), { action, actorUserId, limit, cursor })
      return { items: events.map(toAuditEventResponse), next_cursor: nextCursor }
    }
  )
}

export default auditRoutes
