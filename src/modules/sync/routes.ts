import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { invalid } from '../../errors.js'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, IdParams, problems } from '../../schemas.js'
import type { SyncJobRow } from './repository.js'
import { SyncAccepted, SyncJob, SyncJobList, SyncJobsQuery } from './schemas.js'

const tags = ['sync']

export function toSyncJobResponse(job: SyncJobRow) {
  return {
    id: job.id,
    status: job.status,
    trigger: job.trigger as 'manual' | 'scheduled',
    marketplaces: job.marketplaces as Array<'wildberries' | 'ozon'>,
    attempts: job.attempts,
    progress: { pages: job.pages, products: job.productsSeen, stock_rows: job.stockRows },
    truncated: job.truncated,
    error: job.errorCode ? { code: job.errorCode, detail: job.errorDetail } : null,
    requested_by: job.requestedBy,
    created_at: job.createdAt.toISOString(),
    started_at: job.startedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null
  }
}

/** Keyset cursor over (created_at, id), opaque to clients. */
function encodeCursor(job: SyncJobRow): string {
  return Buffer.from(JSON.stringify([job.createdAt.toISOString(), job.id])).toString('base64url')
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string]
    const date = new Date(createdAt)
    if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor')
    return { createdAt: date, id }
  } catch {
    throw invalid('cursor', 'is not a cursor this API issued')
  }
}

const syncRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const sync = app.services.sync

  app.post(
    '/products/sync',
    {
      config: { permission: 'sync:run' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Queue a sync of the catalogue and stock (an already queued or running sync is returned instead)',
        response: { 202: SyncAccepted, ...problems(...AUTH_ERRORS, 409) }
      }
    },
    async (request, reply) => {
      const { job } = await sync.request(authOf(request))
      const statusUrl = `/api/v1/sync/jobs/${job.id}`
      return reply
        .code(202)
        .header('location', statusUrl)
        .send({ job_id: job.id, status: job.status as 'queued', status_url: statusUrl, job: toSyncJobResponse(job) })
    }
  )

  app.get(
    '/sync/jobs',
    {
      config: { permission: 'sync:read' },
      schema: { tags, security: BEARER_AUTH, summary: 'Sync jobs, newest first', querystring: SyncJobsQuery, response: { 200: SyncJobList, ...problems(...AUTH_ERRORS, 422) } }
    },
    async (request) => {
      const { limit, cursor } = request.query
      const rows = await sync.list(authOf(request), limit + 1, cursor ? decodeCursor(cursor) : undefined)
      const page = rows.slice(0, limit)
      return { items: page.map(toSyncJobResponse), next_cursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null }
    }
  )

  app.get(
    '/sync/jobs/:id',
    {
      config: { permission: 'sync:read' },
      schema: { tags, security: BEARER_AUTH, summary: 'One sync job', params: IdParams, response: { 200: Type.Ref(SyncJob), ...problems(...AUTH_ERRORS, 404, 422) } }
    },
    async (request) => toSyncJobResponse(await sync.get(authOf(request), request.params.id))
  )
}

export default syncRoutes
