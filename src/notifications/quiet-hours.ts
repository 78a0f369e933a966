export interface QuietHours {
  /** Local time 'HH:MM' (24-hour) at which quiet begins. */
  start: string
  /** Local time 'HH:MM' at which quiet ends; earlier than `start` when the window crosses midnight. */
  end: string
  /** IANA time zone, e.g. 'Europe/Moscow'. */
  timeZone: string
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/
const formatters = new Map<string, Intl.DateTimeFormat>()

/**
 * When notifications held back by quiet hours may go out: null when `now` is outside the window (or
 * there is no window; a window whose start equals its end is empty), otherwise the instant the window
 * ends. The window includes its start and excludes its end. An end that falls into a daylight-saving
 * gap moves to the first instant after the gap.
 *
 * @example
 * quietHoursEnd(new Date('2025-01-15T20:00:00Z'), { start: '22:00', end: '08:00', timeZone: 'Europe/Moscow' })
 * // 2025-01-16T05:00:00.000Z (08:00 in Moscow)
 */
export function quietHoursEnd(now: Date, quiet: QuietHours | null): Date | null {
  if (quiet === null) return null
  const start = minutesOfDay(quiet.start)
  const end = minutesOfDay(quiet.end)
  const local = wallClock(now.getTime(), quiet.timeZone)
  const minute = local.hour * 60 + local.minute
  const crossesMidnight = start > end
  const inWindow = crossesMidnight ? minute >= start || minute < end : minute >= start && minute < end
  if (!inWindow) return null
  const endDay = crossesMidnight && minute >= start ? local.day + 1 : local.day
  return new Date(instantOf(Date.UTC(local.year, local.month - 1, endDay, 0, end), quiet.timeZone))
}

function minutesOfDay(clock: string): number {
  const match = CLOCK.exec(clock)
  if (match === null) throw new RangeError(`quiet hours time must be HH:MM, got "${clock}"`)
  return Number(match[1]) * 60 + Number(match[2])
}

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function wallClock(instant: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(instant)
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value)
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second')
  }
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone)
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
  return wallAsUtc - Math.floor(instant / 1000) * 1000
}

/**
 * The instant at which the zone's wall clock shows `wallAsUtc` (a wall-clock time written as if it were
 * UTC). The second pass corrects the guess when an offset change lies between the guess and the answer.
 */
function instantOf(wallAsUtc: number, timeZone: string): number {
  const guess = wallAsUtc - offsetAt(wallAsUtc, timeZone)
  return wallAsUtc - offsetAt(guess, timeZone)
}
