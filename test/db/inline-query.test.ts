import { eq, sql } from 'drizzle-orm'
import { QueryBuilder } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inlineQuery } from '../../src/db/inline-query.js'
import { products } from '../../src/db/schema.js'
import { buildTestApp, registerTenant, type Account, type TestApp } from '../helpers/app.js'

const qb = new QueryBuilder()

let t: TestApp
let owner: Account
beforeAll(async () => {
  t = await buildTestApp()
  owner = await registerTenant(t.app)
})
afterAll(() => t.close())

/** Runs an inlined `SELECT <value> AS v` and returns what came back. */
async function roundTrip(value: unknown, cast = '') {
  const [row] = await t.app.db.tenantRead<{ v: unknown }>(owner.tenantId, inlineQuery(sql`SELECT ${value}${sql.raw(cast)} AS v`), [])
  return row!.v
}

describe('inlineQuery', () => {
  it('should write no parameter placeholders', () => {
    const text = inlineQuery(qb.select({ id: products.id }).from(products).where(eq(products.name, 'Mug')).limit(5))
    expect(text).not.toMatch(/\$\d/)
    expect(text).not.toContain('Mug')
  })

  it.each([
    ["it's", ''],
    ["'; DROP TABLE products; --", ''],
    ['back\\slash \\x41 $1 $$ quote', ''],
    ['Кружка «большая» ☕', ''],
    ['emoji 😀 beyond the BMP', ''],
    ["U&'\\0041' and E'\\x41'", '']
  ])('should carry the text %j through unchanged', async (text, cast) => {
    expect(await roundTrip(text, cast)).toBe(text)
  })

  it('should give text the database’s collation, as a bound parameter has', async () => {
    expect(await roundTrip('КРУЖКА Mug', '')).toBe('КРУЖКА Mug')
    const [row] = await t.app.db.tenantRead<{ v: string }>(owner.tenantId, inlineQuery(sql`SELECT lower(${'КРУЖКА Mug'}) AS v`), [])
    expect(row!.v).toBe('кружка mug')
  })

  it('should carry numbers, negative ones and floats exactly', async () => {
    expect(await roundTrip(-5, '::int')).toBe(-5)
    expect(await roundTrip(0.1 + 0.2, '::float8')).toBe(0.1 + 0.2)
    expect(await roundTrip(1e-7, '::float8')).toBe(1e-7)
    expect(inlineQuery(sql`SELECT 1-${-5}`)).toBe('SELECT 1-(-5)')
  })

  it('should carry booleans, null, dates and UUIDs', async () => {
    expect(await roundTrip(true)).toBe(true)
    expect(await roundTrip(null)).toBeNull()
    const at = new Date('2025-01-02T03:04:05.678Z')
    expect(new Date((await roundTrip(at)) as string | Date).toISOString()).toBe(at.toISOString())
    expect(await roundTrip('0B6F1C2E-0000-4000-8000-000000000001', '::text')).toBe('0B6F1C2E-0000-4000-8000-000000000001')
  })

  it('should turn a lone surrogate into U+FFFD', async () => {
    expect(await roundTrip('a\ud800b')).toBe('a\ufffdb')
  })

  it('should refuse values it cannot write safely', () => {
    expect(() => inlineQuery(sql`SELECT ${'nul\u0000'}`)).toThrow(TypeError)
    expect(() => inlineQuery(sql`SELECT ${Number.NaN}`)).toThrow(TypeError)
    expect(() => inlineQuery(sql`SELECT ${{ a: 1 }}`)).toThrow(TypeError)
  })
})
