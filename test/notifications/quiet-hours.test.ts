import { describe, expect, it } from 'vitest'
import { quietHoursEnd, type QuietHours } from '../../src/notifications/quiet-hours.js'

const moscowNights: QuietHours = { start: '22:00', end: '08:00', timeZone: 'Europe/Moscow' }

function endOf(now: string, quiet: QuietHours | null): string | null {
  return quietHoursEnd(new Date(now), quiet)?.toISOString() ?? null
}

describe('quietHoursEnd', () => {
  describe('a window crossing midnight (22:00–08:00 in Moscow, UTC+3 all year)', () => {
    it('should end the next morning when it is late evening', () => {
      expect(endOf('2025-01-15T20:00:00Z', moscowNights)).toBe('2025-01-16T05:00:00.000Z')
    })

    it('should end the same morning when it is after midnight', () => {
      expect(endOf('2025-01-16T02:00:00Z', moscowNights)).toBe('2025-01-16T05:00:00.000Z')
    })

    it('should include the start minute', () => {
      expect(endOf('2025-01-15T19:00:00Z', moscowNights)).toBe('2025-01-16T05:00:00.000Z')
    })

    it('should include the last second before the end', () => {
      expect(endOf('2025-01-16T04:59:59.999Z', moscowNights)).toBe('2025-01-16T05:00:00.000Z')
    })

    it('should exclude the end minute', () => {
      expect(endOf('2025-01-16T05:00:00Z', moscowNights)).toBeNull()
    })

    it('should give null in the daytime', () => {
      expect(endOf('2025-01-15T12:00:00Z', moscowNights)).toBeNull()
    })

    it('should give the same answer in summer, since Moscow keeps no daylight saving time', () => {
      expect(endOf('2025-07-15T20:00:00Z', moscowNights)).toBe('2025-07-16T05:00:00.000Z')
    })

    it('should end on the first day of the next month and year', () => {
      expect(endOf('2025-12-31T21:30:00Z', moscowNights)).toBe('2026-01-01T05:00:00.000Z')
    })
  })

  describe('a window within one day', () => {
    const lunch: QuietHours = { start: '13:00', end: '14:00', timeZone: 'Europe/Moscow' }

    it('should end the same day when inside it', () => {
      expect(endOf('2025-01-15T10:30:00Z', lunch)).toBe('2025-01-15T11:00:00.000Z')
    })

    it.each(['2025-01-15T09:59:00Z', '2025-01-15T11:00:00Z', '2025-01-15T21:00:00Z'])(
      'should give null outside it (%s)',
      (now) => {
        expect(endOf(now, lunch)).toBeNull()
      }
    )
  })

  describe('time zones', () => {
    it('should use the local date when it differs from the UTC date', () => {
      const losAngeles = { start: '22:00', end: '06:00', timeZone: 'America/Los_Angeles' }
      // 23:00 on 15 January in Los Angeles is already 16 January in UTC.
      expect(endOf('2025-01-16T07:00:00Z', losAngeles)).toBe('2025-01-16T14:00:00.000Z')
    })

    it('should handle a zone with a half-hour offset', () => {
      const kolkata = { start: '23:00', end: '06:30', timeZone: 'Asia/Kolkata' }
      expect(endOf('2025-01-15T18:00:00Z', kolkata)).toBe('2025-01-16T01:00:00.000Z')
    })

    it('should end at the local time after a daylight-saving change during the night', () => {
      const berlin = { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' }
      // Clocks go from 02:00 CET to 03:00 CEST on 30 March 2025, so 07:00 is 05:00 UTC, not 06:00.
      expect(endOf('2025-03-29T22:00:00Z', berlin)).toBe('2025-03-30T05:00:00.000Z')
    })

    it('should move an end inside the daylight-saving gap to just after it', () => {
      const berlin = { start: '22:00', end: '02:30', timeZone: 'Europe/Berlin' }
      expect(endOf('2025-03-29T22:00:00Z', berlin)).toBe('2025-03-30T01:30:00.000Z')
    })
  })

  describe('no window', () => {
    it('should give null without quiet hours', () => {
      expect(endOf('2025-01-15T20:00:00Z', null)).toBeNull()
    })

    it('should treat a window whose start equals its end as empty', () => {
      expect(endOf('2025-01-15T20:00:00Z', { start: '22:00', end: '22:00', timeZone: 'Europe/Moscow' })).toBeNull()
    })
  })

  describe('invalid settings', () => {
    it.each(['7:00', '24:00', '12:60', '12-00', ''])('should refuse the time "%s"', (start) => {
      expect(() => quietHoursEnd(new Date(), { ...moscowNights, start })).toThrow(RangeError)
    })

    it('should refuse an unknown time zone', () => {
      expect(() => quietHoursEnd(new Date(), { ...moscowNights, timeZone: 'Mars/Olympus_Mons' })).toThrow(RangeError)
    })
  })
})
