import { recordAudit } from '../modules/audit/repository.js'
import { isPlan, PLAN_NAMES } from '../modules/tenants/plans.js'
import { setPlan } from '../modules/tenants/repository.js'
import { runCommand } from './run.js'

const [tenantId, plan] = process.argv.slice(2)

await runCommand(async ({ db }) => {
  if (!tenantId || !plan || !isPlan(plan)) throw new Error(`usage: npm run set-plan -- <tenant-id> <${PLAN_NAMES.join('|')}>`)
  const changed = await db.system(async (tx) => {
    if (!(await setPlan(tx, tenantId, plan))) return false
    await recordAudit(tx, { requestId: 'cli' }, { tenantId, actorUserId: null, action: 'plan.changed', details: { plan } })
    return true
  })
  if (!changed) throw new Error(`no tenant ${tenantId}`)
  console.log(`Tenant ${tenantId} is now on the ${plan} plan`)
})
