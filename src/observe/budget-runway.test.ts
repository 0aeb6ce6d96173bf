import { describe, expect, it } from 'vitest'
import { BudgetTracker } from '../admission/budgets.ts'
import { compiled } from './__fixtures__/config.ts'
import { budgetRunwayHours, budgetStates } from './budget-runway.ts'

const NOON = Date.parse('2026-11-28T12:00:00Z')
const MIDNIGHT = Date.parse('2026-11-29T00:00:00Z')
const USD = 1e8

describe('budgetRunwayHours', () => {
  it("is what is left over today's burn rate", () => {
    // $6 spent in 12 hours: $0.50 an hour; $4 left of $10 lasts 8 hours.
    expect(budgetRunwayHours(10 * USD, 6 * USD, 6 * USD, NOON, MIDNIGHT)).toBe(8)
  })
  it('is +Inf when nothing was spent today, or the period ends first; 0 once the cap is reached', () => {
    expect(budgetRunwayHours(10 * USD, 6 * USD, 0, NOON, MIDNIGHT)).toBe(Infinity)
    expect(budgetRunwayHours(20 * USD, 6 * USD, 6 * USD, NOON, MIDNIGHT)).toBe(Infinity)
    expect(budgetRunwayHours(10 * USD, 10 * USD, 10 * USD, NOON, MIDNIGHT)).toBe(0)
  })
  it('takes at least an hour to measure a rate: a call at 00:01 is not a day of them', () => {
    const early = Date.parse('2026-11-28T00:01:00Z')
    expect(budgetRunwayHours(10 * USD, 1 * USD, 1 * USD, early, MIDNIGHT)).toBe(9)
  })
})

describe('budgetStates', () => {
  it("lists every declared budget: keys' and routes', per day and month, with the share used and the runway", () => {
    const cfg = compiled(`providers:
  openai: { type: openai }
routes:
  fast: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 10 } }
  free: { targets: [openai/gpt-4.1-nano] }
keys:
  - { name: team-a, key: sk-team-a-123456, budget: { daily_usd: 20, monthly_usd: 100 } }
`)
    const budgets = new BudgetTracker()
    budgets.seed('route', 'fast', NOON, 6 * USD, 6 * USD)
    budgets.seed('key', 'team-a', NOON, 6 * USD, 90 * USD)
    expect(budgetStates(cfg, budgets, NOON)).toEqual([
      {
        scope: 'key',
        name: 'team-a',
        period: 'day',
        limit: 20 * USD,
        spent: 6 * USD,
        used: 0.3,
        runwayHours: Infinity,
      },
      { scope: 'key', name: 'team-a', period: 'month', limit: 100 * USD, spent: 90 * USD, used: 0.9, runwayHours: 20 },
      { scope: 'route', name: 'fast', period: 'day', limit: 10 * USD, spent: 6 * USD, used: 0.6, runwayHours: 8 },
    ])
  })
})
