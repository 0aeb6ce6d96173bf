/**
 * `--since` / `--until` values: an ISO date or date-time, a span back from now (`7d`, `24h`, `30m`), or
 * the start of a UTC day or month by name (`today`, `yesterday`, `this-month`, `last-month`).
 */
import { DAY_MS, dayStart, monthStart } from '../lib/utc-period.ts'

/**
 * Each names the instant its period starts, in UTC as budgets count days and months: `--since yesterday --until today`
 * is yesterday.
 */
const NAMED = new Map<string, (now: number) => number>([
  ['today', dayStart],
  ['yesterday', (now) => dayStart(now) - DAY_MS],
  ['this-month', monthStart],
  ['last-month', (now) => monthStart(monthStart(now) - 1)],
])

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const RELATIVE = /^(\d{1,9})([smhdw])$/
// 2026-11-01, 2026-11-01T10:00, 2026-11-01 10:00:05.250, …Z, …+02:00, …+0200
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * Epoch ms for a time argument. A date or date-time without an offset is UTC, like the `day` grouping,
 * so the same command gives the same answer on every machine. Throws RangeError with the accepted forms.
 */
export function parseTimeArg(s: string, now: number): number {
  const text = s.trim()
  const named = NAMED.get(text.toLowerCase())
  if (named) return named(now)
  const rel = RELATIVE.exec(text)
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]!]!
  const m = ISO.exec(text)
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '0', zone] = m
    const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const
    const utc = Date.UTC(...fields, Number(frac.padEnd(3, '0')))
    // Date.UTC rolls 2026-02-30 over into March; a date that does not exist is a typo to report.
    const back = new Date(utc)
    const same = [
      back.getUTCFullYear(),
      back.getUTCMonth(),
      back.getUTCDate(),
      back.getUTCHours(),
      back.getUTCMinutes(),
      back.getUTCSeconds(),
    ]
    const offset = zoneOffsetMs(zone)
    if (offset !== null && fields.every((v, i) => v === same[i])) return utc - offset
  }
  throw new RangeError(
    `"${s}" is not a time: use an ISO date or date-time (2026-11-01, 2026-11-01T09:30Z; UTC unless an offset is given), a span back from now (30m, 24h, 7d, 2w), or today, yesterday, this-month or last-month (UTC)`,
  )
}

/** The offset east of UTC in ms, or null when it is out of range (`+25:00`, `+01:75`). */
function zoneOffsetMs(zone: string | undefined): number | null {
  if (zone === undefined || zone === 'Z') return 0
  const digits = zone.replace(':', '')
  const hours = Number(digits.slice(1, 3))
  const minutes = Number(digits.slice(3, 5))
  if (hours > 23 || minutes > 59) return null
  return (digits[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000
}
