import { describe, expect, it } from 'vitest'
import type { CompiledKey } from '../config/types.ts'
import { LogThrottle } from '../lib/log-throttle.ts'
import type { LogFields, Logger } from '../lib/logger.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import { scriptedConfig } from '../routing/__fixtures__/scripted-adapter.ts'
import { type Admission, type AdmissionDeps, admit, type RequestFacts, type Ticket } from './admit.ts'
import { BudgetTracker } from './budgets.ts'
import { InboundLimits } from './inbound.ts'

const cfg = scriptedConfig(`routes:
  fast: { targets: [openai/gpt-4.1-mini] }
  vectors: { targets: [openai/text-embedding-3-small] }
  capped: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 1 } }
default_route: fast
keys:
  - { name: team-a, key: key-a-12345678, priority: low, routes: [fast, capped], limits: { rpm: 1 } }
  - { name: open-b, key: key-b-12345678 }
  - { name: one-at-a-time, key: key-c-12345678, limits: { concurrency: 1 } }
`)
const keys = new Map([...cfg.auth.byHash.values()].map((k) => [k.name, k]))
const teamA = keys.get('team-a')!
const NOW = Date.UTC(2026, 0, 15, 12)

function deps(): AdmissionDeps & { warned: string[] } {
  const warned: string[] = []
  const log: Logger = {
    info() {},
    error() {},
    warn: (msg: string, fields?: LogFields) => void warned.push(`${msg} ${JSON.stringify(fields)}`),
  }
  return {
    budgets: new BudgetTracker(),
    inbound: new InboundLimits(),
    clientWarnings: new LogThrottle(log, { now: () => NOW }),
    warned,
  }
}

type Caller = Partial<Pick<RequestFacts, 'priority' | 'clientRequestId'>>

function facts(model: string, key: CompiledKey | null = null, over: Caller = {}): RequestFacts {
  const req: ChatRequest = { model, messages: [{ role: 'user', content: 'hello' }] }
  return { req, key, priority: undefined, requestId: 'req_1', clientRequestId: null, ...over }
}

function admitted(a: Admission): Ticket {
  if (!a.ok) throw a.refusal.error
  return a.ticket
}

function refused(a: Admission) {
  if (a.ok) throw new Error('expected a refusal')
  return a.refusal
}

