import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withSettings } from '../../src/db/planner.js'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../helpers/app.js'

let t: TestApp
let owner: Account
beforeAll(async () => {
  t = await buildTestApp()
  owner = await registerTenant(t.app)
})
afterAll(() => t.close())

describe('withSettings', () => {
  it('should apply the settings while the callback runs and give the transaction back its own afterwards', async () => {
    const seen = await t.app.db.tenant(owner.tenantId, async (tx, raw) => {
      const current = async () => (await raw.query<{ nestloop: string; work_mem: string }>("SELECT current_setting('enable_nestloop') AS nestloop, current_setting('work_mem') AS work_mem")).rows[0]!
      await raw.query("SELECT set_config('work_mem', '8MB', true)")
      const inside = await withSettings(tx, { enable_nestloop: 'off', work_mem: '64MB' }, current)
      return { inside, after: await current() }
    })
    expect(seen.inside).toEqual({ nestloop: 'off', work_mem: '64MB' })
    expect(seen.after).toEqual({ nestloop: 'on', work_mem: '8MB' })
  })
})
