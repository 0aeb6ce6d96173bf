import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../lib/random.ts'
import type { Candidate } from '../types.ts'
import { candidate, context, ids, scriptedRandom } from './test-candidates.ts'
import { weighted } from './weighted.ts'

function tally(
  list: readonly Candidate[],
  n: number,
  seed: number,
): { first: Map<string, number>; secondAfterC: Map<string, number> } {
  const random = seededRandom(seed)
  const first = new Map<string, number>()
  const secondAfterC = new Map<string, number>()
  for (let i = 0; i < n; i++) {
    const out = ids(weighted(list, { ...context(), random }))
    first.set(out[0]!, (first.get(out[0]!) ?? 0) + 1)
    if (out[0] === 'c') secondAfterC.set(out[1]!, (secondAfterC.get(out[1]!) ?? 0) + 1)
  }
  return { first, secondAfterC }
}

describe('weighted', () => {
  const list = [
    candidate({ id: 'a', position: 0, weight: 1 }),
    candidate({ id: 'b', position: 1, weight: 2 }),
    candidate({ id: 'c', position: 2, weight: 7 }),
  ]

  it('serves first in proportion to weight over 10k draws', () => {
    const n = 10_000
    const { first } = tally(list, n, 42)
    for (const [id, share] of [
      ['a', 0.1],
      ['b', 0.2],
      ['c', 0.7],
    ] as const) {
      expect(Math.abs((first.get(id) ?? 0) / n - share)).toBeLessThan(0.015)
    }
  })

  it('samples without replacement: the fallback is drawn by weight from those left', () => {
    const n = 10_000
    const { first, secondAfterC } = tally(list, n, 7)
    const afterC = first.get('c') ?? 0
    // P(b second | c first) = 2 / (1 + 2)
    expect(Math.abs((secondAfterC.get('b') ?? 0) / afterC - 2 / 3)).toBeLessThan(0.03)
  })

  it('puts weight-0 targets last, in position order, and draws nothing for them', () => {
    const zeroLate = candidate({ id: 'zero-late', position: 3, weight: 0 })
    const zeroEarly = candidate({ id: 'zero-early', position: 0, weight: 0 })
    const live = candidate({ id: 'live', position: 1, weight: 1 })
    const out = weighted([zeroLate, live, zeroEarly], context({ random: scriptedRandom([0.5]) }))
    expect(ids(out)).toEqual(['live', 'zero-early', 'zero-late'])
  })

  it('falls back to position order when every weight is 0', () => {
    const out = weighted(
      [candidate({ id: 'b', position: 1, weight: 0 }), candidate({ id: 'a', position: 0, weight: 0 })],
      context(),
    )
    expect(ids(out)).toEqual(['a', 'b'])
  })

  it('gives a target with equal weight an equal share', () => {
    const even = [candidate({ id: 'x', position: 0 }), candidate({ id: 'y', position: 1 })]
    const random = seededRandom(99)
    let x = 0
    for (let i = 0; i < 10_000; i++) if (weighted(even, { ...context(), random })[0]!.target.id === 'x') x++
    expect(Math.abs(x / 10_000 - 0.5)).toBeLessThan(0.02)
  })
})
