/**
 * What a budget has spent so far this UTC day and month, for rebuilding a counter the shared state lost
 * (Redis emptied, restarted without persistence, or a period's first request): redis-state.ts asks, off
 * the request path's synchronous part, only when its counter is missing.
 *
 * PostgreSQL, shared by every replica: this replica's queued rows are written first, then the table is
 * summed — every replica's rows but those still queued in another replica's writer (a flush interval's
 * worth, 100 ms by default). The answer also raises this replica's own totals (BudgetTracker), so its local
 * check knows the other replicas' spend too. SQLite (one file per replica) or no ledger: this replica's
 * own totals, which are its table's sum plus the rows still queued — its own share only.
 */
import { dayStart, monthStart } from '../lib/utc-period.ts'
import type { BudgetScope, BudgetTracker } from './budgets.ts'
import type { SpendSoFar } from './shared-store.ts'

/** How long an admission waits for PostgreSQL before seeding from this replica's own totals. */
const TABLE_WAIT_MS = 1_000

export interface SpendSoFarDeps {
  /**
   * The spend table's cost since each of `since` (epoch ms) for a key or a route, when every replica writes
   * to it (PostgreSQL); null: the table is this replica's own (SQLite), or rows do not reach it.
   */
  readonly sharedTable: ((filter: { virtualKey?: string; route?: string }, since: number[]) => Promise<number[]>) | null
  readonly budgets: BudgetTracker
  /** Writes this replica's queued rows (resolves once they are committed, or the flush failed). */
  readonly flush: () => Promise<void>
}

export function spendSoFar(deps: SpendSoFarDeps): SpendSoFar {
  const { sharedTable, budgets } = deps
  const local = (scope: BudgetScope, name: string, now: number) => ({
    day: budgets.spent(scope, name, 'daily', now),
    month: budgets.spent(scope, name, 'monthly', now),
  })
  if (!sharedTable) return async (scope, name, now) => local(scope, name, now)
  // One query per budget at a time: a burst of admissions after Redis was emptied asks once. Bounded by the
  // budgets in routes.yaml (names never come from a client).
  const asking = new Map<string, Promise<{ day: number; month: number }>>()
  const ask = async (scope: BudgetScope, name: string, now: number) => {
    await deps.flush()
    const filter = scope === 'key' ? { virtualKey: name } : { route: name }
    const [day = 0, month = 0] = await sharedTable(filter, [dayStart(now), monthStart(now)])
    budgets.raise(scope, name, now, day, month)
    return local(scope, name, now)
  }
  // PostgreSQL down or slow: this replica's own totals (start-up's table, its rows since), not a wait.
  const orLocal = (scope: BudgetScope, name: string, now: number) =>
    new Promise<{ day: number; month: number }>((resolve) => {
      const timer = setTimeout(() => resolve(local(scope, name, now)), TABLE_WAIT_MS)
      ask(scope, name, now).then(
        (t) => {
          clearTimeout(timer)
          resolve(t)
        },
        () => {
          clearTimeout(timer)
          resolve(local(scope, name, now))
        },
      )
    })
  return (scope, name, now) => {
    const id = `${scope}:${name}:${dayStart(now)}`
    let pending = asking.get(id)
    if (!pending) {
      pending = orLocal(scope, name, now).finally(() => asking.delete(id))
      asking.set(id, pending)
    }
    return pending
  }
}
