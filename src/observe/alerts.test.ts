import { afterEach, describe, expect, it } from 'vitest'
import { BudgetTracker } from '../admission/budgets.ts'
import type { CompiledConfig } from '../config/types.ts'
import type { LogFields, Logger } from '../lib/logger.ts'
import { ManualClock } from '../lib/manual-clock.ts'
import { ProviderError } from '../providers/types.ts'
import { TargetStates } from '../routing/target-states.ts'
import { attemptEvent, T0, targetOf } from './__fixtures__/attempt-event.ts'
import { compiled } from './__fixtures__/config.ts'
import type { Alert } from './alert-format.ts'
import { AlertEngine } from './alerts.ts'
import { ConsumptionMeter } from './runway.ts'
import { WebhookSender } from './webhook.ts'

const ID = 'openai#1/gpt-4.1-mini'
const HOOK = 'http://127.0.0.1:9/hook'
const USD = 1e8

function yaml(alerts: string, budget = ''): string {
  return `providers:
  openai: { type: openai, breaker: { volume_threshold: 2, reset_timeout_ms: 60000 } }
routes:
  fast: { targets: [openai/gpt-4.1-mini]${budget} }
${alerts === '' ? '' : `alerts: ${alerts}\n`}`
}

interface Harness {
  config: { current(): CompiledConfig }
  clock: ManualClock
  states: TargetStates
  meter: ConsumptionMeter
  budgets: BudgetTracker
  engine: AlertEngine
  /** Bodies POSTed, parsed. */
  posted: unknown[]
  /** Log lines: [level, msg, fields]. */
  lines: Array<[string, string, LogFields | undefined]>
  /** The alert log lines' fields (the alert's level is `severity` there). */
  alerts(): Array<Partial<Alert> & { severity?: string }>
  /** The target's requests window at `remaining` of 100. */
  window(remaining: number): void
}

const live: Harness[] = []
afterEach(() => {
  for (const h of live.splice(0)) {
    h.engine.close()
    h.states.close()
  }
})

function harness(alerts: string, budget = ''): Harness {
  const cfg = compiled(yaml(alerts, budget))
  const clock = new ManualClock(T0)
  const states = new TargetStates()
  states.retain(new Set(cfg.targets.keys()))
  const meter = new ConsumptionMeter()
  const budgets = new BudgetTracker()
  const posted: unknown[] = []
  const lines: Harness['lines'] = []
  const log: Logger = {
    info: (m, f) => lines.push(['info', m, f]),
    warn: (m, f) => lines.push(['warn', m, f]),
    error: (m, f) => lines.push(['error', m, f]),
  }
  const webhook = new WebhookSender({
    clock,
    log,
    post: async (_url, body) => {
      posted.push(JSON.parse(body))
      return 200
    },
  })
  const config = { current: () => cfg }
  const engine = new AlertEngine({
    config,
    states,
    consumption: meter,
    budgets,
    clock,
    log,
    webhook,
  })
  const target = cfg.targets.get(ID)!
  const state = states.get(target, cfg.providers.get('openai')!.stateConfig, T0)
  const h: Harness = {
    config,
    clock,
    states,
    meter,
    budgets,
    engine,
    posted,
    lines,
    alerts: () => lines.filter(([, m]) => m === 'alert').map(([, , f]) => f as Partial<Alert> & { severity?: string }),
    window: (remaining) =>
      state.limits.observe(
        { at: clock.now(), requests: { limit: 100, remaining, resetAt: clock.now() + 600_000 } },
        clock.now(),
      ),
  }
  live.push(h)
  return h
}

const summary = (a: { type?: string; threshold?: number; severity?: string }) => [a.type, a.threshold, a.severity]

