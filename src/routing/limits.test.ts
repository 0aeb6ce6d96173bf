import { describe, expect, it } from 'vitest'
import type { RateLimitSnapshot } from '../providers/types.ts'
import type { Need } from './limit-store.ts'
import { HeadroomTracker } from './limits.ts'

const T0 = 1_700_000_000_000
const need = (inputTokens: number, outputTokens: number): Need => ({
  tokens: inputTokens + outputTokens,
  inputTokens,
  outputTokens,
})
const small = need(10, 10)

/** As the OpenAI adapter builds it: resets are "time until full", made absolute. */
function openaiSnap(at: number, req: [number, number, number], tok: [number, number, number]): RateLimitSnapshot {
  return {
    at,
    requests: { limit: req[0], remaining: req[1], resetAt: at + req[2] },
    tokens: { limit: tok[0], remaining: tok[1], resetAt: at + tok[2] },
  }
}

describe('HeadroomTracker: nothing known', () => {
  it('fits anything, reports full headroom and no wait', () => {
    const t = new HeadroomTracker()
    expect(t.fits(need(100_000, 100_000), T0)).toBe(true)
    expect(t.fraction(small, T0)).toBe(1)
    expect(t.recoveryAt(small, T0)).toBe(T0)
    expect(t.snapshot(T0)).toEqual({ inFlight: 0, concurrency: null, provider: {}, declared: {} })
  })
})

describe('HeadroomTracker: held by the shared view', () => {
  it('fits nothing until the time the other replicas’ share leaves room, and says so', () => {
    const t = new HeadroomTracker()
    t.holdUntil(T0 + 5_000)
    t.holdUntil(T0 + 1_000) // an earlier hold does not shorten it
    expect(t.fits(small, T0 + 4_999)).toBe(false)
    expect(t.recoveryAt(small, T0)).toBe(T0 + 5_000)
    expect(t.fits(small, T0 + 5_000)).toBe(true)
    expect(t.recoveryAt(small, T0 + 5_000)).toBe(T0 + 5_000)
  })
})

