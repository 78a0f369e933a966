import type { SQLWrapper } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { UUID } from './prologue.js'

const dialect = new PgDialect()

/**
 * Text as a Unicode-escape literal (`U&'\0041…'`): every character becomes a backslash and hex digits, so none can
 * end the literal or start a comment, and the result is still a constant that the planner folds, sorts and
 * compares exactly as a bound parameter. PostgreSQL refuses such literals outright when standard_conforming_strings
 * is off, so the statement fails rather than being misread. Lone surrogates become U+FFFD, as a UTF-8 round trip
 * would make them; NUL, which PostgreSQL text cannot hold, is refused.
 */
function textLiteral(text: string): string {
  let escaped = ''
  for (const char of text) {
    const point = char.codePointAt(0)!
    const code = point >= 0xd800 && point <= 0xdfff ? 0xfffd : point
    if (code === 0) throw new TypeError('text with NUL cannot be inlined into SQL')
    escaped += code > 0xffff ? `\\+${code.toString(16).padStart(6, '0')}` : `\\${code.toString(16).padStart(4, '0')}`
  }
  return `U&'${escaped}'`
}

function inline(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  // Parenthesised, so a negative number never meets a minus sign as `--`, which would open a comment.
  if (typeof value === 'number' && Number.isFinite(value)) return `(${value})`
  if (value instanceof Date) return `(${textLiteral(value.toISOString())}::timestamptz)`
  // Hex digits and dashes only: safe as an untyped literal, which PostgreSQL types as uuid or text as needed.
  if (typeof value === 'string') return UUID.test(value) ? `'${value}'` : textLiteral(value)
  throw new TypeError(`cannot inline a ${typeof value} into SQL`)
}

/**
 * A Drizzle query as one self-contained statement for `Database.tenantRead`, which sends the tenant prologue and
 * the statement in a single round trip but takes no bind parameters. Each parameter is written into the text in a
 * form that cannot escape its place: numbers and booleans as themselves, UUIDs (checked) as literals, any other
 * text as Unicode escapes.
 *
 * @example
 * const text = inlineQuery(qb.select().from(products).where(eq(products.name, name)))
 * const rows = await db.tenantRead(tenantId, text, [])
 */
export function inlineQuery(query: SQLWrapper): string {
  const { sql, params } = dialect.sqlToQuery(query.getSQL())
  return sql.replace(/\$(\d+)/g, (_, n: string) => inline(params[Number(n) - 1]))
}
