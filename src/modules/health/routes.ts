import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { sendProblem } from '../../plugins/app/problem-details.js'
import { problems } from '../../schemas.js'
import { version } from '../../version.js'

const tags = ['health']

const Check = Type.Union([Type.Literal('ok'), Type.Literal('down'), Type.Literal('degraded'), Type.Literal('starting'), Type.Literal('not_configured')])

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const started = Date.now()

  app.get(
    '/',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String(), uptime_s: Type.Number() }) }
      }
    },
    async () => ({ status: 'ok' as const, version, uptime_s: Math.round((Date.now() - started) / 100) / 10 })
  )

  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Readiness: the database (and Redis, when configured) answer, and the job queue and workers have started',
        response: {
          200: Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]), checks: Type.Record(Type.String(), Check) }),
          ...problems(503)
        }
      }
    },
    async (request, reply) => {
      const checks = await app.readiness.check()
      const notUp = Object.entries(checks).filter(([, state]) => state === 'down' || state === 'starting')
      if (notUp.length > 0) return sendProblem(request, reply, 503, `Not ready: ${notUp.map(([name, state]) => `${name} ${state}`).join(', ')}`, { checks })
      const degraded = Object.values(checks).includes('degraded')
      return { status: degraded ? ('degraded' as const) : ('ok' as const), checks }
    }
  )
}

export default healthRoutes
