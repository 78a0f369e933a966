import { setImmediate as nextTurn } from 'node:timers/promises'

interface Waiting<I, O> {
  item: I
  resolve: (value: O | PromiseLike<O>) => void
  reject: (reason: unknown) => void
}

/**
 * Group commit: items submitted while a flush is on its way wait and go together in the next flush, so a burst of
 * work costs a few round trips however large it is, and a lone item waits one turn of the event loop at most. Items
 * submitted in the same turn always share a flush. `flush` answers item by item, in order; an answer may be a
 * promise of its own (which may reject for that item alone), while a throw fails every item of that flush.
 *
 * @example
 * const complete = groupCommit(async (ids: string[]) => {
 *   await boss.complete(queue, ids)
 *   return ids.map(() => undefined)
 * })
 * await Promise.all(finished.map((job) => complete(job.id))) // one statement for the lot
 */
export function groupCommit<I, O>(flush: (items: I[]) => Promise<ReadonlyArray<O | PromiseLike<O>>>): (item: I) => Promise<O> {
  let waiting: Array<Waiting<I, O>> = []
  let draining = false

  async function drain(): Promise<void> {
    draining = true
    // One turn of the event loop first, so that the work one event set going (e.g. all the deliveries a recording
    // finished, each a few awaits from submitting its next item) joins a single flush rather than trickling in.
    await nextTurn()
    while (waiting.length > 0) {
      const group = waiting
      waiting = []
      try {
        const answers = await flush(group.map((w) => w.item))
        if (answers.length !== group.length) throw new Error(`a group commit answered ${answers.length} of ${group.length} items`)
        group.forEach((w, i) => w.resolve(answers[i]!))
      } catch (error) {
        for (const w of group) w.reject(error)
      }
    }
    draining = false
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject })
      if (!draining) void drain()
    })
}
