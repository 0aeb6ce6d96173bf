import { describe, expect, it } from 'vitest'
import { dayStart } from '../lib/utc-period.ts'
import { makeRow } from '../spend/__fixtures__/spend-rows.ts'
import { BudgetTracker } from './budgets.ts'

const NOW = Date.UTC(2026, 10, 1, 12)
const limits = { daily: 10_000, monthly: null }

describe('BudgetTracker', () => {
  it('counts rows for the scopes it tracks (those with a budget, seeded), and refuses once spent', () => {
    const b = new BudgetTracker()
    b.seed('route', 'fast', NOW, 0, 0)
    b.seed('key', 'team-a', NOW, 3_000, 3_000)
    b.add(makeRow({ route: 'fast', virtualKey: 'team-a', costMicrocents: 7_200 }))
    expect(b.spent('route', 'fast', 'daily', NOW)).toBe(7_200)
    expect(b.spent('key', 'team-a', 'daily', NOW)).toBe(10_200)
    expect(b.check({ name: 'team-a', budget: limits }, { name: 'fast', budget: null }, NOW)).toMatchObject({
      ok: false,
      scope: 'key',
      spent: 10_200,
      resetsAt: dayStart(NOW) + 86_400_000,
    })
    expect(b.check(null, { name: 'fast', budget: limits }, NOW)).toEqual({ ok: true })
  })

  it('keeps no slot for names it does not track: 5,000 direct routes from clients leave it as it was', () => {
    const b = new BudgetTracker()
    b.seed('route', 'fast', NOW, 0, 0)
    for (let i = 0; i < 5_000; i++) {
      const route = `google/gemini-2.5-flash-u${i}`
      b.add(makeRow({ route, virtualKey: null }))
      expect(b.check(null, { name: route, budget: null }, NOW)).toEqual({ ok: true })
    }
    expect(b.size).toBe(1)
    expect(b.has('route', 'google/gemini-2.5-flash-u0')).toBe(false)
  })

  it('takes a larger total from the spend table (other replicas’ rows), never a smaller one', () => {
    const b = new BudgetTracker()
    b.seed('key', 'team-a', NOW, 3_000, 5_000)
    b.raise('key', 'team-a', NOW, 8_000, 4_000)
    expect(b.spent('key', 'team-a', 'daily', NOW)).toBe(8_000)
    expect(b.spent('key', 'team-a', 'monthly', NOW)).toBe(5_000)
    // Not tracked (no budget): nothing kept.
    b.raise('key', 'other', NOW, 1, 1)
    expect(b.has('key', 'other')).toBe(false)
  })
})
