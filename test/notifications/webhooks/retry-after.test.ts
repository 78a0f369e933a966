import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../../../src/notifications/webhooks/retry-after.js'

const now = new Date('2015-10-21T07:28:00Z')

describe('parseRetryAfter', () => {
  it('should read a delay in seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120)
  })

  it('should read an HTTP date as the seconds until then', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30)
  })

  it('should read the obsolete RFC 850 date form', () => {
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:00 GMT', now)).toBe(60)
  })

  it('should round a date between seconds up', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', new Date('2015-10-21T07:28:00.500Z'))).toBe(30)
  })

  it('should give 0 for a date in the past', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0)
  })

  it('should use the first value when the header is repeated', () => {
    expect(parseRetryAfter(['7', '9'], now)).toBe(7)
  })

  it.each([undefined, '', '  ', 'soon', '-5', '1.5', '120 seconds', 'Wed, 99 Foo 2015 07:28:30 GMT'])(
    'should give null for %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeNull()
    }
  )
})
