import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { QueryOptions, Results } from '@electric-sql/pglite'
import { projectPath } from '../project-root.js'
import type { Reply, Request, ThreadError, ThreadOptions, ThreadQueryOptions } from './pglite-worker.js'

/** What the database layer, Drizzle's PGlite driver and pg-boss's adapter call on PGlite or on one transaction of it. */
export interface PgliteQueries {
  query<T = Record<string, unknown>>(text: string, values?: unknown[], options?: QueryOptions): Promise<Results<T>>
  exec(text: string): Promise<Results[]>
}

/** Distributes Omit over the union, so each request keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never

/**
 * The bundled build runs dist/db/pglite-worker.js; tests and tsx run from src/, where Node 20 cannot load the
 * TypeScript worker itself, so tsx's loader imports it inside the new thread.
 */
const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith('.ts')
const WORKER_FILE = FROM_SOURCE ? projectPath('src', 'db', 'pglite-worker.ts') : projectPath('dist', 'db', 'pglite-worker.js')

function spawnWorker(options: ThreadOptions): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_FILE, { workerData: options })
  const load = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(WORKER_FILE)}, ${JSON.stringify(import.meta.url)}))`
  return new Worker(load, { eval: true, workerData: options })
}

function toError(error: ThreadError): Error {
  return Object.assign(new Error(error.message), error.fields)
}

/** PGlite's parsers are functions, which cannot cross threads; the only ones in use (Drizzle's) keep a type's text. */
function threadOptions(options: QueryOptions | undefined): ThreadQueryOptions | undefined {
  if (!options) return undefined
  const { parsers, serializers, onNotice, ...rest } = options
  if (serializers || onNotice) throw new Error('serializers and onNotice do not cross to the database thread')
  if (!parsers) return rest
  const rawTypes = Object.entries(parsers).map(([type, parse]) => {
    if (parse('2026-01-01 00:00:00', Number(type)) !== '2026-01-01 00:00:00') throw new Error(`parser for type ${type} must keep the text`)
    return Number(type)
  })
  return { ...rest, rawTypes }
}

/**
 * PGlite on a thread of its own (pglite-worker.ts), with PGlite's query, exec and transaction. Transactions are
 * exclusive as in PGlite itself: while one is open, other statements wait for it in the database thread.
 */
export class PgliteThread implements PgliteQueries {
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>()
  #nextId = 0
  #stopped: Error | undefined

  /** Starts the thread; `ready` settles once PGlite has started there (or failed to). */
  static start(options: ThreadOptions): { thread: PgliteThread; ready: Promise<void> } {
    const thread = new PgliteThread(spawnWorker(options))
    return { thread, ready: thread.#started() }
  }

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.on('message', (reply: Reply) => {
      if (!('id' in reply)) return
      const waiting = this.#pending.get(reply.id)
      this.#pending.delete(reply.id)
      if (reply.error) waiting?.reject(toError(reply.error))
      else waiting?.resolve(reply.result)
    })
    worker.on('error', (error) => this.#stop(error))
    worker.on('exit', (code) => this.#stop(new Error(`the embedded database's thread exited (code ${code})`)))
  }

  #started(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onReply = (reply: Reply) => {
        if (!('ready' in reply)) return
        this.#worker.off('message', onReply)
        this.#worker.off('exit', onExit)
        if (reply.ready) resolve()
        else reject(toError(reply.error))
      }
      const onExit = (code: number) => reject(new Error(`the embedded database's thread exited (code ${code}) while starting`))
      this.#worker.on('message', onReply)
      this.#worker.once('exit', onExit)
    })
  }

  #stop(error: Error): void {
    this.#stopped ??= error
    for (const waiting of this.#pending.values()) waiting.reject(error)
    this.#pending.clear()
  }

  #call<T>(request: WithoutId<Request>): Promise<T> {
    if (this.#stopped) return Promise.reject(this.#stopped)
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (result: unknown) => void, reject })
      try {
        this.#worker.postMessage({ ...request, id })
      } catch (error) {
        // A value that cannot be copied to the thread (a function, say): this statement fails, the thread goes on.
        this.#pending.delete(id)
        reject(error as Error)
      }
    })
  }

  query<T>(text: string, values?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#query(undefined, text, values, options)
  }

  exec(text: string): Promise<Results[]> {
    return this.#call({ op: 'exec', text })
  }

  async #query<T>(tx: number | undefined, text: string, values?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#call({ op: 'query', tx, text, values, options: threadOptions(options) })
  }

  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws, as PGlite's own. */
  async transaction<T>(fn: (tx: PgliteQueries) => Promise<T>): Promise<T> {
    const id = this.#nextId++
    await this.#call({ op: 'begin', tx: id })
    const tx: PgliteQueries = {
      query: (text, values, options) => this.#query(id, text, values, options),
      exec: (text) => this.#call({ op: 'exec', tx: id, text })
    }
    let result: T
    try {
      result = await fn(tx)
    } catch (error) {
      await this.#call({ op: 'end', tx: id, commit: false }).catch(() => undefined)
      throw error
    }
    await this.#call({ op: 'end', tx: id, commit: true })
    return result
  }

  async close(): Promise<void> {
    if (this.#stopped) return
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve))
    await this.#call({ op: 'close' })
    await exited
  }
}
