import { describe, expect, it } from 'vitest'
import { score, scoreCandidates, violatedConstraint } from './score.ts'
import { candidate, context, ids, params } from './test-candidates.ts'

const only = (what: 'cost' | 'latency' | 'headroom') => ({ cost: 0, latency: 0, headroom: 0, [what]: 1 })

describe('score', () => {
  const list = [
    candidate({ id: 'cheap-slow-full', position: 0, estimatedCost: 0.001, latencyMs: 3000, headroom: 1 }),
    candidate({ id: 'mid-fast-low', position: 1, estimatedCost: 0.005, latencyMs: 200, headroom: 0.1 }),
    candidate({ id: 'dear-mid-half', position: 2, estimatedCost: 0.009, latencyMs: 1000, headroom: 0.5 }),
  ]

  it.each([
    ['cost', ['cheap-slow-full', 'mid-fast-low', 'dear-mid-half']],
    ['latency', ['mid-fast-low', 'dear-mid-half', 'cheap-slow-full']],
    ['headroom', ['cheap-slow-full', 'dear-mid-half', 'mid-fast-low']],
  ] as const)('with all weight on %s, ranks by %s alone', (what, expected) => {
    expect(ids(score(list, context({ params: { weights: only(what) } })))).toEqual(expected)
  })

  it('blends the terms: weights.cost·(1−normCost) + weights.latency·(1−normLatency) + weights.headroom·headroom', () => {
    const weights = { cost: 0.5, latency: 0.3, headroom: 0.2 }
    const s = scoreCandidates(list, weights)
    // normCost 0, 0.5, 1; normLatency 1, 0, 800/2800
    expect(s[0]).toBeCloseTo(0.5 * 1 + 0.3 * 0 + 0.2 * 1, 12)
    expect(s[1]).toBeCloseTo(0.5 * 0.5 + 0.3 * 1 + 0.2 * 0.1, 12)
    expect(s[2]).toBeCloseTo(0.5 * 0 + 0.3 * (1 - 800 / 2800) + 0.2 * 0.5, 12)
    expect(ids(score(list, context({ params: { weights } })))).toEqual([
      'cheap-slow-full',
      'mid-fast-low',
      'dear-mid-half',
    ])
    // more weight on latency flips the winner
    const latencyHeavy = { cost: 0.2, latency: 0.7, headroom: 0.1 }
    expect(ids(score(list, context({ params: { weights: latencyHeavy } })))[0]).toBe('mid-fast-low')
  })

  it('gives 0 for a term where every candidate is equal', () => {
    const same = [
      candidate({ estimatedCost: 0.002, latencyMs: 400, headroom: 0.3 }),
      candidate({ estimatedCost: 0.002, latencyMs: 400, headroom: 0.6 }),
    ]
    const s = scoreCandidates(same, { cost: 0.5, latency: 0.3, headroom: 0.2 })
    expect(Array.from(s)).toEqual([0.2 * 0.3, 0.2 * 0.6])
  })

  it('scores an unknown cost or latency as the worst value', () => {
    const known = candidate({ id: 'known', position: 1, estimatedCost: 0.02, latencyMs: 5000 })
    const unknown = candidate({ id: 'unknown', position: 0, estimatedCost: null, latencyMs: null })
    const s = scoreCandidates([known, unknown], { cost: 0.5, latency: 0.5, headroom: 0 })
    expect(Array.from(s)).toEqual([1, 0])
    expect(ids(score([unknown, known], context()))).toEqual(['known', 'unknown'])
  })

  it('drops candidates over maxCostPerRequest or maxLatencyMs, keeps unknowns and values at the limit', () => {
    const over = [
      candidate({ id: 'too-dear', estimatedCost: 0.011 }),
      candidate({ id: 'too-slow', latencyMs: 2001 }),
      candidate({ id: 'at-limits', estimatedCost: 0.01, latencyMs: 2000 }),
      candidate({ id: 'unknown', estimatedCost: null, latencyMs: null }),
    ]
    const out = score(over, context({ params: { maxCostPerRequest: 0.01, maxLatencyMs: 2000 } }))
    expect(ids(out).sort()).toEqual(['at-limits', 'unknown'])
    const p = params({ maxCostPerRequest: 0.01, maxLatencyMs: 2000 })
    expect(over.map((c) => violatedConstraint(c, p))).toEqual(['cost', 'latency', null, null])
  })

  it('keeps every candidate when no limit is set', () => {
    expect(score(list, context())).toHaveLength(3)
  })

  it('normalises over the candidates left after the constraints', () => {
    // without the outlier, 0.004 vs 0.005 is the full cost range, and cost outweighs headroom
    const outlier = candidate({ id: 'outlier', position: 2, estimatedCost: 1, latencyMs: 100 })
    const a = candidate({ id: 'a', position: 0, estimatedCost: 0.005, latencyMs: 100, headroom: 1 })
    const b = candidate({ id: 'b', position: 1, estimatedCost: 0.004, latencyMs: 100, headroom: 0.5 })
    const weights = { cost: 0.6, latency: 0, headroom: 0.4 }
    expect(ids(score([a, b, outlier], context({ params: { weights } })))).toEqual(['a', 'b', 'outlier'])
    expect(ids(score([a, b, outlier], context({ params: { weights, maxCostPerRequest: 0.5 } })))).toEqual(['b', 'a'])
  })
})
