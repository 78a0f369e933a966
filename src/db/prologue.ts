// What every transaction starts with: the role and tenant that row-level security checks.

/** A UUID in its canonical text form: checked wherever one is written into SQL text rather than bound. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/**
 * The transaction prologue. The tenant id is inlined (after a strict UUID check) so the whole prologue goes to
 * PostgreSQL as one simple-protocol message: one round trip per transaction instead of three.
 */
function uuidLiteral(value: string): string {
  if (!UUID.test(value)) throw new TypeError('expected a UUID')
  return `'${value.toLowerCase()}'`
}

/** One statement: `set_config('role', …, true)` is SET LOCAL ROLE in function form, so both fit in one SELECT. */
export function tenantPrologue(tenantId: string): string {
  return `SELECT set_config('role', 'stock_app', true), set_config('app.tenant_id', ${uuidLiteral(tenantId)}, true)`
}

export function inlineUuids(text: string, uuids: string[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => uuidLiteral(uuids[Number(n) - 1] ?? ''))
}
export const SYSTEM_PROLOGUE = `SELECT set_config('role', 'stock_system', true), set_config('app.tenant_id', '', true)`
