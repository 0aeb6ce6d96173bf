/**
 * `GET /metrics`: the names, types and labels of README's metrics contract, in Prometheus's text format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), on a registry of the app's own (never
 * prom-client's global one: tests build several apps in one process) with Node's default process metrics.
 *
 * Two kinds of numbers. Counters and histograms move on the request path, in `onAttempt`: increments
 * only, on labels bounded by metric-labels.ts. Everything else is live state read when Prometheus
 * scrapes (prom-client's `collect()`), so a request pays nothing for it: each configured target's
 * remaining ratio and runway (runway.ts, the forecast `/v1/routing/state` shows) and breaker, each
 * configured route's queue, each budget's used share (budget-runway.ts), the spend rows the writer dropped.
 *
 * Cost is summed in integer micro-cents, priced by the spend ledger's own function, and turned into
 * dollars only when scraped: the counter equals SUM(cost_microcents) / 1e8 of the spend table's rows, with
 * no float drift from millions of additions.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { CompiledConfig } from '../config/types.ts'
import type { AttemptEvent, AttemptListener } from '../routing/events.ts'
import type { BreakerState } from '../routing/health.ts'
import { DIMENSIONS } from '../routing/limit-store.ts'
import type { TargetStates } from '../routing/target-states.ts'
import { priceUsage } from '../spend/pricing.ts'
import { type BudgetSpend, budgetStates } from './budget-runway.ts'
import { routeLabel, targetLabel } from './metric-labels.ts'
import { type ConsumptionMeter, DIMENSION_LABELS, type TargetForecast, targetForecast } from './runway.ts'

/** Seconds in the admission queue: mostly none, up to a route's longest wait. */
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

const BREAKER: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, probing: 1, open: 2 }

const EMPTY_LIMITS = { inFlight: 0, concurrency: null, provider: {}, declared: {} }

/** What `/metrics` reads when scraped. */
export interface MetricsSources {
  readonly config: { current(): CompiledConfig }
  readonly states: Pick<TargetStates, 'peek'>
  readonly consumption: ConsumptionMeter
  /** Requests waiting for headroom, per route (admission's queue). */
  readonly queue: { size(route: string): number }
  /** Spend per key and route (admission's budget tracker). */
  readonly budgets: BudgetSpend
  /** Spend rows the writer has dropped so far. */
  readonly spendRowsDropped: () => number
  readonly now: () => number
}

/** A cost series: its labels, and its sum in micro-cents. */
interface CostSeries {
  readonly labels: { route: string; provider: string; target: string }
  microcents: number
}

export class PrometheusMetrics implements AttemptListener {
  readonly registry = new Registry()
  private readonly upstream: Counter<'provider' | 'target' | 'outcome'>
  private readonly tokens: Counter<'provider' | 'target' | 'kind'>
  private readonly queueWait: Histogram<'route' | 'priority'>
  /** Keyed by route and target label, joined by a NUL (neither can hold one). */
  private readonly cost = new Map<string, CostSeries>()

  constructor(private readonly src: MetricsSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    this.upstream = new Counter({
      name: 'headroom_upstream_requests_total',
      help: 'Upstream attempts, by provider, target and outcome (the spend table outcomes).',
      labelNames: ['provider', 'target', 'outcome'],
      registers,
    })
    this.tokens = new Counter({
      name: 'headroom_tokens_total',
      help: 'Tokens of upstream attempts, as the provider counted them (or estimated), by kind.',
      labelNames: ['provider', 'target', 'kind'],
      registers,
    })
    const cost = this.cost
    new Counter({
      name: 'headroom_cost_usd_total',
      help: 'What upstream attempts cost in USD, priced as the spend table prices them.',
      labelNames: ['route', 'provider', 'target'],
      registers,
      collect() {
        this.reset()
        for (const s of cost.values()) this.inc(s.labels, s.microcents / 1e8)
      },
    })
    this.queueWait = new Histogram({
      name: 'headroom_queue_wait_seconds',
      help: 'Time requests waited in the admission queue for headroom before their first attempt.',
      labelNames: ['route', 'priority'],
      buckets: WAIT_BUCKETS,
      registers,
    })
    this.liveGauges(registers)
  }

