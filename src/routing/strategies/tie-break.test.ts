import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../lib/random.ts'
import { cost } from './cost.ts'
import { ordered } from './ordered.ts'
import { candidate, context, ids, scriptedRandom } from './test-candidates.ts'
import { rankByKey } from './tie-break.ts'

describe('tie-breaks', () => {
  it('two keys of the same route entry: the one with more headroom goes first', () => {
    const low = candidate({ id: 'openai/gpt-4.1-mini', key: 'openai#1', position: 0, headroom: 0.2 })
    const high = candidate({ id: 'openai/gpt-4.1-mini', key: 'openai#2', position: 0, headroom: 0.9 })
    const next = candidate({ id: 'anthropic/claude-haiku-4-5', position: 1, headroom: 1 })
    for (const strategy of [ordered, cost]) {
      const out = strategy([next, low, high], context({ random: scriptedRandom([]) }))
      expect(out.map((c) => c.target.keyAlias)).toEqual(['openai#2', 'openai#1', 'anthropic#1'])
    }
  })

  it('position decides before headroom', () => {
    const first = candidate({ position: 0, headroom: 0.1 })
    const second = candidate({ position: 1, headroom: 1 })
    expect(cost([second, first], context())).toEqual([first, second])
  })

  it('the primary key decides before position', () => {
    const cheapLater = candidate({ position: 3, estimatedCost: 0.001 })
    const dearFirst = candidate({ position: 0, estimatedCost: 0.01 })
    expect(cost([dearFirst, cheapLater], context())).toEqual([cheapLater, dearFirst])
  })

  it('draws no random number when nothing is an exact tie', () => {
    const list = [candidate({ position: 1 }), candidate({ position: 0, headroom: 0.5 }), candidate({ position: 0 })]
    expect(() => ordered(list, context({ random: scriptedRandom([]) }))).not.toThrow()
  })

  it('shuffles exact ties with ctx.random, so identical keys share the load', () => {
    const a = candidate({ key: 'k#a', position: 0, headroom: 0.5 })
    const b = candidate({ key: 'k#b', position: 0, headroom: 0.5 })
    const random = seededRandom(17)
    let aFirst = 0
    const n = 10_000
    for (let i = 0; i < n; i++) if (ordered([a, b], { ...context(), random })[0] === a) aFirst++
    expect(aFirst / n).toBeGreaterThan(0.47)
    expect(aFirst / n).toBeLessThan(0.53)
  })

  it('shuffles only within the tie: tied keys stay between what is better and what is worse', () => {
    const best = candidate({ position: 0 })
    const tied = [candidate({ position: 1 }), candidate({ position: 1 }), candidate({ position: 1 })]
    const worst = candidate({ position: 2 })
    for (let seed = 0; seed < 20; seed++) {
      const out = ordered([worst, ...tied, best], context({ seed }))
      expect(out[0]).toBe(best)
      expect(out[4]).toBe(worst)
      expect(new Set(out.slice(1, 4))).toEqual(new Set(tied))
    }
  })

  it('sorts NaN keys last, like unknown values', () => {
    const list = [candidate({ position: 0 }), candidate({ position: 1 }), candidate({ position: 2 })]
    const out = rankByKey(list, Float64Array.from([NaN, 2, 1]), scriptedRandom([]))
    expect(out).toEqual([list[2], list[1], list[0]])
  })

  it('keeps reference identity and leaves the input alone', () => {
    const list = Object.freeze([candidate({ position: 1 }), candidate({ position: 0 })])
    const out = ordered(list, context())
    expect(out[0]).toBe(list[1])
    expect(out[1]).toBe(list[0])
    expect(ids(list)).not.toEqual(ids(out))
  })
})
