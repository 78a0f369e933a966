/**
 * The embedded database's own thread: PGlite runs PostgreSQL compiled to WebAssembly on the thread that calls it, so
 * here it starts (~0.5 s of CPU) while the main thread loads the application, and its queries run beside the main
 * thread's request handling instead of inside it. Speaks the protocol of pglite-thread.ts.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite, type QueryOptions, type Transaction } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'

export interface ThreadOptions {
  /** The PostgreSQL data directory; in memory when absent. */
  pgdata?: string | undefined
}

/** One process's working set; pages beyond it are read back from the operating system's file cache, not the disk. */
const SHARED_BUFFERS = '32MB'

/** Query options that survive a copy between threads: parsers become the types whose text is kept as it came. */
export interface ThreadQueryOptions extends Omit<QueryOptions, 'parsers' | 'serializers' | 'onNotice'> {
  rawTypes?: number[]
}

export type Request =
  | { id: number; op: 'query'; tx?: number | undefined; text: string; values?: unknown[] | undefined; options?: ThreadQueryOptions | undefined }
  | { id: number; op: 'exec'; tx?: number | undefined; text: string }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' }

/** An error's message and its PostgreSQL fields (`code`, `constraint`, …), which a structured copy would drop. */
export interface ThreadError {
  message: string
  fields: Record<string, unknown>
}

export type Reply = { ready: true } | { ready: false; error: ThreadError } | { id: number; result?: unknown; error?: ThreadError }

const port = parentPort!
const options = workerData as ThreadOptions

/** An open transaction: PGlite's handle, and how to finish the callback PGlite runs it in. */
interface OpenTransaction {
  tx: Transaction
  finish(commit: boolean): void
  finished: Promise<void>
}
const transactions = new Map<number, OpenTransaction>()

const keepText = (value: string) => value

/** PostgreSQL's error fields are text and numbers; the statement's options beside them may hold functions. */
function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { message: String(error), fields: {} }
  const fields = Object.entries(error).filter(([key, value]) => key !== 'queryOptions' && (typeof value === 'string' || typeof value === 'number'))
  return { message: error.message, fields: Object.fromEntries(fields) }
}

function target(tx: number | undefined): PGlite | Transaction {
  if (tx === undefined) return pglite
  const open = transactions.get(tx)
  if (!open) throw new Error(`transaction ${tx} is not open`)
  return open.tx
}

function queryOptions(options: ThreadQueryOptions | undefined): QueryOptions | undefined {
  if (!options?.rawTypes) return options
  const { rawTypes, ...rest } = options
  return { ...rest, parsers: Object.fromEntries(rawTypes.map((type) => [type, keepText])) }
}

/** Opens a transaction and holds PGlite's callback open until the main thread ends it. */
function begin(txId: number): Promise<void> {
  return new Promise((opened, failed) => {
    let finish!: (commit: boolean) => void
    const decided = new Promise<boolean>((resolve) => (finish = resolve))
    const finished = pglite
      .transaction(async (tx) => {
        transactions.set(txId, { tx, finish, finished })
        opened()
        if (!(await decided)) await tx.rollback()
      })
      .finally(() => transactions.delete(txId))
    finished.catch(failed)
  })
}

async function end(txId: number, commit: boolean): Promise<void> {
  const open = transactions.get(txId)
  if (!open) throw new Error(`transaction ${txId} is not open`)
  open.finish(commit)
  await open.finished
}

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return target(request.tx).query(request.text, request.values, queryOptions(request.options))
    case 'exec':
      return target(request.tx).exec(request.text)
    case 'begin':
      return begin(request.tx)
    case 'end':
      return end(request.tx, request.commit)
    case 'close':
      return pglite.close()
  }
}

let pglite: PGlite
try {
  const wasm = await WebAssembly.compile(await readFile(createRequire(import.meta.url).resolve('@electric-sql/pglite/pglite.wasm')))
  pglite = await PGlite.create(options.pgdata, {
    pgliteWasmModule: wasm,
    extensions: { pg_trgm },
    // PostgreSQL's default 128 MB of shared buffers is sized for a server shared by many connections; PGlite
    // allocates and clears all of it at every start, which cost ~0.1 s of start-up and ~110 MB of resident memory.
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`]
  })
  port.postMessage({ ready: true } satisfies Reply)
} catch (error) {
  port.postMessage({ ready: false, error: toThreadError(error) } satisfies Reply)
  port.close()
}

port.on('message', (request: Request) => {
  const fail = (error: unknown) => port.postMessage({ id: request.id, error: toThreadError(error) } satisfies Reply)
  handle(request).then((result) => {
    try {
      port.postMessage({ id: request.id, result } satisfies Reply)
    } catch (error) {
      // A value that cannot be copied to the other thread: the caller gets the DataCloneError, not silence.
      fail(error)
    }
    // With its port closed and PGlite gone, the thread has nothing left to wait for and exits.
    if (request.op === 'close') port.close()
  }, fail)
})
