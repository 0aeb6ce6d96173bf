import { describe, expect, it } from 'vitest'
import { parseTimeArg } from './time-arg.ts'

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0)

describe('parseTimeArg', () => {
  it('reads spans back from now', () => {
    expect(parseTimeArg('30m', NOW)).toBe(NOW - 30 * 60_000)
    expect(parseTimeArg('24h', NOW)).toBe(NOW - 24 * 3_600_000)
    expect(parseTimeArg('7d', NOW)).toBe(NOW - 7 * 86_400_000)
    expect(parseTimeArg('2w', NOW)).toBe(NOW - 14 * 86_400_000)
    expect(parseTimeArg('90s', NOW)).toBe(NOW - 90_000)
  })

  it('reads ISO dates and date-times, as UTC unless an offset is given', () => {
    expect(parseTimeArg('2026-11-01', NOW)).toBe(Date.UTC(2026, 10, 1))
    expect(parseTimeArg('2026-11-01T09:30', NOW)).toBe(Date.UTC(2026, 10, 1, 9, 30))
    expect(parseTimeArg('2026-11-01 09:30:15.5', NOW)).toBe(Date.UTC(2026, 10, 1, 9, 30, 15, 500))
    expect(parseTimeArg('2026-11-01T09:30Z', NOW)).toBe(Date.UTC(2026, 10, 1, 9, 30))
    expect(parseTimeArg('2026-11-01T09:30:00+02:00', NOW)).toBe(Date.UTC(2026, 10, 1, 7, 30))
    expect(parseTimeArg('2026-11-01T09:30-0130', NOW)).toBe(Date.UTC(2026, 10, 1, 11, 0))
  })

  it('reads today, yesterday, this-month and last-month as the start of that UTC day or month (as budgets count them)', () => {
    const late = Date.UTC(2026, 2, 1, 23, 59, 59, 999) // 1 March: yesterday and last month are in February
    expect(parseTimeArg('today', late)).toBe(Date.UTC(2026, 2, 1))
    expect(parseTimeArg('yesterday', late)).toBe(Date.UTC(2026, 1, 28))
    expect(parseTimeArg('this-month', late)).toBe(Date.UTC(2026, 2, 1))
    expect(parseTimeArg('last-month', late)).toBe(Date.UTC(2026, 1, 1))
    expect(parseTimeArg(' Today ', NOW)).toBe(Date.UTC(2026, 10, 28))
    expect(parseTimeArg('last-month', Date.UTC(2026, 0, 15))).toBe(Date.UTC(2025, 11, 1))
  })

  it('rejects what is not a time, naming the accepted forms', () => {
    for (const bad of [
      '',
      'tomorrow',
      'constructor',
      'this month',
      'last-week',
      '7',
      '7y',
      '-7d',
      '2026-02-30',
      '2026-13-01',
      '2026-11-01T25:00',
      '2026-11-01T10:00+25:00',
      '1e3d',
    ]) {
      expect(() => parseTimeArg(bad, NOW), bad).toThrow(
        /ISO date .* span back from now .* today, yesterday, this-month or last-month/,
      )
    }
  })
})