describe('AlertEngine: headroom', () => {
  it('fires each threshold once per episode, re-armed only after the value falls back under 90% of it', async () => {
    const h = harness(`{ webhook: "${HOOK}", budget: [], breaker: false }`)
    h.window(50)
    h.engine.check()
    expect(h.alerts()).toEqual([])
    h.window(15) // 85% used
    h.engine.check()
    h.engine.check()
    h.window(5) // 95%
    h.engine.check()
    expect(h.alerts().map(summary)).toEqual([
      ['headroom', 0.8, 'warning'],
      ['headroom', 0.9, 'critical'],
    ])
    // Wavering around the thresholds: still the same episode.
    for (const remaining of [12, 8, 18, 15, 5, 17, 11]) {
      h.window(remaining)
      h.engine.check()
    }
    expect(h.alerts()).toHaveLength(2)
    // 0.9 re-arms under 81% used, 0.8 under 72%.
    h.window(20)
    h.engine.check()
    h.window(5)
    h.engine.check()
    expect(h.alerts().map(summary).slice(2)).toEqual([['headroom', 0.9, 'critical']])
    h.window(30)
    h.engine.check()
    h.window(15)
    h.engine.check()
    expect(h.alerts().map(summary).slice(3)).toEqual([['headroom', 0.8, 'warning']])
    await h.clock.advance(0)
    expect(h.posted).toHaveLength(4)
  })

  it('logs at warn with msg "alert" and the fields (level as severity), and POSTs the alert itself', async () => {
    const h = harness(`{ webhook: "${HOOK}", budget: [], breaker: false }`)
    h.window(10)
    h.engine.check()
    await h.clock.advance(0)
    const [line] = h.lines
    const [, crossed90] = h.posted as Alert[]
    expect(line).toEqual([
      'warn',
      'alert',
      expect.objectContaining({
        type: 'headroom',
        severity: 'warning',
        scope: 'target',
        name: ID,
        dimension: 'requests',
        value: 0.9,
        threshold: 0.8,
        at: new Date(T0).toISOString(),
      }),
    ])
    expect(crossed90).toEqual({
      type: 'headroom',
      level: 'critical',
      scope: 'target',
      name: ID,
      dimension: 'requests',
      value: 0.9,
      threshold: 0.9,
      at: new Date(T0).toISOString(),
      message: `${ID} has used 90% of its requests limit (alert at 90%)`,
    })
  })

  it('slack: the same alert as the text of a Slack message', async () => {
    const h = harness(`{ webhook: "${HOOK}", format: slack, headroom: [0.5], budget: [], breaker: false }`)
    h.window(10)
    h.engine.check()
    await h.clock.advance(0)
    expect(h.posted).toEqual([
      {
        text: `:rotating_light: *Headroom critical* (headroom): ${ID} has used 90% of its requests limit (alert at 50%)`,
      },
    ])
  })

  it('fires nothing without an alerts section, and without a webhook only logs', async () => {
    const none = harness('')
    none.window(1)
    none.engine.check()
    expect(none.lines).toEqual([])
    const logOnly = harness('{ budget: [], breaker: false }')
    logOnly.window(1)
    logOnly.engine.check()
    await logOnly.clock.advance(0)
    expect([logOnly.alerts().length, logOnly.posted.length]).toEqual([2, 0])
  })
})

describe('AlertEngine: reloads', () => {
  it('reads the config in force at each check: new thresholds apply, and episodes of removed ones end', () => {
    const h = harness(`{ webhook: "${HOOK}", headroom: [0.8], budget: [], breaker: false }`)
    const swap = (alerts: string) => {
      const next = compiled(yaml(alerts))
      h.config.current = () => next
    }
    h.window(15)
    h.engine.check()
    swap(`{ webhook: "${HOOK}", headroom: [0.5, 0.8], budget: [], breaker: false }`)
    h.engine.check()
    swap('{ headroom: [], budget: [], breaker: false }')
    h.engine.check()
    swap(`{ headroom: [0.8], budget: [], breaker: false }`)
    h.engine.check()
    expect(h.alerts().map((a) => [a.threshold, a.severity])).toEqual([
      [0.8, 'critical'],
      [0.5, 'warning'],
      [0.8, 'critical'],
    ])
  })
})

