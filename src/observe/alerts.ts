/**
 * Alerts (routes.yaml `alerts`): the engine that decides when one fires. It listens to the attempt events
 * (each one schedules a check a moment later, and feeds the error rate) and checks on a timer too (every
 * few seconds: windows refill, breakers close, budgets reset with no attempt to say so). What it checks:
 * - headroom: the used share of each configured target's rate limit, per dimension;
 * - budget: the spent share of each budget, per key or route, per UTC day or month;
 * - breaker: a target's breaker is not closed (it opened);
 * - error_rate: the share of a target's attempts in the last minute that faulted (a 5xx, a timeout, a
 *   connection failure: what trips breakers), once at least MIN_ATTEMPTS were made;
 * - runway: a target's runway (observe/runway.ts) is below `runway_seconds`.
 * Each (type, target or budget, dimension or period, threshold) fires once per episode: when the value
 * reaches the threshold, and not again until it has fallen back below — with a margin (HYSTERESIS: back
 * under 90% of the threshold; runway: above 110%), so a value wavering around a threshold fires once.
 * Firing is a log line at warn level, `msg: "alert"`, and a POST to the webhook, queued (webhook.ts):
 * nothing here waits on the network or throws into the request path.
 */
import type { CompiledAlerts, CompiledConfig } from '../config/types.ts'
import type { Clock, TimerId } from '../lib/clock.ts'
import type { Logger } from '../lib/logger.ts'
import { Lru } from '../lib/lru.ts'
import type { AttemptEvent, AttemptListener } from '../routing/events.ts'
import type { BreakerState } from '../routing/health.ts'
import type { Dimension } from '../routing/limit-store.ts'
import type { TargetStates } from '../routing/target-states.ts'
import { type Alert, alertBody } from './alert-format.ts'
import { type BudgetSpend, budgetStates } from './budget-runway.ts'
import { type ConsumptionMeter, DIMENSION_LABELS, targetForecast, usedFractions } from './runway.ts'
import type { WebhookSender } from './webhook.ts'

/** A fired alert re-arms once its value is back below threshold × this (above threshold / this for runway). */
const HYSTERESIS = 0.9
/** An error rate is judged over at least this many attempts in the last minute. */
const MIN_ATTEMPTS = 5
/** How often the engine looks without an attempt to prompt it. */
const CHECK_EVERY_MS = 5_000
/** How long after an attempt it looks (attempts in a burst share one check). */
const SOON_MS = 50
const BUCKET_MS = 10_000
const BUCKETS = 6

export interface AlertEngineOptions {
  config: { current(): CompiledConfig }
  states: TargetStates
  consumption: ConsumptionMeter
  budgets: BudgetSpend
  clock: Clock
  log: Logger
  webhook: WebhookSender
}

/** Attempts and faults of one target over the last minute, in 10 s buckets. */
class FaultWindow {
  private readonly ids = new Array<number>(BUCKETS).fill(-1)
  private readonly attempts = new Array<number>(BUCKETS).fill(0)
  private readonly faults = new Array<number>(BUCKETS).fill(0)

  add(t: number, fault: boolean): void {
    const b = Math.floor(t / BUCKET_MS)
    const i = b % BUCKETS
    if (this.ids[i] !== b) {
      if (this.ids[i]! > b) return // older than the window
      this.ids[i] = b
      this.attempts[i] = 0
      this.faults[i] = 0
    }
    this.attempts[i]!++
    if (fault) this.faults[i]!++
  }

  /** Faults per attempt over the last minute; null under MIN_ATTEMPTS attempts. */
  rate(now: number): number | null {
    const last = Math.floor(now / BUCKET_MS)
    let n = 0
    let f = 0
    for (let i = 0; i < BUCKETS; i++) {
      if (this.ids[i]! <= last - BUCKETS || this.ids[i]! > last) continue
      n += this.attempts[i]!
      f += this.faults[i]!
    }
    return n >= MIN_ATTEMPTS ? f / n : null
  }
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, probing: 1, open: 2 }

