import { describe, expect, it } from 'vitest'
import { retryDelayMs } from './backoff.ts'

const base = { baseMs: 100, capMs: 2_000, maxRetryAfterMs: 5_000 }

describe('retryDelayMs', () => {
  it('draws uniformly from [0, min(cap, base × 2^attempt)) — full jitter', () => {
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0 })).toBe(0)
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0.999999 })).toBe(99)
    expect(retryDelayMs({ ...base, attempt: 3, random: () => 0.5 })).toBe(400)
    expect(retryDelayMs({ ...base, attempt: 3, random: () => 0.999999 })).toBe(799)
  })

  it('never exceeds the cap, however many attempts', () => {
    for (const attempt of [5, 10, 60, 2000]) {
      const d = retryDelayMs({ ...base, attempt, random: () => 0.999999 })
      expect(d).toBe(1_999)
    }
  })

  it('stays within its bounds for many random draws', () => {
    let seed = 7
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
    for (let attempt = 0; attempt < 8; attempt++) {
      const window = Math.min(2_000, 100 * 2 ** attempt)
      for (let i = 0; i < 200; i++) {
        const d = retryDelayMs({ ...base, attempt, random })!
        expect(d).toBeGreaterThanOrEqual(0)
        expect(d).toBeLessThan(window)
      }
    }
  })

  it('treats a negative attempt as the first', () => {
    expect(retryDelayMs({ ...base, attempt: -3, random: () => 0.5 })).toBe(50)
  })

  it('waits exactly the Retry-After when it is within the limit, ignoring jitter', () => {
    expect(retryDelayMs({ ...base, attempt: 4, random: () => 0, retryAfterMs: 1_500 })).toBe(1_500)
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0.9, retryAfterMs: 5_000 })).toBe(5_000)
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0.9, retryAfterMs: 0 })).toBe(0)
  })

  it('never waits less than asked (fractions round up)', () => {
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0, retryAfterMs: 250.2 })).toBe(251)
  })

  it('answers null (fail over) when the Retry-After is longer than the limit', () => {
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0, retryAfterMs: 5_001 })).toBeNull()
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0, retryAfterMs: 60_000 })).toBeNull()
  })

  it('falls back to backoff when the upstream gave no Retry-After (null)', () => {
    expect(retryDelayMs({ ...base, attempt: 1, random: () => 0.5, retryAfterMs: null })).toBe(100)
  })
})
