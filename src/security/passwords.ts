/**
 * Password hashing (argon2id) and the password policy's length limits and common-password check.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { hash, parseOptions, verify, type Algorithm, type Version } from '@node-rs/argon2'
import pLimit, { type LimitFunction } from 'p-limit'
import { projectPath } from '../project-root.js'

export interface PasswordHashParams {
  /** KiB of memory per hash */
  memoryCost: number
  /** passes over memory */
  timeCost: number
  /** lanes */
  parallelism: number
}

/** OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export const OWASP_ARGON2ID_PARAMS: Readonly<PasswordHashParams> = { memoryCost: 19456, timeCost: 2, parallelism: 1 }

/** Policy bounds in Unicode code points (as JSON Schema's minLength/maxLength count them). */
export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 128

// The package declares these as `const enum`s, which do not exist at run time and which isolatedModules
// forbids reading, so their documented numeric values are spelled out here.
const ARGON2ID = 2 as Algorithm
const VERSION_0X13 = 1 as Version

/**
 * NIST SP 800-63B asks verifiers to normalise Unicode passwords (NFKC) so that the same password typed on
 * different keyboards or systems (precomposed "é" versus "e" + combining accent) hashes identically.
 */
function normalize(password: string): string {
  return password.normalize('NFKC')
}

function checkParams(params: PasswordHashParams): void {
  for (const [name, value] of Object.entries(params)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`password hash ${name} must be a positive integer`)
  }
}

/**
 * Hashes and verifies passwords with argon2id. The work runs on libuv's thread pool, so the event loop
 * keeps serving requests while a hash is computed. At most one hash per CPU runs at a time (by default): more would
 * not finish sooner, but would take CPU from the event loop and hold the pool's threads that file and DNS work
 * needs, so a burst of logins would slow every other request.
 *
 * @example
 * const hasher = new PasswordHasher(OWASP_ARGON2ID_PARAMS)
 * const stored = await hasher.hash('correct horse battery staple')
 * await hasher.verify(stored, 'correct horse battery staple') // true
 */
export class PasswordHasher {
  readonly #params: Readonly<PasswordHashParams>
  readonly #limit: LimitFunction
  #dummyHash: Promise<string> | undefined

  constructor(params: PasswordHashParams = OWASP_ARGON2ID_PARAMS, options: { concurrency?: number } = {}) {
    checkParams(params)
    this.#params = { ...params }
    this.#limit = pLimit(options.concurrency ?? availableParallelism())
  }

  /** Hashes and verifications waiting for their turn (a sign that logins arrive faster than they can be checked). */
  get waiting(): number {
    return this.#limit.pendingCount
  }

  /** Hashes with a random salt into a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). */
  hash(password: string): Promise<string> {
    return this.#limit(() => hash(normalize(password), { ...this.#params, algorithm: ARGON2ID, version: VERSION_0X13 }))
  }

  /** Checks a password against a stored hash; a malformed or foreign hash gives false rather than an error. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await this.#limit(() => verify(storedHash, normalize(password)))
    } catch {
      return false
    }
  }

  /** Tells whether a stored hash was made with another algorithm, version or cost than the current ones. */
  needsRehash(storedHash: string): boolean {
    try {
      const stored = parseOptions(storedHash)
      return (
        stored.algorithm !== ARGON2ID ||
        stored.version !== VERSION_0X13 ||
        stored.memoryCost !== this.#params.memoryCost ||
        stored.timeCost !== this.#params.timeCost ||
        stored.parallelism !== this.#params.parallelism
      )
    } catch {
      return true
    }
  }

  /**
   * Spends the time of one verification and discards the result. Call it when a login names an unknown
   * email, so response time does not reveal which emails have accounts. The dummy hash is made once per
   * hasher, with the current parameters, so it costs exactly what a real verification costs.
   */
  async burn(password: string): Promise<void> {
    this.#dummyHash ??= this.hash('dummy password that no account has')
    await this.verify(await this.#dummyHash, password)
  }
}

let commonPasswords: ReadonlySet<string> | undefined

function loadCommonPasswords(): ReadonlySet<string> {
  const text = readFileSync(projectPath('src', 'security', 'common-passwords.txt'), 'utf8')
  return new Set(text.split('\n').filter((line) => line !== '' && !line.startsWith('# ')))
}

/**
 * Tells whether a password is on the shipped list of about 12,000 most common passwords, ignoring case.
 * The list is read from disk on the first call only.
 *
 * @example
 * isCommonPassword('Password123') // true
 */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= loadCommonPasswords()
  return commonPasswords.has(normalize(password).toLowerCase())
}