describe('AlertEngine: budgets, breakers, error rate, runway', () => {
  it('a budget crossing 80% fires once, whatever is spent after', () => {
    const h = harness(`{ headroom: [], budget: [0.8], breaker: false }`, ', budget: { daily_usd: 10 }')
    h.budgets.seed('route', 'fast', T0, 7 * USD, 7 * USD)
    h.engine.check()
    h.budgets.add({ ts: T0, virtualKey: null, route: 'fast', costMicrocents: 1.5 * USD })
    h.engine.check()
    h.budgets.add({ ts: T0, virtualKey: null, route: 'fast', costMicrocents: 1 * USD })
    h.engine.check()
    expect(h.alerts()).toEqual([
      expect.objectContaining({
        type: 'budget',
        scope: 'route',
        name: 'fast',
        period: 'day',
        value: 0.85,
        threshold: 0.8,
        severity: 'critical',
        message: 'route "fast" has spent 85% of its daily budget ($8.50 of $10.00; alert at 80%)',
      }),
    ])
  })

  it('a breaker that opens fires once, until it has closed again', async () => {
    const h = harness(`{ headroom: [], budget: [] }`)
    const state = h.states.peek(ID)!
    const fault = () => new ProviderError({ provider: 'openai', status: 500, kind: 'server', message: 'boom' })
    h.engine.check()
    for (let i = 0; i < 2; i++) await state.health.run(() => Promise.reject(fault())).catch(() => undefined)
    expect(state.health.breakerState()).toBe('open')
    h.engine.check()
    h.engine.check()
    expect(h.alerts().map((a) => [a.type, a.name, a.value, a.severity])).toEqual([['breaker', ID, 2, 'critical']])
  })

  it('the error rate of the last minute, judged over at least 5 attempts, through attempt events and the timers', async () => {
    const h = harness(`{ headroom: [], budget: [], breaker: false, error_rate: 0.5 }`)
    h.engine.start()
    const fault = { status: 500, outcome: 'failed_over', usage: null } as const
    for (let i = 0; i < 4; i++) h.engine.onAttempt(attemptEvent({ ...fault, startedAt: h.clock.now() }))
    await h.clock.advance(100)
    expect(h.alerts()).toEqual([])
    h.engine.onAttempt(attemptEvent({ startedAt: h.clock.now() }))
    await h.clock.advance(100)
    expect(h.alerts().map((a) => [a.type, a.value])).toEqual([['error_rate', 0.8]])
    // Other targets' attempts are theirs; a minute later the faults have left the window, but a quiet
    // minute is not a recovery: the episode goes on.
    h.engine.onAttempt(attemptEvent({ ...fault, target: targetOf('openai#2/gpt-4.1-mini') }))
    await h.clock.advance(70_000)
    for (let i = 0; i < 5; i++) h.engine.onAttempt(attemptEvent({ ...fault, startedAt: h.clock.now() }))
    await h.clock.advance(100)
    expect(h.alerts()).toHaveLength(1)
    // Recovered (a minute on, nine attempts answered: no fault), then failing again: a new episode.
    await h.clock.advance(70_000)
    for (let i = 0; i < 9; i++) h.engine.onAttempt(attemptEvent({ startedAt: h.clock.now() }))
    await h.clock.advance(100)
    for (let i = 0; i < 10; i++) h.engine.onAttempt(attemptEvent({ ...fault, startedAt: h.clock.now() }))
    await h.clock.advance(100)
    expect(h.alerts().map((a) => [a.type, a.value])).toEqual([
      ['error_rate', 0.8],
      ['error_rate', 10 / 19],
    ])
  })

  it('a runway below runway_seconds fires once, re-armed above 110% of it', async () => {
    const h = harness(`{ headroom: [], budget: [], breaker: false, runway_seconds: 60 }`)
    // 4 requests a second for five minutes, against 100 a minute (1.67 a second of refill).
    for (let i = 0; i < 1_200; i++) {
      h.meter.onAttempt(attemptEvent({ startedAt: h.clock.now() }))
      await h.clock.advance(250)
    }
    const load = async (seconds: number) => {
      for (let i = 0; i < seconds * 4; i++) {
        h.meter.onAttempt(attemptEvent({ startedAt: h.clock.now() }))
        await h.clock.advance(250)
      }
    }
    h.window(100)
    h.engine.check()
    h.window(40)
    h.engine.check()
    // ~4/s against a refill of 1.67/s: 100 requests last ~44 s.
    expect(h.alerts().map((a) => [a.type, a.dimension, Math.round(a.value!)])).toEqual([['runway', 'requests', 44]])
    // The load stops: two minutes later the rate is below the refill (+Inf), and the alert re-armed.
    await h.clock.advance(120_000)
    h.window(100)
    h.engine.check()
    expect(h.alerts()).toHaveLength(1)
    await load(150)
    h.window(100)
    h.engine.check()
    expect(h.alerts().map((a) => a.type)).toEqual(['runway', 'runway'])
  })
})
