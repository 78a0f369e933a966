import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { LOG_REDACT_PATHS } from '../../src/app.js'
import { requestLoggerFactory } from '../../src/plugins/app/request-logger.js'
import { captureLogs } from '../helpers/logs.js'

function requestLogger(level: string, options = {}) {
  const logs = captureLogs()
  const parent = pino({ level, redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' } }, logs.stream) as unknown as FastifyBaseLogger
  const make = requestLoggerFactory.bind({} as FastifyInstance)
  return { logs, log: make(parent, { reqId: 'req-1' }, options, {} as never) }
}

describe('requestLoggerFactory', () => {
  it('should log what the level lets through, bound to the request and redacted, and nothing else', async () => {
    const { logs, log } = requestLogger('warn')
    log.info('not at warn')
    log.debug({ detail: 1 }, 'nor this')
    log.warn({ body: { token: 'secret-token' }, n: 2 }, 'shown')
    log.child({ component: 'x' }).error('from a child')
    await new Promise((resolve) => setImmediate(resolve))
    expect(logs.records().map(({ level, msg, reqId, body, n, component }) => ({ level, msg, reqId, body, n, component }))).toEqual([
      { level: 40, msg: 'shown', reqId: 'req-1', body: { token: '[REDACTED]' }, n: 2, component: undefined },
      { level: 50, msg: 'from a child', reqId: 'req-1', body: undefined, n: undefined, component: 'x' }
    ])
    expect(log.level).toBe('warn')
  })

  it('should be pino’s own child when the route asks for a level of its own', async () => {
    const { logs, log } = requestLogger('warn', { level: 'debug' })
    log.debug('route level')
    await new Promise((resolve) => setImmediate(resolve))
    expect(logs.records()).toMatchObject([{ level: 20, msg: 'route level', reqId: 'req-1' }])
  })
})
