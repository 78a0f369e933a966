import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { types } from '@electric-sql/pglite'
import { PgliteThread } from '../../src/db/pglite-thread.js'

let thread: PgliteThread

beforeAll(async () => {
  const started = PgliteThread.start({})
  await started.ready
  thread = started.thread
  await thread.exec(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, seen timestamptz, tags text[], meta jsonb)`)
})
afterAll(async () => {
  await thread.close()
})

describe('PGlite on its own thread', () => {
  it('should run parameterised statements and return their rows with PostgreSQL’s types', async () => {
    await thread.query(`INSERT INTO items VALUES ($1, $2, $3, $4, $5)`, [1, 'Mug', new Date('2026-03-04T05:06:07Z'), ['a', 'b'], { n: 1 }])
    const { rows } = await thread.query<Record<string, unknown>>(`SELECT * FROM items WHERE id = $1`, [1])
    expect(rows).toEqual([{ id: 1, name: 'Mug', seen: new Date('2026-03-04T05:06:07Z'), tags: ['a', 'b'], meta: { n: 1 } }])
  })

  it('should keep the text of the types Drizzle reads raw', async () => {
    const keep = (value: string) => value
    const { rows } = await thread.query(`SELECT seen FROM items WHERE id = 1`, [], { parsers: { [types.TIMESTAMPTZ]: keep } })
    expect(rows).toEqual([{ seen: '2026-03-04 05:06:07+00' }])
  })

  it('should refuse a parser that would change the text, since functions cannot reach the thread', async () => {
    const parsers = { [types.TIMESTAMPTZ]: (value: string) => new Date(value) }
    await expect(thread.query(`SELECT seen FROM items`, [], { parsers })).rejects.toThrow(/must keep the text/)
  })

  it('should reject with PostgreSQL’s error code and constraint', async () => {
    const failure = await thread.query(`INSERT INTO items (id, name) VALUES (1, 'Again')`).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(Error)
    expect(failure).toMatchObject({ code: '23505', constraint: 'items_pkey' })
  })

  it('should commit a transaction whose callback resolves and roll back one whose callback throws', async () => {
    await thread.transaction(async (tx) => {
      await tx.query(`INSERT INTO items (id, name) VALUES (2, 'Plate')`)
    })
    const failure = await thread
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO items (id, name) VALUES (3, 'Bowl')`)
        throw new Error('changed my mind')
      })
      .catch((error: unknown) => error)
    expect(failure).toEqual(new Error('changed my mind'))
    const { rows } = await thread.query(`SELECT id FROM items ORDER BY id`)
    expect(rows).toEqual([{ id: 1 }, { id: 2 }])
  })

  it('should let a statement outside an open transaction wait for its commit', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const transaction = thread.transaction(async (tx) => {
      await tx.query(`INSERT INTO items (id, name) VALUES (4, 'Cup')`)
      await held
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const outside = thread.query(`SELECT count(*)::int AS n FROM items WHERE id = 4`)
    release()
    await transaction
    expect((await outside).rows).toEqual([{ n: 1 }])
  })

  it('should refuse a value that cannot be copied to the thread, and go on serving', async () => {
    await expect(thread.query('SELECT $1::text AS v', [() => 'x'])).rejects.toThrow(/could not be cloned/)
    expect((await thread.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  it('should take a COPY’s data as a blob', async () => {
    await thread.transaction((tx) => tx.query(`COPY items (id, name) FROM '/dev/blob'`, [], { blob: new Blob(['5\tJug\n6\tTray\n']) }))
    const { rows } = await thread.query(`SELECT name FROM items WHERE id >= 5 ORDER BY id`)
    expect(rows).toEqual([{ name: 'Jug' }, { name: 'Tray' }])
  })

  it('should refuse statements once closed instead of leaving them waiting', async () => {
    const started = PgliteThread.start({})
    await started.ready
    await started.thread.close()
    await expect(started.thread.query('SELECT 1')).rejects.toThrow(/thread exited/)
  })
})