describe('HeadroomTracker: provider snapshots', () => {
  it('a window reported exhausted with a refusal is held for at most maxCooldownMs, then the target is tried again', () => {
    const refusal: RateLimitSnapshot = {
      at: T0,
      retryAfterMs: 3_600_000,
      requests: { limit: 10, remaining: 0, resetAt: T0 + 3_600_000 },
    }
    const capped = new HeadroomTracker({ maxCooldownMs: 60_000 })
    capped.observe(refusal, T0)
    expect(capped.fits(small, T0 + 59_000)).toBe(false)
    expect(capped.recoveryAt(small, T0)).toBe(T0 + 60_000)
    expect(capped.fits(small, T0 + 60_000)).toBe(true)
    const uncapped = new HeadroomTracker()
    uncapped.observe(refusal, T0)
    expect(uncapped.fits(small, T0 + 60_000)).toBe(false)
    // A window that refills at a known rate is a rate, not a cooldown: left as the provider said.
    capped.observe({ at: T0, requests: { limit: 10, remaining: 0, resetAt: T0 + 3_600_000 } }, T0)
    expect(capped.snapshot(T0).provider.requests?.resetAt).toBe(T0 + 3_600_000)
  })

  it('decays an OpenAI-shaped window linearly toward its limit, full after the reset', () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [100, 40, 30_000], [10_000, 10_000, 0]), T0)
    expect(t.snapshot(T0).provider.requests).toMatchObject({ limit: 100, remaining: 40, resetAt: T0 + 30_000 })
    expect(t.snapshot(T0 + 15_000).provider.requests?.remaining).toBe(70)
    expect(t.snapshot(T0 + 29_999).provider.requests?.remaining).toBe(99)
    expect(t.snapshot(T0 + 30_000).provider.requests?.remaining).toBe(100)
    expect(t.snapshot(T0 + 90_000).provider.requests?.remaining).toBe(100)
    // fraction: (remaining − 1 request) / limit, the binding dimension
    expect(t.fraction(small, T0)).toBeCloseTo(39 / 100)
    expect(t.fraction(small, T0 + 15_000)).toBeCloseTo(69 / 100)
  })

  it('reads an Anthropic-shaped snapshot (RFC 3339 resets, four windows) and waits for the binding one', () => {
    const at = Date.parse('2026-11-28T12:00:00Z')
    const reset = Date.parse('2026-11-28T12:01:00Z')
    const t = new HeadroomTracker()
    t.observe(
      {
        at,
        requests: { limit: 50, remaining: 49, resetAt: Date.parse('2026-11-28T12:00:01Z') },
        tokens: { limit: 40_000, remaining: 9_000, resetAt: reset },
        inputTokens: { limit: 30_000, remaining: 29_000, resetAt: Date.parse('2026-11-28T12:00:02Z') },
        outputTokens: { limit: 10_000, remaining: 1_000, resetAt: reset },
      },
      at,
    )
    const req = need(500, 2_000)
    expect(t.fits(req, at)).toBe(false) // output: 1,000 left < 2,000
    expect(t.fits(need(500, 900), at)).toBe(true)
    // output climbs 9,000 over 60 s: 150/s; 1,000 more → ~6.67 s
    const when = t.recoveryAt(req, at)!
    expect(when - at).toBeCloseTo(6_667, -1)
    expect(t.fits(req, when + 1)).toBe(true)
    expect(t.fits(req, when - 100)).toBe(false)
  })

  it("a window reported at zero refills continuously, as providers' buckets do", () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [100, 0, 20_000], [10_000, 5_000, 1_000]), T0)
    expect(t.fits(small, T0)).toBe(false)
    expect(t.recoveryAt(small, T0)).toBe(T0 + 200) // one request of 100 refills in 20 s / 100
    expect(t.fits(small, T0 + 199)).toBe(false)
    expect(t.fits(small, T0 + 200)).toBe(true)
    expect(t.fraction(small, T0 + 10_000)).toBeGreaterThan(0.4)
  })

  it('a zero window that came with a refusal (429) stays at zero until the wait it asked for', () => {
    const t = new HeadroomTracker()
    t.observe({ at: T0, retryAfterMs: 5_000, tokens: { limit: 1_000, remaining: 0, resetAt: T0 + 5_000 } }, T0)
    expect(t.fits(need(1, 1), T0 + 4_000)).toBe(false)
    expect(t.recoveryAt(need(1, 1), T0)).toBe(T0 + 5_000)
  })

  it("learns from Gemini's 429 details: a request quota at zero until the delay, a token limit only", () => {
    const t = new HeadroomTracker()
    t.observe(
      {
        at: T0,
        retryAfterMs: 15_000,
        requests: { limit: 10, remaining: 0, resetAt: T0 + 15_000 },
        tokens: { limit: 1_000 },
      },
      T0,
    )
    expect(t.fits(small, T0 + 14_000)).toBe(false)
    expect(t.fits(small, T0 + 15_000)).toBe(true)
    expect(t.fits(need(1_500, 0), T0 + 15_000)).toBe(false)
    expect(t.recoveryAt(need(1_500, 0), T0 + 15_000)).toBeNull() // bigger than the limit: never
  })

  it('a window without a limit counts until its reset, then is unknown', () => {
    const t = new HeadroomTracker()
    t.observe({ at: T0, requests: { remaining: 0, resetAt: T0 + 1_000 } }, T0)
    expect(t.fits(small, T0 + 500)).toBe(false)
    expect(t.recoveryAt(small, T0 + 500)).toBe(T0 + 1_000)
    expect(t.fits(small, T0 + 1_000)).toBe(true)
    expect(t.snapshot(T0 + 1_000).provider).toEqual({})
  })

  it('ignores a snapshot older than the one it holds (answers arriving out of order)', () => {
    const t = new HeadroomTracker()
    const early = t.reserve(small, T0)
    const late = t.reserve(small, T0 + 100)
    t.observe(openaiSnap(T0 + 400, [100, 90, 60_000], [10_000, 9_000, 60_000]), T0 + 400, late)
    t.observe(openaiSnap(T0 + 900, [100, 10, 60_000], [10_000, 100, 60_000]), T0 + 900, early)
    const kept = t.snapshot(T0 + 900).provider.requests
    expect(kept?.observedAt).toBe(T0 + 400)
    expect(kept?.remaining).toBe(90)
  })
})

