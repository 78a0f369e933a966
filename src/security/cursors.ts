import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'

/** Bytes of HMAC-SHA256 kept: enough that a forged cursor cannot be guessed, short enough for a query string. */
const TAG_BYTES = 16

/**
 * Signs and checks the opaque cursors of keyset-paged lists. A cursor carries the last row's sort key and id in
 * the clear (base64url JSON) plus a MAC, so a client cannot edit it into a position the server never handed out;
 * anything that fails the check is simply not a cursor. The key is derived from SECRET_KEY, so every API process
 * accepts the cursors of the others.
 */
export class CursorSigner {
  readonly #key: Buffer

  constructor(secretKey: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secretKey, 'stock-tracker', 'list-cursor', 32))
  }

  #tag(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, TAG_BYTES)
  }

  /** @example signer.encode(['name', 'Red mug', 'b3c1…']) // → 'WyJuYW1lIiw….Q2x1…' */
  encode(values: readonly unknown[]): string {
    const body = Buffer.from(JSON.stringify(values)).toString('base64url')
    return `${body}.${this.#tag(body).toString('base64url')}`
  }

  /** The values of a cursor this signer made, or null for anything else. */
  decode(cursor: string): unknown[] | null {
    const [body, tag, extra] = cursor.split('.')
    if (!body || !tag || extra !== undefined) return null
    const given = Buffer.from(tag, 'base64url')
    if (given.length !== TAG_BYTES || !timingSafeEqual(given, this.#tag(body))) return null
    const values: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    return Array.isArray(values) ? values : null
  }
}
