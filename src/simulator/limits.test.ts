import { describe, expect, it } from 'vitest'
import { goDuration, protoDuration, RateLimiter, retryAfterSeconds, rfc3339 } from './limits.ts'

const charge = (tokens = 0) => ({ requests: 1, tokens, input: tokens, output: 0 })

describe('token buckets', () => {
  it('refuse once empty, hint the time until the charge fits, and refill continuously', () => {
    const l = new RateLimiter()
    const caps = { rpm: 2 }
    expect(l.admit('k', caps, charge(), 0)).toMatchObject({
      ok: true,
      state: { requests: { limit: 2, remaining: 1, resetMs: 30_000 } },
    })
    expect(l.admit('k', caps, charge(), 0).ok).toBe(true)
    const refused = l.admit('k', caps, charge(), 0)
    expect(refused).toMatchObject({ ok: false, window: 'requests', retryMs: 30_000, limit: 2, used: 2 })
    expect(l.admit('k', caps, charge(), 29_000).ok).toBe(false)
    expect(l.admit('k', caps, charge(), 30_000).ok).toBe(true)
    expect(l.admit('other', caps, charge(), 30_000).ok).toBe(true)
  })

  it('check every window and report the slowest one; refusals are not charged', () => {
    const l = new RateLimiter()
    const caps = { rpm: 100, tpm: 1000 }
    expect(l.admit('k', caps, charge(900), 0).ok).toBe(true)
    const r = l.admit('k', caps, charge(500), 0)
    expect(r).toMatchObject({ ok: false, window: 'tokens', retryMs: 24_000, requested: 500 })
    expect(r.state?.requests?.remaining).toBe(99)
  })
})

describe('formats', () => {
  it('Go durations, RFC 3339, proto durations, retry-after', () => {
    expect([
      goDuration(0),
      goDuration(20),
      goDuration(1000),
      goDuration(8640),
      goDuration(360_000),
      goDuration(3_723_000),
    ]).toEqual(['0s', '20ms', '1s', '8.64s', '6m0s', '1h2m3s'])
    expect(rfc3339(Date.UTC(2025, 7, 21, 12, 40, 58, 1))).toBe('2025-08-21T12:40:59Z')
    expect([protoDuration(15_000), protoDuration(14_596), protoDuration(250)]).toEqual(['15s', '14.596s', '0.25s'])
    expect([retryAfterSeconds(1), retryAfterSeconds(1000), retryAfterSeconds(1001)]).toEqual(['1', '1', '2'])
  })
})