describe('HeadroomTracker: reservations against provider numbers', () => {
  it('counts reservations the provider has not reported on, until a snapshot after them arrives', () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [100, 3, 60_000], [100_000, 100_000, 60_000]), T0)
    const a = t.reserve(small, T0 + 10)
    const b = t.reserve(small, T0 + 20)
    expect(t.fits(small, T0 + 20)).toBe(true) // 3 − 2 unseen = 1 left
    t.reserve(small, T0 + 30)
    expect(t.fits(small, T0 + 30)).toBe(false) // 3 − 3
    // a's own answer reports 2 left: it saw a (and nothing after it) → b and c still count
    t.observe(openaiSnap(T0 + 50, [100, 2, 0], [100_000, 99_000, 0]), T0 + 50, a)
    expect(t.snapshot(T0 + 50).provider.requests?.reserved).toBe(2)
    // b's answer: b seen too
    t.observe(openaiSnap(T0 + 60, [100, 1, 0], [100_000, 99_000, 0]), T0 + 60, b)
    expect(t.snapshot(T0 + 60).provider.requests?.reserved).toBe(1)
  })

  it('without a source, a snapshot supersedes reservations made graceMs before it', () => {
    const t = new HeadroomTracker({}, { graceMs: 1_000 })
    t.observe(openaiSnap(T0 - 1, [100, 53, 60_000], [100_000, 100_000, 60_000]), T0 - 1) // the provider's numbers are known
    t.reserve(small, T0)
    t.reserve(small, T0 + 500)
    t.reserve(small, T0 + 1_500)
    t.observe(openaiSnap(T0 + 2_000, [100, 50, 60_000], [100_000, 100_000, 60_000]), T0 + 2_000)
    expect(t.snapshot(T0 + 2_000).provider.requests?.reserved).toBe(1)
  })

  it('stops counting an unseen reservation after a whole window (no double count forever)', () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [10, 1, 1_000], [100_000, 100_000, 1_000]), T0)
    t.reserve(small, T0 + 1)
    t.observe(openaiSnap(T0 - 5_000, [10, 10, 0], [100_000, 100_000, 0]), T0 - 5_000) // older: ignored
    expect(t.fits(small, T0 + 2)).toBe(false)
    expect(t.snapshot(T0 + 30_000).provider.requests).toMatchObject({ remaining: 10, reserved: 1 })
    expect(t.snapshot(T0 + 60_001).provider.requests).toMatchObject({ remaining: 10, reserved: 0 })
  })

  it('corrects an unseen reservation to the real usage at release; null keeps the estimate', () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [100, 100, 60_000], [10_000, 10_000, 60_000]), T0)
    const r1 = t.reserve(need(1_000, 4_000), T0)
    const r2 = t.reserve(need(1_000, 1_000), T0)
    expect(t.snapshot(T0).provider.tokens?.reserved).toBe(7_000)
    t.release(r1, { promptTokens: 900, completionTokens: 100 }, T0 + 10)
    expect(t.snapshot(T0 + 10).provider.tokens?.reserved).toBe(3_000)
    t.release(r2, null, T0 + 10)
    expect(t.snapshot(T0 + 10).provider.tokens?.reserved).toBe(3_000)
    expect(t.inFlight).toBe(0)
  })

  it('a snapshot without windows (a bare Retry-After) supersedes nothing and keeps the view', () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [100, 50, 60_000], [10_000, 10_000, 60_000]), T0)
    const r = t.reserve(small, T0 + 10)
    t.observe({ at: T0 + 20, retryAfterMs: 1_000 }, T0 + 20, r)
    expect(t.snapshot(T0 + 20).provider.requests).toMatchObject({ observedAt: T0, reserved: 1 })
  })

  it('a snapshot with windows replaces the whole previous view', () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [100, 50, 60_000], [10_000, 10_000, 60_000]), T0)
    t.observe({ at: T0 + 5_000, requests: { limit: 10, remaining: 0, resetAt: T0 + 20_000 } }, T0 + 5_000)
    expect(Object.keys(t.snapshot(T0 + 5_000).provider)).toEqual(['requests'])
  })

  it('admits exactly what the provider has left when many requests are planned at once', () => {
    const t = new HeadroomTracker()
    t.observe(openaiSnap(T0, [100, 5, 60_000], [1_000_000, 1_000_000, 60_000]), T0)
    let admitted = 0
    for (let i = 0; i < 20; i++) {
      if (!t.fits(small, T0 + 1)) continue
      t.reserve(small, T0 + 1)
      admitted++
    }
    expect(admitted).toBe(5)
  })
})

