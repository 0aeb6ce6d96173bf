import { describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/manual-clock.ts'
import type { LimitsSnapshot } from '../routing/limit-store.ts'
import { HeadroomTracker } from '../routing/limits.ts'
import { attemptEvent, T0, targetOf } from './__fixtures__/attempt-event.ts'
import { ConsumptionMeter, jsonSeconds, type Rates, runwaySeconds, targetRunway, usedFractions } from './runway.ts'

const ID = 'openai#1/gpt-4.1-mini'
const rates = (requests: number, tokens = 0): Rates => ({ requests, tokens, inputTokens: 0, outputTokens: 0 })
const snapshot = (over: Partial<LimitsSnapshot> = {}): LimitsSnapshot => ({
  inFlight: 0,
  concurrency: null,
  provider: {},
  declared: {},
  ...over,
})

describe('ConsumptionMeter', () => {
  it('reads a steady load as its rate, per dimension, and lets it fade over the next minute', async () => {
    const clock = new ManualClock(T0)
    const meter = new ConsumptionMeter()
    // One request a second (1,000 prompt + 200 completion tokens) for ten minutes.
    for (let i = 0; i < 600; i++) {
      meter.onAttempt(attemptEvent({ startedAt: clock.now() }))
      await clock.advance(1_000)
    }
    const r = meter.rates(ID, clock.now())
    // Within 2%: a second after the last of one-a-second events, it reads the load.
    for (const [d, want] of [
      ['requests', 1],
      ['tokens', 1_200],
      ['inputTokens', 1_000],
      ['outputTokens', 200],
    ] as const)
      expect(Math.abs(r[d] / want - 1), d).toBeLessThan(0.02)
    await clock.advance(60_000)
    expect(meter.rates(ID, clock.now()).requests).toBeCloseTo(r.requests / Math.E, 3)
    expect(meter.rates('openai#2/gpt-4.1-mini', clock.now())).toEqual(rates(0))
  })

  it('counts no 429 (providers do not charge a refused request), and a failed attempt as a request without tokens', () => {
    const meter = new ConsumptionMeter()
    meter.onAttempt(attemptEvent({ status: 429, outcome: 'failed_over', usage: null }))
    expect(meter.rates(ID, T0).requests).toBe(0)
    meter.onAttempt(attemptEvent({ status: 500, outcome: 'failed_over', usage: null, usageSource: 'none' }))
    expect(meter.rates(ID, T0)).toEqual(rates(1 / 60))
  })

  it('takes an attempt that started before the last one counted (a long stream) at its own time', () => {
    const a = new ConsumptionMeter()
    const b = new ConsumptionMeter()
    a.onAttempt(attemptEvent({ startedAt: T0 }))
    a.onAttempt(attemptEvent({ startedAt: T0 + 30_000 }))
    b.onAttempt(attemptEvent({ startedAt: T0 + 30_000 }))
    b.onAttempt(attemptEvent({ startedAt: T0 }))
    expect(b.rates(ID, T0 + 40_000).requests).toBeCloseTo(a.rates(ID, T0 + 40_000).requests, 12)
  })

  it('keeps each target apart', () => {
    const meter = new ConsumptionMeter()
    meter.onAttempt(attemptEvent({ target: targetOf('anthropic#1/claude-haiku-4-5') }))
    expect(meter.rates(ID, T0).requests).toBe(0)
    expect(meter.rates('anthropic#1/claude-haiku-4-5', T0).requests).toBeCloseTo(1 / 60)
  })
})

describe('runwaySeconds', () => {
  it('is the headroom over the net rate while consumption outruns the refill', () => {
    expect(runwaySeconds(40, 3, 1, null)).toBe(20)
  })
  it('is +Inf when the refill keeps up, or nothing is consumed', () => {
    expect(runwaySeconds(40, 1, 1, null)).toBe(Infinity)
    expect(runwaySeconds(40, 0.5, 1, null)).toBe(Infinity)
    expect(runwaySeconds(40, 0, 0, null)).toBe(Infinity)
  })
  it('is 0 when nothing is left', () => {
    expect(runwaySeconds(0, 0, 1, null)).toBe(0)
    expect(runwaySeconds(-3, 5, 1, null)).toBe(0)
  })
  it('is +Inf for a window that is full again before it would run out, else the time to run out', () => {
    expect(runwaySeconds(10, 1, 0, 5)).toBe(Infinity)
    expect(runwaySeconds(10, 1, 0, 20)).toBe(10)
  })
})

describe('targetRunway', () => {
  it("a provider's window: remaining less our unseen reservations, refilling by the time it reports until full", () => {
    const limits = snapshot({
      provider: { requests: { limit: 120, remaining: 50, reserved: 10, resetAt: T0 + 35_000, observedAt: T0 } },
    })
    // 70 missing, full in 35 s: refills at 2/s. At 4/s the 40 left last 20 s; at 2/s they last.
    expect(targetRunway(limits, rates(4), T0)).toEqual({ requests: 20 })
    expect(targetRunway(limits, rates(2), T0)).toEqual({ requests: Infinity })
    expect(usedFractions(limits)).toEqual({ requests: 1 - 40 / 120 })
    // A longer window (a 10-minute bucket): 70 missing, full in 350 s, 0.2/s; a full one, limit / 60 s.
    const slow = { limit: 120, remaining: 50, reserved: 0, resetAt: T0 + 350_000, observedAt: T0 }
    expect(targetRunway(snapshot({ provider: { requests: slow } }), rates(1.2), T0)).toEqual({ requests: 50 })
    const full = { ...slow, remaining: 120, resetAt: T0 }
    expect(targetRunway(snapshot({ provider: { requests: full } }), rates(3), T0)).toEqual({ requests: 120 })
  })

  it('a window without a known limit runs out only if it does before its reset', () => {
    const limits = snapshot({
      provider: { tokens: { limit: null, remaining: 1_000, reserved: 0, resetAt: T0 + 30_000, observedAt: T0 } },
    })
    expect(targetRunway(limits, rates(0, 100), T0)).toEqual({ tokens: 10 })
    expect(targetRunway(limits, rates(0, 10), T0)).toEqual({ tokens: Infinity })
    expect(usedFractions(limits)).toEqual({})
  })

  it('declared rpm / tpm on a ManualClock: the shorter of the two sources, and only limited dimensions', async () => {
    const clock = new ManualClock(T0)
    const tracker = new HeadroomTracker({ rpm: 60, tpm: 6_000 })
    for (let i = 0; i < 30; i++) tracker.reserve({ tokens: 100, inputTokens: 80, outputTokens: 20 }, clock.now())
    // 30 requests left of 60, refilling at 1/s; 3,000 tokens of 6,000, refilling at 100/s.
    const r = targetRunway(tracker.snapshot(clock.now()), rates(4, 400), clock.now())
    expect(r).toEqual({ requests: 10, tokens: 10 })
    tracker.observe({ at: T0, requests: { limit: 100, remaining: 12, resetAt: T0 + 52_800 } }, clock.now())
    expect(targetRunway(tracker.snapshot(clock.now()), rates(4, 400), clock.now()).requests).toBeCloseTo(
      12 / (4 - 100 / 60),
    )
    expect(usedFractions(tracker.snapshot(clock.now()))).toEqual({ requests: 0.88, tokens: 0.5 })
    await clock.advance(30_000)
    expect(targetRunway(tracker.snapshot(clock.now()), rates(0.5, 50), clock.now())).toEqual({
      requests: Infinity,
      tokens: Infinity,
    })
  })
})

describe('jsonSeconds', () => {
  it('rounds to a tenth of a second, and spells infinity as Prometheus does', () => {
    expect(jsonSeconds(12.345)).toBe(12.3)
    expect(jsonSeconds(Infinity)).toBe('+Inf')
    expect(JSON.stringify({ s: jsonSeconds(Infinity) })).toBe('{"s":"+Inf"}')
  })
})
