/**
 * The contract every strategy keeps, run against each entry of STRATEGIES (like Hono's shared router
 * suite): a strategy reorders the candidates it was given and may drop one only for a documented hard
 * constraint.
 */
import { describe, expect, it } from 'vitest'
import type { StrategyName } from '../../config/schema.ts'
import type { StrategyParams } from '../../config/types.ts'
import { seededRandom } from '../../lib/random.ts'
import type { Candidate } from '../types.ts'
import { STRATEGIES, strategyFor, violatedConstraint } from './index.ts'
import { candidate, context } from './test-candidates.ts'

/** Strategies documented to drop candidates that break `maxCostPerRequest` / `maxLatencyMs`. */
const DROPS_ON_CONSTRAINTS: ReadonlySet<StrategyName> = new Set(['score'])

/** 30 candidates with every kind of value: shared positions (several keys), nulls, stale, tiers, weight 0. */
function mixed(): Candidate[] {
  return Array.from({ length: 30 }, (_, i) =>
    candidate({
      id: `p${i % 3}/m${Math.floor(i / 2)}`,
      key: `p${i % 3}#${i % 2}`,
      position: Math.floor(i / 2),
      model: null,
      weight: i % 7 === 0 ? 0 : (i % 4) + 1,
      tier: i % 3,
      estimatedCost: i % 5 === 0 ? null : ((i * 37) % 11) / 1000,
      latencyMs: i % 6 === 0 ? null : 100 + ((i * 53) % 17) * 20,
      latencyAgeMs: i % 6 === 0 ? null : (i % 4) * 40_000,
      headroom: ((i * 13) % 10) / 10,
    }),
  )
}

const entries = Object.entries(STRATEGIES) as [StrategyName, (typeof STRATEGIES)[StrategyName]][]

describe.each(entries)('strategy %s', (name, strategy) => {
  it('is what strategyFor returns', () => expect(strategyFor(name)).toBe(strategy))

  it('returns nothing for no candidates', () => {
    expect(strategy([], context())).toEqual([])
  })

  it('returns the one candidate it was given', () => {
    const only = candidate()
    const out = strategy([only], context())
    expect(out).toHaveLength(1)
    expect(out[0]).toBe(only)
  })

  it.each([1, 2, 7, 42, 2024])('with 30 candidates (seed %i), returns each exactly once, same references', (seed) => {
    const input = mixed()
    const out = strategy(Object.freeze(input.slice()), context({ seed, params: { explore: 0.3 } }))
    expect(out).toHaveLength(input.length)
    expect(new Set(out).size).toBe(out.length)
    for (const c of out) expect(input).toContain(c)
  })

  it('is deterministic for a given seed', () => {
    const input = mixed()
    for (const seed of [3, 99, 123_456]) {
      const ctx = { params: { explore: 0.5 }, complexity: { code: seed % 2 === 0 } }
      const a = strategy(input, context({ seed, ...ctx }))
      const b = strategy(input, context({ seed, ...ctx }))
      expect(a.map((c) => input.indexOf(c))).toEqual(b.map((c) => input.indexOf(c)))
    }
  })

  it('does not mutate the input array', () => {
    const input = mixed()
    const before = input.slice()
    strategy(input, context({ seed: 5, params: { explore: 1 } }))
    expect(input).toEqual(before)
    for (let i = 0; i < input.length; i++) expect(input[i]).toBe(before[i])
  })

  it('handles unknown cost, latency and model on every candidate', () => {
    const input = Array.from({ length: 5 }, (_, i) =>
      candidate({
        position: i,
        model: null,
        estimatedCost: null,
        latencyMs: null,
        latencyAgeMs: null,
        latencySamples: 0,
      }),
    )
    const out = strategy(input, context({ params: { maxCostPerRequest: 0.01, maxLatencyMs: 100 } }))
    expect(new Set(out)).toEqual(new Set(input))
  })

  it(`drops a candidate only for a hard constraint${DROPS_ON_CONSTRAINTS.has(name) ? '' : ' (never, for this one)'}`, () => {
    const input = mixed()
    const limits: Partial<StrategyParams> = { maxCostPerRequest: 0.005, maxLatencyMs: 300 }
    const ctx = context({ seed: 11, params: limits })
    const out = strategy(input, ctx)
    const dropped = input.filter((c) => !out.includes(c))
    if (!DROPS_ON_CONSTRAINTS.has(name)) expect(dropped).toEqual([])
    else {
      expect(dropped.length).toBeGreaterThan(0)
      for (const c of dropped) expect(violatedConstraint(c, ctx.params)).not.toBeNull()
      for (const c of out) expect(violatedConstraint(c, ctx.params)).toBeNull()
    }
  })

  it('takes its randomness from ctx.random alone, drawing the same number of times for the same input', () => {
    const input = mixed()
    const r1 = seededRandom(8)
    const r2 = seededRandom(8)
    const a = strategy(input, { ...context(), random: r1 })
    const b = strategy(input, { ...context(), random: r2 })
    expect(a.map((c) => input.indexOf(c))).toEqual(b.map((c) => input.indexOf(c)))
    expect(r1()).toBe(r2())
  })
})
