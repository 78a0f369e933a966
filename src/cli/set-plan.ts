import pino from 'pino'
import { openCache } from '../cache/open.js'
import { recordAudit } from '../modules/audit/repository.js'
import { isPlan, PLAN_NAMES } from '../modules/tenants/plans.js'
import { setPlan } from '../modules/tenants/repository.js'
import { runCommand } from './run.js'

const [tenantId, plan] = process.argv.slice(2)

await runCommand(async ({ config, db }) => {
  if (!tenantId || !plan || !isPlan(plan)) throw new Error(`usage: npm run set-plan -- <tenant-id> <${PLAN_NAMES.join('|')}>`)
  // The running servers cache each tenant's overview, plan included; going through their cache shows the new plan at once.
  const { cache, close } = await openCache(config, pino({ level: 'warn' }, pino.destination(2)))
  const changed = await cache
    .invalidating(tenantId, () =>
      db.system(async (tx) => {
        if (!(await setPlan(tx, tenantId, plan))) return false
        await recordAudit(tx, { requestId: 'cli' }, { tenantId, actorUserId: null, action: 'plan.changed', details: { plan } })
        return true
      })
    )
    .finally(close)
  if (!changed) throw new Error(`no tenant ${tenantId}`)
  console.log(`Tenant ${tenantId} is now on the ${plan} plan`)
  if (config.cache.store === 'memory' && config.db.url) {
    console.warn(`CACHE_STORE=memory: a running server caches in its own memory and shows the new plan within ${config.cache.ttlSeconds} s`)
  }
})
