import { createHash } from 'node:crypto'
import { normalizeIP } from '@fastify/rate-limit'
import type { WindowLimit } from '../../config/env.js'
import { DomainError } from '../../errors.js'
import type { WindowCounter } from '../../rate-limit/window-counter.js'

/**
 * Caps failed logins per account and client address. Each attempt is counted before the password is checked, so
 * guesses sent in parallel cannot slip past the limit, and a success clears the count, so only failures add up.
 * Once over the limit every attempt is refused until the window ends, the right password included; other accounts
 * and other addresses are unaffected.
 */
export class LoginThrottle {
  constructor(
    private readonly counter: WindowCounter,
    private readonly limit: WindowLimit
  ) {}

  /** Counts an attempt; throws a 429 when the account has failed too often from this address. */
  async attempt(email: string, ip: string): Promise<void> {
    const { count, resetMs } = await this.counter.hit(this.key(email, ip), this.limit.windowMs)
    if (count > this.limit.max) {
      throw new DomainError('rate_limited', 'Too many failed logins for this account from this address; try again later', {
        type: 'rate-limited/login',
        retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000))
      })
    }
  }

  async succeeded(email: string, ip: string): Promise<void> {
    await this.counter.reset(this.key(email, ip))
  }

  /** The email is hashed so that the store never holds addresses. */
  private key(normalizedEmail: string, ip: string): string {
    const account = createHash('sha256').update(normalizedEmail).digest('base64url').slice(0, 22)
    return `login:${account}:${normalizeIP(ip)}`
  }
}
