import { describe, expect, it } from 'vitest'
import { LogThrottle } from '../lib/log-throttle.ts'
import { silentLogger } from '../lib/logger.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import { scriptedConfig } from '../routing/__fixtures__/scripted-adapter.ts'
import { type AdmissionDeps, admit, type RequestFacts } from './admit.ts'
import { BudgetTracker } from './budgets.ts'
import { InboundLimits } from './inbound.ts'
import { shareAdmission } from './share-admission.ts'
import type { SharedAdmission, SharedAsk, SharedVerdict } from './shared-store.ts'

const cfg = scriptedConfig(`routes:
  fast: { targets: [openai/gpt-4.1-mini] }
  capped: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 1 } }
keys:
  - { name: team-a, key: key-a-12345678, limits: { rpm: 2, tpm: 100000 } }
  - { name: open-b, key: key-b-12345678 }
  - { name: thrifty, key: key-c-12345678, budget: { daily_usd: 2 } }
`)
const keys = new Map([...cfg.auth.byHash.values()].map((k) => [k.name, k]))
const NOW = Date.UTC(2026, 0, 15, 12)

/** A shared store that answers what the test says and records what it was asked. */
function store(verdict: SharedVerdict) {
  const asks: SharedAsk[] = []
  const released: Array<[string, number | null]> = []
  const s: SharedAdmission = {
    admit: async (a) => {
      asks.push(a)
      return verdict
    },
    release: async (id, tokens) => void released.push([id, tokens]),
    addSpend: async () => {},
    health: () => ({ shared: true, degraded: false }),
    close: async () => {},
  }
  return { s, asks, released }
}

function setup(shared: SharedAdmission): AdmissionDeps {
  return {
    budgets: new BudgetTracker(),
    inbound: new InboundLimits(),
    clientWarnings: new LogThrottle(silentLogger, { now: () => NOW }),
    shared,
  }
}

function facts(model: string, key: string | null): RequestFacts {
  const req: ChatRequest = { model, max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] }
  return { req, key: key ? keys.get(key)! : null, priority: undefined, requestId: 'req_1', clientRequestId: null }
}

async function run(d: AdmissionDeps, f: RequestFacts) {
  return shareAdmission(admit(f, cfg, d, NOW), f, d, NOW)
}

describe('shareAdmission', () => {
  it('asks the shared store nothing for a request with no key limits and no budget', async () => {
    const { s, asks } = store({ ok: true, remainingRequests: null, remainingTokens: null })
    expect((await run(setup(s), facts('fast', 'open-b'))).ok).toBe(true)
    expect(asks).toEqual([])
  })

  it('sends the key’s limits and the budget with the request’s estimate, and shows the shared remaining', async () => {
    const { s, asks, released } = store({ ok: true, remainingRequests: 0, remainingTokens: 500 })
    const a = await run(setup(s), facts('capped', 'team-a'))
    if (!a.ok) throw a.refusal.error
    expect(asks[0]).toMatchObject({
      requestId: 'req_1',
      key: { name: 'team-a', rpm: 2, tpm: 100000, concurrency: null },
      budgets: [{ scope: 'route', name: 'capped', daily: 1e8, monthly: null }],
    })
    // gpt-4.1-mini: $1.60 per 1M output tokens, so 100 of them alone are 16,000 micro-cents.
    expect(asks[0]!.estimate).toBeGreaterThan(16_000)
    expect(a.ticket.rateLimitHeaders['x-ratelimit-remaining-requests']).toBe('0')
    expect(a.ticket.rateLimitHeaders['x-ratelimit-remaining-tokens']).toBe('500')
    a.ticket.settle(
      { promptTokens: 5, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 7, reasoningTokens: 0 },
      NOW,
    )
    expect(released).toEqual([['req_1', 12]])
  })

  it('refused across replicas: 429, and the local charge is taken back', async () => {
    const { s } = store({ ok: false, kind: 'rpm', retryAfterMs: 30_000 })
    const d = setup(s)
    const a = await run(d, facts('fast', 'team-a'))
    if (a.ok) throw new Error('expected a refusal')
    expect(a.refusal.error.status).toBe(429)
    expect(a.refusal.error.message).toContain('2 requests per minute')
    // Both local requests per minute, and all the tokens, are still there.
    const local = d.inbound.current(keys.get('team-a')!, NOW)
    expect(local['x-ratelimit-remaining-requests']).toBe('2')
    expect(local['x-ratelimit-remaining-tokens']).toBe('100000')
  })

  it('a budget spent across replicas answers budget_exceeded', async () => {
    const { s } = store({ ok: false, kind: 'daily', scope: 'route', name: 'capped', limit: 1e8, spent: 1.2e8 })
    const a = await run(setup(s), facts('capped', null))
    if (a.ok) throw new Error('expected a refusal')
    expect(a.refusal.error.code).toBe('budget_exceeded')
    expect(a.refusal.error.message).toContain('daily budget of $1.00 for route "capped"')
  })

  it('sends the key’s budget and the route’s, the key’s first, and names the one the store says is spent', async () => {
    const { s, asks } = store({ ok: false, kind: 'daily', scope: 'key', name: 'thrifty', limit: 2e8, spent: 2e8 })
    const a = await run(setup(s), facts('capped', 'thrifty'))
    expect(asks[0]!.budgets).toEqual([
      { scope: 'key', name: 'thrifty', daily: 2e8, monthly: null },
      { scope: 'route', name: 'capped', daily: 1e8, monthly: null },
    ])
    if (a.ok) throw new Error('expected a refusal')
    expect(a.refusal.error.message).toContain('daily budget of $2.00 for key "thrifty"')
  })
})
