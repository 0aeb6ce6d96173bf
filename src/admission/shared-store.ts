/**
 * The state seam for admission across replicas: what every replica must agree on about a client key's
 * limits (rpm, tpm, requests at once) and the budgets a request is metered against.
 *
 * In-process state (InboundLimits, BudgetTracker) stays the first check and the only one when no shared
 * state is configured: admission there is synchronous and unchanged. With a shared state (Redis,
 * `HEADROOM_REDIS_URL`), a request the local check admitted makes one more, asynchronous call —
 * `admit`, one round trip — which checks and charges the same limits and every budget that applies (the
 * spend so far plus what requests in flight on every replica are estimated to cost) atomically for all
 * replicas. Local counts are a subset of the shared ones, so the local check never refuses what the shared
 * one would admit; while the shared state is unreachable the local check alone decides (degraded).
 */

import type { SharedHealth } from '../state/redis-link.ts'
import type { BudgetScope } from './budgets.ts'

/** A budget a request is metered against: its key's, its route's. Names come from routes.yaml, never from the client. */
export interface SharedBudget {
  readonly scope: BudgetScope
  readonly name: string
  /** Caps in micro-cents; null: none for that period. */
  readonly daily: number | null
  readonly monthly: number | null
}

/** What one request asks of the shared state. */
export interface SharedAsk {
  readonly requestId: string
  /** The client key's name and limits; null: no key limits to share. */
  readonly key: {
    readonly name: string
    readonly rpm: number | null
    readonly tpm: number | null
    readonly concurrency: number | null
  } | null
  /** Tokens charged against tpm: the prompt estimate plus the most the request may write. */
  readonly tokens: number
  /** Every budget that applies (the key's first, as a single replica checks them); all are checked and reserved, or none. */
  readonly budgets: readonly SharedBudget[]
  /** Micro-cents this request is estimated to cost, reserved against each budget until it is released. */
  readonly estimate: number
}

export type SharedVerdict =
  | { ok: true; remainingRequests: number | null; remainingTokens: number | null }
  | { ok: false; kind: 'rpm' | 'tpm' | 'concurrency'; retryAfterMs: number }
  | { ok: false; kind: 'daily' | 'monthly'; scope: BudgetScope; name: string; limit: number; spent: number }

/** One spend row's cost, for the budgets (with a cap) it counts toward. */
export interface SharedSpend {
  readonly requestId: string
  /** Unique per row (request id and attempt): a row sent twice is counted once. */
  readonly rowId: string
  /** When the attempt started (the period it counts in). */
  readonly ts: number
  readonly microcents: number
  readonly budgets: readonly { readonly scope: BudgetScope; readonly name: string }[]
}

/** What the spend table says a budget has spent so far this UTC day and month (micro-cents); never rejects. */
export type SpendSoFar = (scope: BudgetScope, name: string, now: number) => Promise<{ day: number; month: number }>

export interface SharedAdmission {
  /** Checks and charges a request; resolves to `ok` (uncharged) when the store is unreachable. */
  admit(ask: SharedAsk, now: number): Promise<SharedVerdict>
  /** Takes back what `admit` charged (tokens corrected to `actualTokens`); idempotent per request id; never rejects. */
  release(requestId: string, actualTokens: number | null, now: number): Promise<void>
  /**
   * Counts a spend row's cost once toward its budgets. A row of a request still holding a reservation goes
   * with that request's release (one round trip for both); never rejects.
   */
  addSpend(row: SharedSpend): Promise<void>
  health(): SharedHealth
  close(): Promise<void>
}