describe('HeadroomTracker: declared limits', () => {
  it('counts rpm in a token bucket refilled over 60 s', () => {
    const t = new HeadroomTracker({ rpm: 2 })
    t.release(t.reserve(small, T0), { promptTokens: 1, completionTokens: 1 }, T0)
    t.reserve(small, T0)
    expect(t.fits(small, T0)).toBe(false)
    expect(t.recoveryAt(small, T0)).toBe(T0 + 30_000)
    expect(t.fits(small, T0 + 29_999)).toBe(false)
    expect(t.fits(small, T0 + 30_000)).toBe(true)
    expect(t.snapshot(T0 + 60_000).declared.rpm).toEqual({ capacity: 2, available: 2 })
  })

  it('charges tpm with the estimate and refunds the over-reservation at release', () => {
    const t = new HeadroomTracker({ tpm: 1_000 })
    const r = t.reserve(need(100, 700), T0)
    expect(t.fits(need(100, 200), T0)).toBe(false)
    expect(t.fraction(need(0, 0), T0)).toBeCloseTo(0.2)
    t.release(r, { promptTokens: 90, completionTokens: 10 }, T0)
    expect(t.fits(need(100, 200), T0)).toBe(true)
    expect(t.snapshot(T0).declared.tpm).toEqual({ capacity: 1_000, available: 900 })
  })

  it('charges more when the real usage exceeded the estimate', () => {
    const t = new HeadroomTracker({ tpm: 1_000 })
    t.release(t.reserve(need(100, 100), T0), { promptTokens: 700, completionTokens: 100 }, T0)
    expect(t.snapshot(T0).declared.tpm?.available).toBe(200)
    expect(t.recoveryAt(need(200, 200), T0)).toBe(T0 + 12_000) // 200 more at 1,000/min
  })

  it('a request larger than tpm never fits, and says which limit it outgrows', () => {
    const t = new HeadroomTracker({ tpm: 1_000 })
    expect(t.fits(need(900, 200), T0)).toBe(false)
    expect(t.recoveryAt(need(900, 200), T0)).toBeNull()
    expect(t.tooLarge(need(900, 200))).toEqual({ dimension: 'tokens', need: 1_100, limit: 1_000 })
    expect(t.tooLarge(need(900, 100))).toBeNull() // as large as the limit: it fits a full bucket
  })

  it('too large against the provider’s reported limits: per dimension, whatever remains now', () => {
    const t = new HeadroomTracker({ rpm: 100, concurrency: 1 })
    expect(t.tooLarge(need(1_000_000, 1_000_000))).toBeNull() // nothing known: no limit to outgrow
    t.observe(
      {
        at: T0,
        requests: { limit: 50, remaining: 0, resetAt: T0 + 60_000 },
        inputTokens: { limit: 40_000, remaining: 40_000 },
        outputTokens: { limit: 8_000, remaining: 10 },
      },
      T0,
    )
    expect(t.tooLarge(need(30_000, 8_000))).toBeNull() // each within its own limit, though not now
    expect(t.tooLarge(need(30_000, 8_001))).toEqual({ dimension: 'outputTokens', need: 8_001, limit: 8_000 })
    expect(t.tooLarge(need(40_001, 10))).toEqual({ dimension: 'inputTokens', need: 40_001, limit: 40_000 })
    t.reserve(small, T0)
    expect(t.tooLarge(small)).toBeNull() // at its concurrency cap: a wait, not too large
  })

  it('caps in-flight requests at the declared concurrency', () => {
    const t = new HeadroomTracker({ concurrency: 2 })
    const a = t.reserve(small, T0)
    expect(t.fraction(small, T0)).toBe(0) // the last slot
    t.reserve(small, T0)
    expect(t.inFlight).toBe(2)
    expect(t.fits(small, T0)).toBe(false)
    expect(t.recoveryAt(small, T0)).toBeNull() // waits on completions, not on time
    t.release(a, null, T0 + 1)
    t.release(a, null, T0 + 1) // twice: no effect
    expect(t.inFlight).toBe(1)
    expect(t.fits(small, T0 + 1)).toBe(true)
  })

  it('applies declared limits alongside provider headers: the tighter wins', () => {
    const t = new HeadroomTracker({ rpm: 1 })
    t.observe(openaiSnap(T0, [1_000, 999, 60_000], [1_000_000, 1_000_000, 60_000]), T0)
    t.reserve(small, T0)
    expect(t.fits(small, T0 + 1)).toBe(false)
  })

  it('keeps what was counted when the declared limits change', () => {
    const t = new HeadroomTracker({ tpm: 1_000, concurrency: 1 })
    t.reserve(need(300, 300), T0)
    t.configure({ tpm: 2_000 }, T0)
    expect(t.snapshot(T0).declared.tpm).toEqual({ capacity: 2_000, available: 1_400 })
    expect(t.concurrency).toBeNull()
    expect(t.inFlight).toBe(1)
    t.configure({}, T0)
    expect(t.snapshot(T0).declared).toEqual({})
  })

  it('keeps no reservation queue for a target that reports no numbers of its own (Gemini)', () => {
    const t = new HeadroomTracker({ rpm: 1_000_000 })
    t.observe(null, T0)
    for (let i = 0; i < 1_000; i++) t.release(t.reserve(small, T0 + i), null, T0 + i)
    expect(t.snapshot(T0 + 1_000).provider).toEqual({})
    expect(t.inFlight).toBe(0)
    expect((t as unknown as { queue: unknown[] }).queue.length).toBe(0)
  })

  it('snapshot is plain JSON', () => {
    const t = new HeadroomTracker({ rpm: 10, tpm: 1_000, concurrency: 3 })
    t.observe(openaiSnap(T0, [100, 40, 30_000], [10_000, 5_000, 30_000]), T0)
    t.reserve(small, T0)
    const snap = t.snapshot(T0 + 1)
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap)
    expect(snap).toMatchObject({ inFlight: 1, concurrency: 3, provider: { requests: { reserved: 1 } } })
  })
})
