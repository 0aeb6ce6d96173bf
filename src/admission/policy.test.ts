import { describe, expect, it } from 'vitest'
import { compileConfig } from '../config/compile.ts'
import { parseConfig } from '../config/load.ts'
import type { RequestProfile } from '../routing/types.ts'
import { BudgetTracker, budgetThatApplies } from './budgets.ts'
import { InboundLimits } from './inbound.ts'
import { admitInbound, budgetRefusal, inboundRefusal } from './policy.ts'

const cfg = compileConfig(
  parseConfig(
    `providers:
  openai: { type: openai, api_key: sk-test-123456 }
  local: { type: openai-compatible, base_url: "http://127.0.0.1:9/v1", api_key: x }
routes:
  open: { targets: [openai/gpt-4.1-mini] }
  capped: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 1 } }
  unpriced: { targets: [local/llama-3], budget: { daily_usd: 1 } }
keys:
  - { name: team-a, key: key-a-12345678, priority: low, limits: { rpm: 1, tpm: 1000 } }
`,
    'routes.yaml',
    {},
  ),
)
const key = [...cfg.auth.byHash.values()][0]!
const route = (name: string) => cfg.routes.get(name)!
const NOW = Date.UTC(2026, 0, 15, 12)

/** budgetRefusal for a route, with the budget that applies to it (no key). */
const refusal = (budgets: BudgetTracker, name: string) =>
  budgetRefusal(budgets, budgetThatApplies(null, route(name)), null, route(name), name, NOW)

describe('budgetRefusal', () => {
  it('none without a budget, nor with room left in one', () => {
    const budgets = new BudgetTracker()
    expect(refusal(budgets, 'open')).toBeNull()
    expect(refusal(budgets, 'capped')).toBeNull()
  })

  it('429 budget_exceeded once spent, saying when it resets, and that retrying now will not help', () => {
    const budgets = new BudgetTracker()
    budgets.seed('route', 'capped', NOW, 100_000_000, 100_000_000)
    const e = refusal(budgets, 'capped')!
    expect([e.status, e.code, e.type]).toEqual([429, 'budget_exceeded', 'insufficient_quota'])
    expect(e.message).toBe(
      'Budget exceeded: the daily budget of $1.00 for route "capped" is spent ($1.00 so far). It resets at 2026-01-16T00:00:00.000Z.',
    )
    expect(e.headers).toEqual({ 'retry-after': String(12 * 3600), 'x-should-retry': 'false' })
  })

  it('403 unpriced_model when a budget applies and no target has a price', () => {
    const e = refusal(new BudgetTracker(), 'unpriced')!
    expect([e.status, e.code, e.param]).toEqual([403, 'unpriced_model', 'model'])
    expect(e.message).toContain('"unpriced" (local/llama-3) has no price')
  })
})

describe('admitInbound and inboundRefusal', () => {
  const profile = (promptTokens: number, expectedOutputTokens: number) =>
    ({ promptTokens, expectedOutputTokens }) as RequestProfile

  it('charges an admitted request; the next over rpm is told when to retry', () => {
    const inbound = new InboundLimits()
    const first = admitInbound(inbound, key, profile(10, 10), NOW)
    expect(first.ok).toBe(true)
    expect(first.headers['x-ratelimit-remaining-requests']).toBe('0')
    const second = admitInbound(inbound, key, profile(10, 10), NOW)
    if (second.ok) throw new Error('expected a refusal')
    const e = inboundRefusal(key.name, second)
    expect([e.status, e.code]).toEqual([429, 'rate_limit_exceeded'])
    expect(e.message).toBe(
      'Rate limit reached for key "team-a": 1 requests per minute. Retry after the time in the retry-after header.',
    )
    expect(Number(e.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('a request larger than the tpm limit itself: too large, and no retry', () => {
    const v = admitInbound(new InboundLimits(), key, profile(900, 200), NOW)
    if (v.ok) throw new Error('expected a refusal')
    const e = inboundRefusal(key.name, v)
    expect(e.message).toMatch(/^Request too large for key "team-a": it /)
    expect(e.headers).toEqual({ 'x-should-retry': 'false' })
  })

  it('a request without a key, or whose key has no limits, passes uncharged', () => {
    expect(admitInbound(new InboundLimits(), null, profile(10, 10), NOW)).toEqual({
      ok: true,
      reservation: null,
      headers: {},
    })
  })
})