  /** The scrape: Prometheus's text format, and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() }
  }

  onAttempt(e: AttemptEvent): void {
    const cfg = this.src.config.current()
    const target = targetLabel(cfg, e.target, e.model?.id ?? null)
    const provider = e.target.provider
    this.upstream.inc({ provider, target, outcome: e.outcome })
    const route = routeLabel(cfg, e, target)
    if (e.attempt === 1) this.queueWait.observe({ route, priority: e.ctx.priority }, e.ctx.queuedMs / 1000)
    const u = e.usage
    if (!u) return
    this.tokens.inc({ provider, target, kind: 'prompt' }, u.promptTokens)
    this.tokens.inc({ provider, target, kind: 'completion' }, u.completionTokens)
    this.tokens.inc({ provider, target, kind: 'cached' }, u.cachedTokens)
    this.tokens.inc({ provider, target, kind: 'cache_write' }, u.cacheWriteTokens)
    this.tokens.inc({ provider, target, kind: 'reasoning' }, u.reasoningTokens)
    const key = `${route}\0${target}`
    let s = this.cost.get(key)
    if (!s) {
      s = { labels: { route, provider, target }, microcents: 0 }
      this.cost.set(key, s)
    }
    s.microcents += priceUsage(u, e.model).costMicrocents
  }

  /** The gauges (and the two counters) read from live state at each scrape. */
  private liveGauges(registers: Registry[]): void {
    const src = this.src
    const forecasts = (): Array<[string, TargetForecast]> => {
      const now = src.now()
      return [...src.config.current().targets.values()].map((t) => {
        const limits = src.states.peek(t.stateId)?.limits.snapshot(now) ?? EMPTY_LIMITS
        return [t.stateId, targetForecast(t.stateId, limits, src.consumption, now)]
      })
    }
    new Gauge({
      name: 'headroom_ratelimit_remaining_ratio',
      help: 'Share of each rate-limit window a target still has, 0..1 (dimensions with a known limit).',
      labelNames: ['target', 'dimension'],
      registers,
      collect() {
        this.reset()
        for (const [target, f] of forecasts())
          for (const d of DIMENSIONS) {
            const v = f.headroom[d]
            if (v !== undefined) this.set({ target, dimension: DIMENSION_LABELS[d] }, v)
          }
      },
    })
    new Gauge({
      name: 'headroom_ratelimit_runway_seconds',
      help: 'Seconds until each rate-limit window of a target is exhausted at the recent rate; +Inf when not drawn down.',
      labelNames: ['target', 'dimension'],
      registers,
      collect() {
        this.reset()
        for (const [target, f] of forecasts())
          for (const d of DIMENSIONS) {
            const v = f.runway[d]
            if (v !== undefined) this.set({ target, dimension: DIMENSION_LABELS[d] }, v)
          }
      },
    })
    new Gauge({
      name: 'headroom_breaker_state',
      help: "Each target's circuit breaker: 0 closed, 1 half-open, 2 open.",
      labelNames: ['target'],
      registers,
      collect() {
        this.reset()
        for (const t of src.config.current().targets.values()) {
          const state = src.states.peek(t.stateId)?.health.breakerState() ?? 'closed'
          this.set({ target: t.stateId }, BREAKER[state])
        }
      },
    })
    new Gauge({
      name: 'headroom_queue_depth',
      help: 'Requests waiting in a route’s admission queue for headroom.',
      labelNames: ['route'],
      registers,
      collect() {
        this.reset()
        for (const route of src.config.current().routes.keys()) this.set({ route }, src.queue.size(route))
      },
    })
    new Gauge({
      name: 'headroom_budget_used_ratio',
      help: 'Share of each budget spent this period, 0..1.',
      labelNames: ['scope', 'name', 'period'],
      registers,
      collect() {
        this.reset()
        for (const b of budgetStates(src.config.current(), src.budgets, src.now()))
          this.set({ scope: b.scope, name: b.name, period: b.period }, b.used)
      },
    })
    new Counter({
      name: 'headroom_cache_requests_total',
      help: 'Requests looked up in the response cache, by route and result (hit, miss, bypass).',
      labelNames: ['route', 'result'],
      registers,
      collect() {
        // No cache yet: every configured route's series, at zero, so dashboards and alerts have them.
        for (const route of src.config.current().routes.keys())
          for (const result of ['hit', 'miss', 'bypass']) this.inc({ route, result }, 0)
      },
    })
    new Counter({
      name: 'headroom_spend_rows_dropped_total',
      help: 'Spend rows the writer dropped (the database failed for longer than its queue holds).',
      registers,
      collect() {
        this.reset()
        this.inc(src.spendRowsDropped())
      },
    })
  }
}
