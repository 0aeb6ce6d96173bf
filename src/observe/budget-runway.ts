/**
 * Budgets as operators watch them: for each budget in routes.yaml (a client key's or a route's, per UTC
 * day and month), what is spent, the share of the cap used, and the runway — the hours until the cap is
 * reached at today's burn rate (what was spent since UTC midnight, over the time since then; at least an
 * hour, so that a call at 00:01 does not read as a day's rate sixty times over). `+Inf` when nothing
 * is being spent, or when at that rate the budget lasts until its period ends (it starts again from zero
 * then). 0 once the cap is reached (admission refuses the budget's requests until the reset).
 */
import type { BudgetLimits, CompiledConfig } from '../config/types.ts'
import { DAY_MS, dayStart, nextMonthStart } from '../lib/utc-period.ts'

type BudgetScope = 'key' | 'route'
/** As the metrics label it (`period`). */
type BudgetPeriod = 'day' | 'month'

/** What was spent, per scope and period, in micro-cents (admission's BudgetTracker is one). */
export interface BudgetSpend {
  spent(scope: BudgetScope, name: string, period: 'daily' | 'monthly', now: number): number
}

export interface BudgetState {
  scope: BudgetScope
  name: string
  period: BudgetPeriod
  /** Micro-cents. */
  limit: number
  spent: number
  /** spent / limit, 0..1. */
  used: number
  /** Hours; Infinity when it is not being exhausted this period. */
  runwayHours: number
}

const HOUR_MS = 3_600_000

/** Hours until `limit` is reached at the rate `today` was spent since `dayStartMs`; Infinity past `periodEnd`. */
export function budgetRunwayHours(limit: number, spent: number, today: number, now: number, periodEnd: number): number {
  if (spent >= limit) return 0
  if (today <= 0) return Number.POSITIVE_INFINITY
  const perMs = today / Math.max(HOUR_MS, now - dayStart(now))
  const ms = (limit - spent) / perMs
  return now + ms >= periodEnd ? Number.POSITIVE_INFINITY : ms / HOUR_MS
}

/** Every budget routes.yaml declares, keys' first, in the config's order. */
export function budgetStates(cfg: CompiledConfig, spend: BudgetSpend, now: number): BudgetState[] {
  const out: BudgetState[] = []
  const add = (scope: BudgetScope, name: string, b: BudgetLimits | null) => {
    if (!b) return
    const today = spend.spent(scope, name, 'daily', now)
    if (b.daily !== null) {
      const end = dayStart(now) + DAY_MS
      out.push(state(scope, name, 'day', b.daily, today, budgetRunwayHours(b.daily, today, today, now, end)))
    }
    if (b.monthly !== null) {
      const month = spend.spent(scope, name, 'monthly', now)
      const hours = budgetRunwayHours(b.monthly, month, today, now, nextMonthStart(now))
      out.push(state(scope, name, 'month', b.monthly, month, hours))
    }
  }
  for (const k of cfg.auth.byHash.values()) add('key', k.name, k.budget)
  for (const r of cfg.routes.values()) add('route', r.name, r.budget)
  return out
}

function state(
  scope: BudgetScope,
  name: string,
  period: BudgetPeriod,
  limit: number,
  spent: number,
  runwayHours: number,
): BudgetState {
  return { scope, name, period, limit, spent, used: Math.min(1, spent / limit), runwayHours }
}
