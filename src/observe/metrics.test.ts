import { describe, expect, it } from 'vitest'
import { BudgetTracker } from '../admission/budgets.ts'
import type { RequestEvent } from '../routing/events.ts'
import { priceUsage } from '../spend/pricing.ts'
import { attemptEvent, T0, targetOf } from './__fixtures__/attempt-event.ts'
import { compiled } from './__fixtures__/config.ts'
import { PrometheusMetrics } from './metrics.ts'
import { METRICS } from './metrics-contract.ts'
import { ConsumptionMeter } from './runway.ts'

const cfg = compiled(`providers:
  openai: { type: openai }
routes:
  fast: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 10 } }
`)
const MINI = cfg.catalog.lookup({ provider: 'openai', family: 'openai', model: 'gpt-4.1-mini' })

function metrics(over: { queued?: number; dropped?: number; budgets?: BudgetTracker } = {}) {
  return new PrometheusMetrics({
    config: { current: () => cfg },
    states: { peek: () => undefined },
    consumption: new ConsumptionMeter(),
    queue: { size: (route) => (route === 'fast' ? (over.queued ?? 0) : 0) },
    budgets: over.budgets ?? new BudgetTracker(),
    spendRowsDropped: () => over.dropped ?? 0,
    now: () => T0,
  })
}

/** name → [labels, value] of each series, as prom-client reports them. */
async function read(m: PrometheusMetrics, name: string) {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name)
  return metric?.values.map((v) => [v.labels, v.value]) ?? []
}

function requestEvent(over: Partial<RequestEvent> = {}): RequestEvent {
  return {
    requestId: 'req-1',
    clientRequestId: null,
    api: 'chat',
    route: 'fast',
    status: 200,
    stream: false,
    target: 'openai#1/gpt-4.1-mini',
    provider: 'openai',
    attempts: 1,
    attemptEvents: [],
    usage: null,
    startedAt: T0,
    latencyMs: 800,
    ttftMs: null,
    queuedMs: 0,
    decision: '',
    errorCode: null,
    cache: 'bypass',
    priority: 'normal',
    modelRequested: 'fast',
    virtualKey: null,
    promptText: () => '',
    traceparent: null,
    answerText: () => '',
    ...over,
  }
}

describe('PrometheusMetrics', () => {
  it('sums cost in micro-cents, as the spend table prices each attempt: no drift over many', async () => {
    const m = metrics()
    const usage = {
      promptTokens: 1_237,
      cachedTokens: 301,
      cacheWriteTokens: 0,
      completionTokens: 419,
      reasoningTokens: 0,
    }
    const each = priceUsage(usage, MINI).costMicrocents
    for (let i = 0; i < 10_000; i++) m.onAttempt(attemptEvent({ model: MINI, usage }))
    const labels = { route: 'fast', provider: 'openai', target: 'openai#1/gpt-4.1-mini' }
    expect(await read(m, METRICS.cost.name)).toEqual([[labels, (each * 10_000) / 1e8]])
    // What adding dollars would have given instead.
    let floats = 0
    for (let i = 0; i < 10_000; i++) floats += each / 1e8
    expect(floats).not.toBe((each * 10_000) / 1e8)
  })

  it('counts tokens by kind and attempts by outcome; an attempt that produced nothing costs nothing', async () => {
    const m = metrics()
    m.onAttempt(attemptEvent({ model: MINI }))
    m.onAttempt(attemptEvent({ model: MINI, outcome: 'failed_over', status: 503, usage: null, usageSource: 'none' }))
    const target = 'openai#1/gpt-4.1-mini'
    expect(await read(m, METRICS.upstream.name)).toEqual([
      [{ provider: 'openai', target, outcome: 'ok' }, 1],
      [{ provider: 'openai', target, outcome: 'failed_over' }, 1],
    ])
    expect(await read(m, METRICS.tokens.name)).toEqual([
      [{ provider: 'openai', target, kind: 'prompt' }, 1_000],
      [{ provider: 'openai', target, kind: 'completion' }, 200],
      [{ provider: 'openai', target, kind: 'cached' }, 0],
      [{ provider: 'openai', target, kind: 'cache_write' }, 0],
      [{ provider: 'openai', target, kind: 'reasoning' }, 0],
    ])
    // A model the client made up: bounded labels.
    m.onAttempt(attemptEvent({ route: 'openai/made-up-7f3a', target: targetOf('openai#1/made-up-7f3a') }))
    expect((await read(m, METRICS.cost.name)).map(([l]) => l)).toContainEqual({
      route: 'other',
      provider: 'openai',
      target: 'openai#1/other',
    })
  })

  it('counts requests by route and status, their duration, time to first token for streams, and the queue wait', async () => {
    const m = metrics()
    m.onRequest(requestEvent({ stream: true, ttftMs: 300, queuedMs: 1_500, priority: 'low' }))
    m.onRequest(requestEvent({ route: null, status: 400, attempts: 0, priority: null, latencyMs: 2 }))
    expect(await read(m, METRICS.requests.name)).toEqual([
      [{ route: 'fast', status: '200' }, 1],
      [{ route: 'none', status: '400' }, 1],
    ])
    const duration = (await m.registry.getSingleMetricAsString(METRICS.duration.name)).split('\n')
    expect(duration).toContain('headroom_request_duration_seconds_bucket{le="1",route="fast"} 1')
    expect(duration).toContain('headroom_request_duration_seconds_bucket{le="0.05",route="none"} 1')
    const ttft = await m.registry.getSingleMetricAsString(METRICS.ttft.name)
    expect(ttft).toContain('headroom_time_to_first_token_seconds_count{route="fast"} 1')
    expect(ttft).not.toContain('route="none"')
    // Only the request that reached the attempt loop waited (or did not) in a queue.
    const wait = await m.registry.getSingleMetricAsString(METRICS.queueWait.name)
    expect(wait).toContain('headroom_queue_wait_seconds_bucket{le="1",route="fast",priority="low"} 0')
    expect(wait).toContain('headroom_queue_wait_seconds_bucket{le="2.5",route="fast",priority="low"} 1')
    expect(wait).not.toContain('route="none"')
  })

  it('reads live state when scraped: breakers, queues, budgets, dropped rows; the cache at zero', async () => {
    const budgets = new BudgetTracker()
    budgets.seed('route', 'fast', T0, 2.5e8, 2.5e8)
    const m = metrics({ queued: 3, dropped: 7, budgets })
    expect(await read(m, METRICS.breaker.name)).toEqual([[{ target: 'openai#1/gpt-4.1-mini' }, 0]])
    expect(await read(m, METRICS.queueDepth.name)).toEqual([[{ route: 'fast' }, 3]])
    expect(await read(m, METRICS.budget.name)).toEqual([[{ scope: 'route', name: 'fast', period: 'day' }, 0.25]])
    expect(await read(m, METRICS.spendDropped.name)).toEqual([[{}, 7]])
    expect(await read(m, METRICS.cache.name)).toEqual([
      [{ route: 'fast', result: 'hit' }, 0],
      [{ route: 'fast', result: 'miss' }, 0],
      [{ route: 'fast', result: 'bypass' }, 0],
    ])
    // Not used yet: no limits known, so no ratio and no runway.
    expect(await read(m, METRICS.remaining.name)).toEqual([])
    expect(await read(m, METRICS.runway.name)).toEqual([])
  })
})
