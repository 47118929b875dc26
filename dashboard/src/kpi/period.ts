/**
 * Reporting periods in the store's time zone, and the period each is compared with.
 *
 * A period is [from, to). Presets end now: "today" starts at the store's midnight, "7 days" at midnight six
 * days ago (today and the six days before), "30 days" likewise. A custom period runs from the first chosen day's
 * midnight to the midnight after the last (or now, if that is earlier).
 *
 * The comparison period has the same length and the same local clock times, moved back by the period's length
 * rounded up to whole days ("today so far" → yesterday up to the same time). The insights route computes it the
 * same way (functions/sapa/kpi/period.py), so the paragraph speaks of the figures on the page.
 */

export type Preset = 'today' | '7d' | '30d' | 'custom'
export type Bucket = 'hour' | 'day' | 'week' | 'month'

export interface Selection {
  preset: Preset
  /** YYYY-MM-DD in the store's time zone, for custom periods. */
  customFrom: string
  customTo: string
}

export interface Period {
  from: Date
  to: Date
}

const DAY_MS = 86_400_000

interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  ms: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(timeZone, format)
  }
  return format
}

/** The store's wall clock at an instant. */
export function wallClock(at: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return {
    year: parts['year'] ?? 1970,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
    ms: at.getUTCMilliseconds(),
  }
}

function asUtc(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms)
}

/** The instant at which the store's clock shows `w` (day overflow allowed: day 0 is the last of the month before). */
export function fromWallClock(w: WallClock, timeZone: string): Date {
  const wanted = asUtc(w)
  // The zone's offset at a first guess, then at the corrected instant (they differ only around a DST change).
  let at = wanted - (asUtc(wallClock(new Date(wanted), timeZone)) - wanted)
  at = wanted - (asUtc(wallClock(new Date(at), timeZone)) - at)
  return new Date(at)
}

export function startOfDay(at: Date, timeZone: string): Date {
  return fromWallClock({ ...wallClock(at, timeZone), hour: 0, minute: 0, second: 0, ms: 0 }, timeZone)
}

/** The same local clock time `days` days later (earlier when negative). */
export function addDays(at: Date, days: number, timeZone: string): Date {
  const w = wallClock(at, timeZone)
  return fromWallClock({ ...w, day: w.day + days }, timeZone)
}

/** The store's calendar date of an instant, YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone)
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
}

function midnightOf(date: string, timeZone: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!match) return null
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  return fromWallClock({ year, month, day, hour: 0, minute: 0, second: 0, ms: 0 }, timeZone)
}

/** The period a selection means now; null for a custom selection that is incomplete or backwards. */
export function periodOf(selection: Selection, timeZone: string, now: Date = new Date()): Period | null {
  const today = startOfDay(now, timeZone)
  switch (selection.preset) {
    case 'today':
      return { from: today, to: now }
    case '7d':
      return { from: addDays(today, -6, timeZone), to: now }
    case '30d':
      return { from: addDays(today, -29, timeZone), to: now }
    case 'custom': {
      const from = midnightOf(selection.customFrom, timeZone)
      const last = midnightOf(selection.customTo, timeZone)
      if (!from || !last) return null
      const end = addDays(last, 1, timeZone)
      const to = end.getTime() > now.getTime() ? now : end
      return from.getTime() < to.getTime() ? { from, to } : null
    }
  }
}

export function previousPeriod(period: Period, timeZone: string): Period {
  const days = Math.max(1, Math.ceil((period.to.getTime() - period.from.getTime()) / DAY_MS))
  return { from: addDays(period.from, -days, timeZone), to: addDays(period.to, -days, timeZone) }
}

/** The message volume's bucket for a period (the insights route uses the same rule). */
export function bucketOf(period: Period): Bucket {
  const length = period.to.getTime() - period.from.getTime()
  if (length <= 2 * DAY_MS) return 'hour'
  if (length <= 62 * DAY_MS) return 'day'
  if (length <= 370 * DAY_MS) return 'week'
  return 'month'
}

const PRESET_LABELS: Record<Preset, string> = { today: 'Today', '7d': '7 days', '30d': '30 days', custom: 'Custom' }

export function presetLabel(preset: Preset): string {
  return PRESET_LABELS[preset]
}

/** "3 Nov 2025, 00:00 – 9 Nov 2025, 15:42" in the store's time zone. */
export function describePeriod(period: Period, timeZone: string): string {
  const format = new Intl.DateTimeFormat(undefined, { timeZone, dateStyle: 'medium', timeStyle: 'short' })
  return `${format.format(period.from)} – ${format.format(period.to)}`
}
