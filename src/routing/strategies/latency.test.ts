import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../lib/random.ts'
import { isStale, latency } from './latency.ts'
import { candidate, context, ids, scriptedRandom } from './test-candidates.ts'

const STALE_AFTER = 60_000
const fresh = { latencySamples: 20, latencyAgeMs: 1_000 }

function fleet(
  ms: [number | null, number | null, number | null],
  age: [number | null, number | null, number | null] = [1_000, 1_000, 1_000],
) {
  return [
    candidate({ id: 'google/gemini-2.5-flash-lite', position: 0, latencyMs: ms[0], latencyAgeMs: age[0] }),
    candidate({ id: 'openai/gpt-4.1-nano', position: 1, latencyMs: ms[1], latencyAgeMs: age[1] }),
    candidate({ id: 'anthropic/claude-haiku-4-5', position: 2, latencyMs: ms[2], latencyAgeMs: age[2] }),
  ]
}

describe('latency', () => {
  it('puts the fastest first, and draws nothing when exploration is off', () => {
    const out = latency(fleet([900, 300, 600]), context({ random: scriptedRandom([]), params: { explore: 0 } }))
    expect(ids(out)).toEqual(['openai/gpt-4.1-nano', 'anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash-lite'])
  })

  it('shifts to the target that became faster', () => {
    const ctx = () => context({ params: { explore: 0 } })
    expect(ids(latency(fleet([400, 300, 600]), ctx()))[0]).toBe('openai/gpt-4.1-nano')
    expect(ids(latency(fleet([250, 900, 600]), ctx()))[0]).toBe('google/gemini-2.5-flash-lite')
  })

  it('tries a never-measured target first, one per request, and keeps the rest by speed', () => {
    const list = fleet([null, 300, null], [null, 1_000, null])
    const out = latency(list, context({ random: scriptedRandom([]), params: { explore: 0.5 } }))
    // the lowest-position unmeasured one leads; the other unmeasured one stays after the measured
    expect(ids(out)).toEqual(['google/gemini-2.5-flash-lite', 'openai/gpt-4.1-nano', 'anthropic/claude-haiku-4-5'])
  })

  it('re-measures a recovered target whose measurement went stale, then returns to the fastest', () => {
    const stale = fleet([200, 300, 900], [1_000, 1_000, STALE_AFTER + 1])
    expect(ids(latency(stale, context({ params: { staleAfterMs: STALE_AFTER } })))).toEqual([
      'anthropic/claude-haiku-4-5',
      'google/gemini-2.5-flash-lite',
      'openai/gpt-4.1-nano',
    ])
    // the request re-measured it: it is fresh again and, now fast, it leads on its own merit
    const remeasured = fleet([200, 300, 150], [1_000, 1_000, 0])
    expect(ids(latency(remeasured, context({ params: { staleAfterMs: STALE_AFTER } })))[0]).toBe(
      'anthropic/claude-haiku-4-5',
    )
    const stillSlow = fleet([200, 300, 900], [1_000, 1_000, 0])
    expect(ids(latency(stillSlow, context({ params: { staleAfterMs: STALE_AFTER } })))[0]).toBe(
      'google/gemini-2.5-flash-lite',
    )
  })

  it('counts a measurement exactly staleAfterMs old as fresh', () => {
    expect(isStale(candidate({ latencyMs: 100, latencyAgeMs: STALE_AFTER }), STALE_AFTER)).toBe(false)
    expect(isStale(candidate({ latencyMs: 100, latencyAgeMs: STALE_AFTER + 1 }), STALE_AFTER)).toBe(true)
    expect(isStale(candidate({ latencyMs: null, latencyAgeMs: null }), STALE_AFTER)).toBe(true)
    expect(isStale(candidate({ latencyMs: 100, latencyAgeMs: null }), STALE_AFTER)).toBe(true)
  })

  it('explores when the draw is below params.explore: a non-fastest target moves to the front', () => {
    const list = fleet([100, 200, 300])
    // draw 1: 0.05 < 0.1 → explore; draw 2: 0.99 → index 1 + floor(0.99 · 2) = 2 (the slowest)
    const out = latency(list, context({ random: scriptedRandom([0.05, 0.99]), params: { explore: 0.1 } }))
    expect(ids(out)).toEqual(['anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash-lite', 'openai/gpt-4.1-nano'])
    const notExplored = latency(list, context({ random: scriptedRandom([0.1]), params: { explore: 0.1 } }))
    expect(ids(notExplored)[0]).toBe('google/gemini-2.5-flash-lite')
  })

  it('explores at rate ≈ params.explore, spread evenly over the non-fastest targets', () => {
    const list = [...fleet([100, 200, 300]), candidate({ id: 'x/slowest', position: 3, latencyMs: 400, ...fresh })]
    const random = seededRandom(2026)
    const firsts = new Map<string, number>()
    const n = 20_000
    for (let i = 0; i < n; i++) {
      const first = latency(list, { ...context({ params: { explore: 0.15 } }), random })[0]!.target.id
      firsts.set(first, (firsts.get(first) ?? 0) + 1)
    }
    const fastest = (firsts.get('google/gemini-2.5-flash-lite') ?? 0) / n
    expect(1 - fastest).toBeGreaterThan(0.14)
    expect(1 - fastest).toBeLessThan(0.16)
    for (const id of ['openai/gpt-4.1-nano', 'anthropic/claude-haiku-4-5', 'x/slowest']) {
      expect((firsts.get(id) ?? 0) / n).toBeGreaterThan(0.04)
      expect((firsts.get(id) ?? 0) / n).toBeLessThan(0.06)
    }
  })

  it('does not explore when a stale target is already being re-measured', () => {
    const list = fleet([100, null, 300], [1_000, null, 1_000])
    const out = latency(list, context({ random: scriptedRandom([]), params: { explore: 1 } }))
    expect(ids(out)).toEqual(['openai/gpt-4.1-nano', 'google/gemini-2.5-flash-lite', 'anthropic/claude-haiku-4-5'])
  })

  it('keeps the fastest as the first fallback when exploring', () => {
    const out = latency(fleet([100, 200, 300]), context({ random: scriptedRandom([0, 0]), params: { explore: 0.5 } }))
    expect(ids(out)).toEqual(['openai/gpt-4.1-nano', 'google/gemini-2.5-flash-lite', 'anthropic/claude-haiku-4-5'])
  })
})
