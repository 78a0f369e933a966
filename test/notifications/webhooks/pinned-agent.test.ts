import type { LookupAddress } from 'node:dns'
import { describe, expect, it } from 'vitest'
import { pinnedLookup } from '../../../src/notifications/webhooks/pinned-agent.js'

const checked: LookupAddress[] = [
  { address: '93.184.216.34', family: 4 },
  { address: '2606:2800:220:1::1', family: 6 }
]

function ask(addresses: LookupAddress[], all: boolean) {
  return new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) => {
    pinnedLookup(addresses)('any.example.com', { all }, (error, address, family) => resolve({ error, address, family }))
  })
}

describe('pinnedLookup', () => {
  it('should answer every checked address when all are asked for', async () => {
    expect(await ask(checked, true)).toEqual({ error: null, address: checked, family: undefined })
  })

  it('should answer the first checked address when one is asked for', async () => {
    expect(await ask(checked, false)).toEqual({ error: null, address: '93.184.216.34', family: 4 })
  })

  it('should fail with ENOTFOUND when nothing was checked', async () => {
    const { error } = await ask([], true)
    expect(error).toMatchObject({ code: 'ENOTFOUND', message: 'no checked address for any.example.com' })
  })
})
