/**
 * `GET /v1/routing/state`: each target's live state — breaker, cooldown, latency, error rate,
 * headroom and in-flight requests — and each route's targets and strategy. For operators at 3 a.m.
 * (It becomes admin-only once client keys exist.) Beside each target's state, its forecast: the share of
 * each limited dimension left (`headroom`), the seconds until it runs out at the recent rate (`runway`,
 * `"+Inf"` when not being drawn down) and that rate (`consumption`, per second); and every budget with
 * what is spent and the hours it lasts at today's rate (observe/runway.ts, observe/budget-runway.ts).
 */

import type { CompiledConfig } from '../config/types.ts'
import { type BudgetSpend, budgetStates } from '../observe/budget-runway.ts'
import { type ConsumptionMeter, jsonSeconds, targetForecast } from '../observe/runway.ts'
import type { TargetStates } from '../routing/target-states.ts'

export interface RoutingStateSources {
  states: TargetStates
  consumption: ConsumptionMeter
  budgets: BudgetSpend
}

const EMPTY_LIMITS = { inFlight: 0, concurrency: null, provider: {}, declared: {} }

/** Rounded for reading: 4 significant digits. */
function round(x: number): number {
  return Number(x.toPrecision(4))
}

function mapValues<K extends string, V, W>(o: Partial<Record<K, V>>, f: (v: V) => W): Partial<Record<K, W>> {
  const out: Partial<Record<K, W>> = {}
  for (const k in o) out[k] = f(o[k] as V)
  return out
}

export function routingState(cfg: CompiledConfig, src: RoutingStateSources, now: number) {
  const routes: Record<string, { strategy: string; targets: string[] }> = {}
  for (const r of cfg.routes.values())
    routes[r.name] = { strategy: r.strategy, targets: r.members.map((m) => m.target.stateId) }
  const byId = new Map(src.states.snapshot(now).map((s) => [s.id, s]))
  const targets = [...cfg.targets.values()].map((t) => {
    const s = byId.get(t.stateId)
    const f = targetForecast(t.stateId, s?.limits ?? EMPTY_LIMITS, src.consumption, now)
    return {
      id: t.stateId,
      target: t.id,
      key: t.keyAlias,
      model: t.model,
      state: s ? { ...s.health, limits: s.limits } : 'not used yet',
      headroom: mapValues(f.headroom, round),
      runway: mapValues(f.runway, jsonSeconds),
      consumption: mapValues(f.consumption, round),
    }
  })
  const budgets = budgetStates(cfg, src.budgets, now).map((b) => ({
    scope: b.scope,
    name: b.name,
    period: b.period,
    limitUsd: b.limit / 1e8,
    spentUsd: b.spent / 1e8,
    used: round(b.used),
    runwayHours: Number.isFinite(b.runwayHours) ? Math.round(b.runwayHours * 100) / 100 : '+Inf',
  }))
  return { now: new Date(now).toISOString(), routes, targets, budgets }
}
