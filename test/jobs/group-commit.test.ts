import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { groupCommit } from '../../src/jobs/group-commit.js'

/** A group commit that doubles numbers and remembers each flush it was given. */
function doubling(options: { flushMs?: number } = {}) {
  const flushes: number[][] = []
  const submit = groupCommit(async (items: number[]) => {
    flushes.push(items)
    await delay(options.flushMs ?? 0)
    return items.map((n) => n * 2)
  })
  return { submit, flushes }
}

describe('groupCommit', () => {
  it('should flush the items submitted in one turn together and answer each with its own result', async () => {
    const { submit, flushes } = doubling()

    expect(await Promise.all([submit(1), submit(2), submit(3)])).toEqual([2, 4, 6])
    expect(flushes).toEqual([[1, 2, 3]])
  })

  it('should gather the items submitted while a flush is on its way into the next flush', async () => {
    const { submit, flushes } = doubling({ flushMs: 50 })

    const first = submit(1)
    await delay(10)
    const later = [submit(2), submit(3)]
    await delay(10)
    later.push(submit(4))

    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6, 8])
    expect(flushes).toEqual([[1], [2, 3, 4]])
  })

  it('should fail only the item whose answer rejects', async () => {
    const submit = groupCommit(async (items: number[]) => items.map((n) => (n < 0 ? Promise.reject(new Error(`no ${n}`)) : n)))

    const answers = await Promise.allSettled([submit(1), submit(-1), submit(2)])

    expect(answers).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('no -1') },
      { status: 'fulfilled', value: 2 }
    ])
  })

  it('should fail every item of a flush that throws, and flush later items afresh', async () => {
    let calls = 0
    const submit = groupCommit(async (items: string[]) => {
      calls += 1
      if (calls === 1) throw new Error('database gone')
      return items
    })

    const failed = await Promise.allSettled([submit('a'), submit('b')])
    expect(failed.map((a) => a.status)).toEqual(['rejected', 'rejected'])
    expect(await submit('c')).toBe('c')
  })

  it('should fail the items when the flush answers fewer of them than it was given', async () => {
    const submit = groupCommit(async (items: number[]) => items.slice(1))

    await expect(Promise.all([submit(1), submit(2)])).rejects.toThrow('answered 1 of 2 items')
  })
})
