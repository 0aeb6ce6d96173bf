/**
 * `GET /metrics`: the metrics contract (metrics-contract.ts) in Prometheus's text format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), on a registry of the app's own (never
 * prom-client's global one: tests build several apps in one process) with Node's default process metrics.
 *
 * Two kinds of numbers. Counters and histograms move on the request path, in `onAttempt` (each upstream
 * attempt) and `onRequest` (each client request, once answered): increments only, on labels bounded by
 * metric-labels.ts (measured: about 3 µs a request for both). Everything else is live state read when
 * Prometheus scrapes (prom-client's `collect()`), so a request pays nothing for it: each configured
 * target's remaining ratio and runway (runway.ts, the forecast `/v1/routing/state` shows) and breaker,
 * each configured route's queue, each budget's used share (budget-runway.ts), the spend rows dropped.
 *
 * Cost is summed in integer micro-cents, priced by the spend ledger's own function, and turned into
 * dollars only when scraped: the counter equals SUM(cost_microcents) / 1e8 of the spend table's rows, with
 * no float drift from millions of additions.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { CompiledConfig } from '../config/types.ts'
import type { AttemptEvent, AttemptListener, RequestEvent } from '../routing/events.ts'
import type { BreakerState } from '../routing/health.ts'
import { DIMENSIONS, type Dimension } from '../routing/limit-store.ts'
import type { TargetStates } from '../routing/target-states.ts'
import { priceUsage } from '../spend/pricing.ts'
import { type BudgetSpend, budgetStates } from './budget-runway.ts'
import { routeLabel, targetLabel } from './metric-labels.ts'
import { METRICS } from './metrics-contract.ts'
import { type ConsumptionMeter, DIMENSION_LABELS, type TargetForecast, targetForecast } from './runway.ts'

/** Seconds, for an LLM call from the first token of a short answer to a long reasoning stream: 50 ms to 120 s. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120]
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
  private readonly requests: Counter<'route' | 'status'>
  private readonly duration: Histogram<'route'>
  private readonly ttft: Histogram<'route'>
  private readonly upstream: Counter<'provider' | 'target' | 'outcome'>
  private readonly tokens: Counter<'provider' | 'target' | 'kind'>
  private readonly queueWait: Histogram<'route' | 'priority'>
  /** Keyed by route and target label, joined by a NUL (neither can hold one). */
  private readonly cost = new Map<string, CostSeries>()

  constructor(private readonly src: MetricsSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    this.requests = new Counter({ ...METRICS.requests, registers })
    this.duration = new Histogram({ ...METRICS.duration, buckets: LATENCY_BUCKETS, registers })
    this.ttft = new Histogram({ ...METRICS.ttft, buckets: LATENCY_BUCKETS, registers })
    this.upstream = new Counter({ ...METRICS.upstream, registers })
    this.tokens = new Counter({ ...METRICS.tokens, registers })
    const cost = this.cost
    new Counter({
      ...METRICS.cost,
      registers,
      collect() {
        this.reset()
        for (const s of cost.values()) this.inc(s.labels, s.microcents / 1e8)
      },
    })
    this.queueWait = new Histogram({ ...METRICS.queueWait, buckets: WAIT_BUCKETS, registers })
    this.liveGauges(registers)
  }

  /** The scrape: Prometheus's text format, and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() }
  }

  onRequest(e: RequestEvent): void {
    const route = routeLabel(this.src.config.current(), e.route)
    this.requests.inc({ route, status: String(e.status) })
    this.duration.observe({ route }, e.latencyMs / 1000)
    if (e.ttftMs !== null) this.ttft.observe({ route }, e.ttftMs / 1000)
    // Requests that reached the attempt loop: those that were served, and those that waited in vain.
    if (e.attempts > 0 || e.queuedMs > 0)
      this.queueWait.observe({ route, priority: e.priority ?? 'normal' }, e.queuedMs / 1000)
  }

  onAttempt(e: AttemptEvent): void {
    const cfg = this.src.config.current()
    const target = targetLabel(cfg, e.target, e.model?.id ?? null)
    const provider = e.target.provider
    this.upstream.inc({ provider, target, outcome: e.outcome })
    const u = e.usage
    if (!u) return
    this.tokens.inc({ provider, target, kind: 'prompt' }, u.promptTokens)
    this.tokens.inc({ provider, target, kind: 'completion' }, u.completionTokens)
    this.tokens.inc({ provider, target, kind: 'cached' }, u.cachedTokens)
    this.tokens.inc({ provider, target, kind: 'cache_write' }, u.cacheWriteTokens)
    this.tokens.inc({ provider, target, kind: 'reasoning' }, u.reasoningTokens)
    const route = routeLabel(cfg, e.route)
    const key = `${route}\0${target}`
    let s = this.cost.get(key)
    if (!s) {
      s = { labels: { route, provider, target }, microcents: 0 }
      this.cost.set(key, s)
    }
    s.microcents += priceUsage(u, e.model).costMicrocents
  }

  /** The gauges, and the counters kept elsewhere, read from live state at each scrape. */
  private liveGauges(registers: Registry[]): void {
    const src = this.src
    const forecasts = (): Array<[string, TargetForecast]> => {
      const now = src.now()
      return [...src.config.current().targets.values()].map((t) => {
        const limits = src.states.peek(t.stateId)?.limits.snapshot(now) ?? EMPTY_LIMITS
        return [t.stateId, targetForecast(t.stateId, limits, src.consumption, now)]
      })
    }
    /** A gauge's collect(): one of each forecast's numbers, per target and limited dimension. */
    const perDimension = (pick: (f: TargetForecast) => Partial<Record<Dimension, number>>) =>
      function (this: Gauge<'target' | 'dimension'>) {
        this.reset()
        for (const [target, f] of forecasts()) {
          const values = pick(f)
          for (const d of DIMENSIONS) {
            const v = values[d]
            if (v !== undefined) this.set({ target, dimension: DIMENSION_LABELS[d] }, v)
          }
        }
      }
    new Gauge({ ...METRICS.remaining, registers, collect: perDimension((f) => f.headroom) })
    new Gauge({ ...METRICS.runway, registers, collect: perDimension((f) => f.runway) })
    new Gauge({
      ...METRICS.breaker,
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
      ...METRICS.queueDepth,
      registers,
      collect() {
        this.reset()
        for (const route of src.config.current().routes.keys()) this.set({ route }, src.queue.size(route))
      },
    })
    new Gauge({
      ...METRICS.budget,
      registers,
      collect() {
        this.reset()
        for (const b of budgetStates(src.config.current(), src.budgets, src.now()))
          this.set({ scope: b.scope, name: b.name, period: b.period }, b.used)
      },
    })
    new Counter({
      ...METRICS.cache,
      registers,
      collect() {
        // No cache yet: every configured route's series, at zero, so dashboards and alerts have them.
        for (const route of src.config.current().routes.keys())
          for (const result of ['hit', 'miss', 'bypass']) this.inc({ route, result }, 0)
      },
    })
    new Counter({
      ...METRICS.spendDropped,
      registers,
      collect() {
        this.reset()
        this.inc(src.spendRowsDropped())
      },
    })
  }
}