describe('admit', () => {
  it('admits a request to the route its model names, with its context', () => {
    const t = admitted(admit(facts('fast', null, { clientRequestId: 'mine' }), cfg, deps(), NOW))
    expect(t.route.name).toBe('fast')
    expect(t.ctx).toMatchObject({
      requestId: 'req_1',
      clientRequestId: 'mine',
      virtualKey: null,
      modelRequested: 'fast',
      priority: 'normal',
      queuedMs: 0,
    })
    expect([t.warnings, t.rateLimitHeaders]).toEqual([[], {}])
  })

  it('priority: the header, else the key’s default, else normal', () => {
    expect(admitted(admit(facts('fast', teamA, { priority: 'high' }), cfg, deps(), NOW)).ctx.priority).toBe('high')
    expect(admitted(admit(facts('fast', teamA), cfg, deps(), NOW)).ctx.priority).toBe('low')
    expect(admitted(admit(facts('fast', keys.get('open-b')!), cfg, deps(), NOW)).ctx.priority).toBe('normal')
  })

  it('404 for a model no route or provider serves', () => {
    const r = refused(admit(facts('nowhere/model'), cfg, deps(), NOW))
    expect([r.error.status, r.error.code, r.route]).toEqual([404, 'model_not_found', null])
  })

  it('an id that matched nothing goes to the default_route, with a warning for the answer and one log line', () => {
    const d = deps()
    const t = admitted(admit(facts('fsat'), cfg, d, NOW))
    expect(t.route.name).toBe('fast')
    expect(t.warnings).toEqual(['model "fsat" matched no route or model; served by default_route "fast"'])
    expect(d.warned).toHaveLength(1)
  })

  it('403 for a route the key may not use; the refusal names the route and keeps the warnings', () => {
    const r = refused(admit(facts('openai/gpt-4.1-mini', teamA), cfg, deps(), NOW))
    expect([r.error.status, r.error.code, r.route]).toEqual([403, 'route_not_allowed', 'openai/gpt-4.1-mini'])
  })

  it('429 once the route’s budget is spent', () => {
    const d = deps()
    d.budgets.seed('route', 'capped', NOW, 100_000_000, 100_000_000)
    const r = refused(admit(facts('capped'), cfg, d, NOW))
    expect([r.error.status, r.error.code, r.route]).toEqual([429, 'budget_exceeded', 'capped'])
    expect(r.rateLimitHeaders).toBeUndefined()
  })

  it('a budget makes the profile require a price', () => {
    expect(admitted(admit(facts('capped'), cfg, deps(), NOW)).profile.requirePrice).toBe(true)
    expect(admitted(admit(facts('fast'), cfg, deps(), NOW)).profile.requirePrice).toBe(false)
  })

  it('the key’s limits: the first request is charged and its headers say so; the next is refused with them', () => {
    const d = deps()
    const first = admitted(admit(facts('fast', teamA), cfg, d, NOW))
    expect(first.rateLimitHeaders['x-ratelimit-remaining-requests']).toBe('0')
    const r = refused(admit(facts('fast', teamA), cfg, d, NOW))
    expect([r.error.status, r.error.code]).toEqual([429, 'rate_limit_exceeded'])
    expect(r.rateLimitHeaders?.['x-ratelimit-remaining-requests']).toBe('0')
  })

  it('a ticket settles its charge once: the slot it held is freed, and only once', () => {
    const d = deps()
    const oneAtATime = keys.get('one-at-a-time')!
    const first = admitted(admit(facts('fast', oneAtATime), cfg, d, NOW))
    expect(refused(admit(facts('fast', oneAtATime), cfg, d, NOW)).error.message).toContain('1 requests at once')
    first.settle(
      { promptTokens: 5, completionTokens: 5, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      NOW,
    )
    first.settle(null, NOW)
    admitted(admit(facts('fast', oneAtATime), cfg, d, NOW))
    expect(refused(admit(facts('fast', oneAtATime), cfg, d, NOW)).error.code).toBe('rate_limit_exceeded')
  })

  it('embeddings: admitted to a route of embedding models with a profile of their input; 400 naming model elsewhere', () => {
    const req = { model: 'vectors', input: ['hello there', 'general kenobi'] }
    const t = admitted(admit({ ...facts('vectors'), kind: 'embedding', req }, cfg, deps(), NOW))
    expect(t.profile).toMatchObject({ kind: 'embedding', maxOutputTokens: 0, expectedOutputTokens: 0 })
    expect(t.profile.promptTokens).toBeGreaterThan(0)
    for (const model of ['fast', 'openai/gpt-4.1-mini']) {
      const r = refused(admit({ ...facts(model), kind: 'embedding', req: { ...req, model } }, cfg, deps(), NOW))
      expect([r.error.status, r.error.code, r.error.param]).toEqual([400, 'model_not_supported', 'model'])
    }
    // An id that matches nothing is not lent the default_route for embeddings: a 404.
    const typo = refused(
      admit({ ...facts('fsat'), kind: 'embedding', req: { ...req, model: 'fsat' } }, cfg, deps(), NOW),
    )
    expect([typo.error.status, typo.error.code, typo.error.param]).toEqual([404, 'model_not_found', 'model'])
    const chat = refused(admit(facts('vectors'), cfg, deps(), NOW))
    expect([chat.error.status, chat.error.param]).toEqual([400, 'model'])
    expect(chat.error.message).toBe(
      '"vectors" serves embeddings (/v1/embeddings), not chat: use a chat model or a route of them.',
    )
  })
})
