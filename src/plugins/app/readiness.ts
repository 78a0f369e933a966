import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** `starting`: not up yet, and expected to be; readiness answers 503 until it is. */
export type CheckState = 'ok' | 'down' | 'degraded' | 'starting'
type Check = () => Promise<CheckState>

declare module 'fastify' {
  interface FastifyInstance {
    readiness: { register(name: string, check: Check): void; check(): Promise<Record<string, CheckState>> }
  }
}

const CHECK_TIMEOUT_MS = 2_000

/** A registry of dependency checks; each infrastructure plugin registers its own, `/health/ready` runs them all. */
async function readiness(app: FastifyInstance) {
  const checks = new Map<string, Check>()
  app.decorate('readiness', {
    register(name: string, check: Check) {
      checks.set(name, check)
    },
    async check() {
      const entries = await Promise.all(
        [...checks].map(async ([name, check]) => {
          const timeout = new Promise<CheckState>((resolve) => setTimeout(resolve, CHECK_TIMEOUT_MS, 'down').unref())
          const state = await Promise.race([check().catch((): CheckState => 'down'), timeout])
          return [name, state] as const
        })
      )
      return Object.fromEntries(entries)
    }
  })
  app.addHook('onReady', async () => {
    app.readiness.register('database', () => app.db.ping().then((): CheckState => 'ok'))
  })
}

export default fp(readiness, { name: 'readiness', dependencies: ['database'] })
