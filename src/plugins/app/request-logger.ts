import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * A request's logger that becomes pino's child logger (bound to the request id) only when the request first logs
 * something its level lets through. Fastify makes a child logger for every request; pino copies, redacts and
 * serializes the bindings for each one, about a fortieth of a cached read, although most requests log nothing at
 * the configured level (`warn`, say). What is logged is the same as with an eager child.
 */
class DeferredChildLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean }
  readonly #bindings: Bindings
  #child: FastifyBaseLogger | undefined

  constructor(parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean }, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  #made(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings))
  }

  #log(level: Level, args: unknown[]): void {
    if (this.#child || this.#parent.isLevelEnabled(level)) (this.#made()[level] as (...a: unknown[]) => void)(...args)
  }

  get level(): string {
    return (this.#child ?? this.#parent).level
  }

  set level(level: string) {
    this.#made().level = level
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args)
  }

  error(...args: unknown[]): void {
    this.#log('error', args)
  }

  warn(...args: unknown[]): void {
    this.#log('warn', args)
  }

  info(...args: unknown[]): void {
    this.#log('info', args)
  }

  debug(...args: unknown[]): void {
    this.#log('debug', args)
  }

  trace(...args: unknown[]): void {
    this.#log('trace', args)
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#made().child(bindings, options)
  }

  isLevelEnabled(level: string): boolean {
    return this.#child ? (this.#child as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }).isLevelEnabled(level) : this.#parent.isLevelEnabled(level)
  }
}

/** Fastify's `childLoggerFactory`: a deferred child, unless the route sets a log level or serializers of its own. */
export const requestLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options: ChildLoggerOptions) => {
  const parent = logger as FastifyBaseLogger & { isLevelEnabled?(level: string): boolean }
  if (options.level !== undefined || options.serializers !== undefined || typeof parent.isLevelEnabled !== 'function') return logger.child(bindings, options)
  return new DeferredChildLogger(parent as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }, bindings)
}
