import { describe, expect, it } from 'vitest'
import { formatGoDuration, parseGoDurationMs, parseRetryAfterMs } from './retry-after.ts'
import { headerSource } from './types.ts'

describe('parseGoDurationMs', () => {
  it.each([
    ['6m0s', 360_000],
    ['1s', 1000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['0.5s', 500],
    ['0s', 0],
    ['0', 0],
    ['150us', 0.15],
  ])('%s → %d ms', (s, ms) => expect(parseGoDurationMs(s)).toBeCloseTo(ms, 6))

  it.each(['', 'soon', '5', '1x', '1s2'])('rejects %j', (s) => expect(parseGoDurationMs(s)).toBeUndefined())

  it('round-trips through formatGoDuration', () => {
    for (const ms of [0, 12, 999, 1000, 61_500, 360_000, 3_723_000])
      expect(parseGoDurationMs(formatGoDuration(ms))).toBe(ms)
  })
})

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-28T12:00:00Z')
  it('prefers retry-after-ms', () =>
    expect(parseRetryAfterMs(headerSource({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250))
  it('reads seconds, fractional too', () =>
    expect(parseRetryAfterMs(headerSource({ 'retry-after': '1.5' }), now)).toBe(1500))
  it('reads an HTTP date', () =>
    expect(parseRetryAfterMs(headerSource({ 'retry-after': 'Sat, 28 Nov 2026 12:00:30 GMT' }), now)).toBe(30_000))
  it('ignores garbage', () => expect(parseRetryAfterMs(headerSource({ 'retry-after': 'later' }), now)).toBeUndefined())
})
