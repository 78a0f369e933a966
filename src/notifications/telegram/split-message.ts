/** Telegram refuses message texts longer than this. */
export const TELEGRAM_MESSAGE_LIMIT = 4096

/**
 * Splits a long text into messages of at most `limit` characters (UTF-16 code units, which never
 * undercounts Telegram's own measure), breaking between lines; a single line longer than the limit is
 * cut, but never inside a surrogate pair. Newlines at the breaks are dropped, and blank text gives no
 * message at all.
 *
 * @example
 * splitMessage('SKU-1: 2 left\nSKU-2: 0 left', 16) // ['SKU-1: 2 left', 'SKU-2: 0 left']
 */
export function splitMessage(text: string, limit: number = TELEGRAM_MESSAGE_LIMIT): string[] {
  if (!Number.isInteger(limit) || limit < 2) {
    throw new RangeError(`limit must be an integer of at least 2, got ${limit}`)
  }
  const messages: string[] = []
  let current: string | null = null
  for (const piece of text.split('\n').flatMap((line) => cutLine(line, limit))) {
    if (current !== null && current.length + 1 + piece.length <= limit) {
      current += '\n' + piece
    } else {
      if (current !== null) messages.push(current)
      current = piece
    }
  }
  if (current !== null) messages.push(current)
  return messages.map((message) => message.replace(/^\n+|\n+$/g, '')).filter((message) => message.trim() !== '')
}

function cutLine(line: string, limit: number): string[] {
  const pieces: string[] = []
  let rest = line
  while (rest.length > limit) {
    const end = isHighSurrogate(rest.charCodeAt(limit - 1)) ? limit - 1 : limit
    pieces.push(rest.slice(0, end))
    rest = rest.slice(end)
  }
  pieces.push(rest)
  return pieces
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
