/**
 * Budgets, enforced at admission from the ledger. The tracker keeps, per virtual key and per route,
 * what was spent in the current UTC day and month, in integer micro-cents: every spend row adds to it as
 * it is written (before it reaches SQLite), and at start-up it is rebuilt from SQLite.
 *
 * Rule: a request is admitted while the spend so far is below the cap. Costs are known only when an
 * attempt ends, so the request that crosses the cap completes; the next one is refused with 429
 * `budget_exceeded`, naming the budget and when it resets (the next UTC midnight / first of the month).
 */
import type { BudgetLimits } from '../config/types.ts'
import { DAY_MS, dayStart, monthStart, nextMonthStart } from '../lib/utc-period.ts'

export type BudgetScope = 'key' | 'route'
export type BudgetPeriod = 'daily' | 'monthly'

export type BudgetVerdict =
  | { ok: true }
  | {
      ok: false
      scope: BudgetScope
      name: string
      period: BudgetPeriod
      limit: number
      spent: number
      resetsAt: number
    }

/** What a budget counts of a spend row (start.ts hands the writer's rows over). */
export interface Cost {
  /** When the attempt started, epoch ms. */
  readonly ts: number
  readonly virtualKey: string | null
  readonly route: string
  readonly costMicrocents: number
}

interface Totals {
  day: number
  dayTotal: number
  month: number
  monthTotal: number
}

export class BudgetTracker {
  private readonly totals = new Map<string, Totals>()

  private slot(scope: BudgetScope, name: string, ts: number): Totals {
    const id = `${scope}:${name}`
    let t = this.totals.get(id)
    if (!t) {
      t = { day: dayStart(ts), dayTotal: 0, month: monthStart(ts), monthTotal: 0 }
      this.totals.set(id, t)
    }
    // A new period starts from zero.
    const d = dayStart(ts)
    if (d > t.day) {
      t.day = d
      t.dayTotal = 0
    }
    const m = monthStart(ts)
    if (m > t.month) {
      t.month = m
      t.monthTotal = 0
    }
    return t
  }

  private addTo(scope: BudgetScope, name: string, ts: number, microcents: number): void {
    if (!this.totals.has(`${scope}:${name}`)) return
    const t = this.slot(scope, name, ts)
    if (dayStart(ts) === t.day) t.dayTotal += microcents
    if (monthStart(ts) === t.month) t.monthTotal += microcents
  }

  /**
   * Counts a spend row (the writer's onRow hook) for the scopes being tracked — those seeded, i.e. with a
   * budget. Not the others: a direct route's name is `provider/model` as a client wrote it, and a slot
   * per name would grow with every new id.
   */
  add(row: Cost): void {
    if (row.costMicrocents <= 0) return
    if (row.virtualKey !== null) this.addTo('key', row.virtualKey, row.ts, row.costMicrocents)
    this.addTo('route', row.route, row.ts, row.costMicrocents)
  }

  /** How many scopes are tracked. */
  get size(): number {
    return this.totals.size
  }

  /** Start-up (and a reload that adds a budget): what SQLite says was spent so far today and this month. */
  seed(scope: BudgetScope, name: string, now: number, today: number, thisMonth: number): void {
    const t = this.slot(scope, name, now)
    t.dayTotal = today
    t.monthTotal = thisMonth
  }

  /**
   * What the spend table says now, when it says more: rows other replicas wrote to a shared table (the
   * rows counted here are in it too, or on their way, so the larger total is the better one).
   */
  raise(scope: BudgetScope, name: string, now: number, today: number, thisMonth: number): void {
    if (!this.has(scope, name)) return
    const t = this.slot(scope, name, now)
    t.dayTotal = Math.max(t.dayTotal, today)
    t.monthTotal = Math.max(t.monthTotal, thisMonth)
  }

  /** Whether a scope has been counted or seeded since start-up. */
  has(scope: BudgetScope, name: string): boolean {
    return this.totals.has(`${scope}:${name}`)
  }

  spent(scope: BudgetScope, name: string, period: BudgetPeriod, now: number): number {
    if (!this.has(scope, name)) return 0
    const t = this.slot(scope, name, now)
    return period === 'daily' ? t.dayTotal : t.monthTotal
  }

  private checkOne(scope: BudgetScope, name: string, limits: BudgetLimits | null, now: number): BudgetVerdict {
    if (!limits) return { ok: true }
    // Scopes with a budget are seeded at start-up and on reload; should one not be, it is tracked from now
    // on (only scopes with a budget get here: routes.yaml bounds them).
    const t = this.slot(scope, name, now)
    if (limits.daily !== null && t.dayTotal >= limits.daily) {
      return {
        ok: false,
        scope,
        name,
        period: 'daily',
        limit: limits.daily,
        spent: t.dayTotal,
        resetsAt: t.day + DAY_MS,
      }
    }
    if (limits.monthly !== null && t.monthTotal >= limits.monthly) {
      return {
        ok: false,
        scope,
        name,
        period: 'monthly',
        limit: limits.monthly,
        spent: t.monthTotal,
        resetsAt: nextMonthStart(now),
      }
    }
    return { ok: true }
  }

  /** Whether a request by this key on this route may start now. */
  check(
    key: { name: string; budget: BudgetLimits | null } | null,
    route: { name: string; budget: BudgetLimits | null },
    now: number,
  ): BudgetVerdict {
    if (key) {
      const v = this.checkOne('key', key.name, key.budget, now)
      if (!v.ok) return v
    }
    return this.checkOne('route', route.name, route.budget, now)
  }
}

/** The budget a request is metered against: the client key's, else the route's; null when neither has one. */
export interface AppliedBudget {
  scope: BudgetScope
  name: string
  limits: BudgetLimits
}

export function budgetThatApplies(
  key: { name: string; budget: BudgetLimits | null } | null,
  route: { name: string; budget: BudgetLimits | null },
): AppliedBudget | null {
  if (key?.budget) return { scope: 'key', name: key.name, limits: key.budget }
  if (route.budget) return { scope: 'route', name: route.name, limits: route.budget }
  return null
}

/** `the budget of $20.00 a day and $400.00 a month for key "team-a"`. */
export function describeBudget(b: AppliedBudget): string {
  const caps = [
    b.limits.daily === null ? null : `${usd(b.limits.daily)} a day`,
    b.limits.monthly === null ? null : `${usd(b.limits.monthly)} a month`,
  ]
  return `the budget of ${caps.filter((c) => c !== null).join(' and ')} for ${b.scope} "${b.name}"`
}

/** Micro-cents → a USD string with the precision budgets are written in. */
export function usd(microcents: number): string {
  return `$${(microcents / 1e8).toFixed(microcents % 1e6 === 0 ? 2 : 6)}`
}