/** What an episode is of: (type, scope, name, dimension or period, threshold). */
function episodeKey(a: Pick<Alert, 'type' | 'scope' | 'name' | 'threshold' | 'dimension' | 'period'>): string {
  return `${a.type}|${a.scope}|${a.name}|${a.dimension ?? a.period ?? ''}|${a.threshold}`
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`
}

function usd(microcents: number): string {
  return `$${(microcents / 1e8).toFixed(2)}`
}

type Fire = (a: Omit<Alert, 'at' | 'level'>, levels: readonly number[], below?: boolean) => void

/**
 * The episodes under way, by (type, scope, name, dimension or period, threshold): one check's pass marks
 * what it saw, and `end` closes the episodes of what it did not (a threshold or target a reload removed).
 */
class Episodes {
  private readonly firing = new Set<string>()
  private seen = new Set<string>()

  /** Whether `a` fires now: its value crossed the threshold, and its episode had not begun. */
  crossed(a: Omit<Alert, 'at' | 'level'>, below: boolean): boolean {
    const key = episodeKey(a)
    this.seen.add(key)
    if (this.firing.has(key)) {
      if (below ? a.value > a.threshold / HYSTERESIS : a.value < a.threshold * HYSTERESIS) this.firing.delete(key)
      return false
    }
    if (below ? !(a.value < a.threshold) : a.value < a.threshold - 1e-9) return false
    this.firing.add(key)
    return true
  }

  /** Nothing to judge this time: the episode (if any) goes on. */
  keep(a: Parameters<typeof episodeKey>[0]): void {
    this.seen.add(episodeKey(a))
  }

  end(): void {
    for (const key of this.firing) if (!this.seen.has(key)) this.firing.delete(key)
    this.seen = new Set()
  }

  clear(): void {
    this.firing.clear()
  }
}

export class AlertEngine implements AttemptListener {
  private readonly episodes = new Episodes()
  private readonly faults = new Lru<string, FaultWindow>(4_096)
  private soonTimer: TimerId | null = null
  private tickTimer: TimerId | null = null
  private closed = false

  constructor(private readonly o: AlertEngineOptions) {}

  onAttempt(e: AttemptEvent): void {
    if (this.closed || this.o.config.current().alerts === null) return
    if (e.outcome !== 'cancelled') {
      let w = this.faults.get(e.target.stateId)
      if (!w) this.faults.set(e.target.stateId, (w = new FaultWindow()))
      w.add(e.startedAt, e.status >= 500)
    }
    if (this.soonTimer === null) this.soonTimer = this.timer(() => this.fromTimer('soon'), SOON_MS)
  }

  /** Starts the periodic check. */
  start(): void {
    if (this.tickTimer === null && !this.closed)
      this.tickTimer = this.timer(() => this.fromTimer('tick'), CHECK_EVERY_MS)
  }

  close(): void {
    this.closed = true
    for (const t of [this.soonTimer, this.tickTimer]) if (t !== null) this.o.clock.clearTimer(t)
    this.soonTimer = this.tickTimer = null
  }

  private timer(fn: () => void, ms: number): TimerId {
    const t = this.o.clock.setTimer(fn, ms)
    if (typeof t === 'object' && 'unref' in t) t.unref()
    return t
  }

  private fromTimer(which: 'soon' | 'tick'): void {
    if (which === 'soon') this.soonTimer = null
    else this.tickTimer = null
    try {
      this.check()
    } catch (err) {
      // A bug here must not take the process down with it; the next check tries again.
      this.o.log.error('alert check failed', { error: (err as Error).message })
    }
    if (which === 'tick') this.start()
  }

  /** Looks at everything now, and fires what crossed a threshold. */
  check(): void {
    const cfg = this.o.config.current()
    const alerts = cfg.alerts
    if (alerts === null) {
      this.episodes.clear()
      return
    }
    const now = this.o.clock.now()
    const fire: Fire = (a, levels, below = false) => {
      if (!this.episodes.crossed(a, below)) return
      const level = a.threshold === levels.at(below ? 0 : -1) ? 'critical' : 'warning'
      this.emit({ ...a, level, at: new Date(now).toISOString() }, alerts)
    }
    for (const id of cfg.targets.keys()) this.checkTarget(id, alerts, fire, now)
    if (alerts.budget.length > 0) this.checkBudgets(cfg, alerts.budget, fire, now)
    this.episodes.end()
  }

  private checkTarget(id: string, alerts: CompiledAlerts, fire: Fire, now: number): void {
    const state = this.o.states.peek(id)
    if (!state) return
    if (alerts.breaker) {
      const b = state.health.breakerState()
      const message = `the breaker of ${id} is ${b === 'open' ? 'open' : 'half-open'} after repeated faults: its calls fail over to other targets`
      fire({ type: 'breaker', scope: 'target', name: id, value: BREAKER_VALUE[b], threshold: 1, message }, [1])
    }
    if (alerts.errorRate !== null) {
      const threshold = alerts.errorRate
      const value = this.faults.get(id)?.rate(now) ?? null
      // Too few attempts to judge: an episode under way goes on (quiet is not recovery).
      if (value === null) this.episodes.keep({ type: 'error_rate', scope: 'target', name: id, threshold })
      else {
        const message = `${pct(value)} of the attempts on ${id} in the last minute failed with a fault (alert at ${pct(threshold)})`
        fire({ type: 'error_rate', scope: 'target', name: id, value, threshold, message }, [threshold])
      }
    }
    if (alerts.headroom.length === 0 && alerts.runwaySeconds === null) return
    const limits = state.limits.snapshot(now)
    const used = Object.entries(usedFractions(limits)) as Array<[Dimension, number]>
    for (const threshold of alerts.headroom)
      for (const [d, value] of used) {
        const dimension = DIMENSION_LABELS[d]
        const message = `${id} has used ${pct(value)} of its ${dimension} limit (alert at ${pct(threshold)})`
        const alert = { type: 'headroom', scope: 'target', name: id, dimension, value, threshold, message } as const
        fire(alert, alerts.headroom)
      }
    if (alerts.runwaySeconds === null) return
    const threshold = alerts.runwaySeconds
    const { runway } = targetForecast(id, limits, this.o.consumption, now)
    for (const [d, value] of Object.entries(runway) as Array<[Dimension, number]>) {
      const dimension = DIMENSION_LABELS[d]
      const message = `${id} runs out of its ${dimension} limit in ${Math.round(value)} s at the rate of the last minute (alert below ${threshold} s)`
      fire({ type: 'runway', scope: 'target', name: id, dimension, value, threshold, message }, [threshold], true)
    }
  }

  private checkBudgets(cfg: CompiledConfig, thresholds: readonly number[], fire: Fire, now: number): void {
    for (const b of budgetStates(cfg, this.o.budgets, now))
      for (const threshold of thresholds) {
        const what = b.period === 'day' ? 'daily' : 'monthly'
        const message = `${b.scope} "${b.name}" has spent ${pct(b.used)} of its ${what} budget (${usd(b.spent)} of ${usd(b.limit)}; alert at ${pct(threshold)})`
        const { scope, name, period, used: value } = b
        fire({ type: 'budget', scope, name, period, value, threshold, message }, thresholds)
      }
  }

  private emit(a: Alert, alerts: CompiledAlerts): void {
    // The line's own `level` is warn; the alert's goes as `severity`.
    const { level, ...rest } = a
    this.o.log.warn('alert', { ...rest, severity: level })
    if (alerts.webhook !== null) this.o.webhook.send(alerts.webhook, alertBody(a, alerts.format))
  }
}
