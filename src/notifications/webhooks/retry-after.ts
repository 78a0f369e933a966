// All HTTP-date forms start with a day name and the two current ones end in GMT; requiring both keeps
// Date.parse, which accepts almost anything, from reading '120 ' or '-5' as a year.
const HTTP_DATE = /^[A-Za-z]{3,9}, .* GMT$/
const DELAY_SECONDS = /^\d+$/

/**
 * Reads a `Retry-After` header (delay in seconds or an HTTP date) as whole seconds from `now`.
 * Returns null when the header is absent or unreadable; a date in the past gives 0.
 *
 * @example
 * parseRetryAfter('120') // 120
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', new Date('2015-10-21T07:28:00Z')) // 30
 */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | null {
  const header = (Array.isArray(value) ? value[0] : value)?.trim()
  if (header === undefined || header === '') return null
  if (DELAY_SECONDS.test(header)) return Number(header)
  if (!HTTP_DATE.test(header)) return null
  const at = Date.parse(header)
  if (Number.isNaN(at)) return null
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000))
}
