/**
 * The state seam for admission across replicas: what every replica must agree on about a client key's
 * limits (rpm, tpm, requests at once) and the budget a request is metered against.
 *
 * In-process state (InboundLimits, BudgetTracker) stays the first check and the only one when no shared
 * state is configured: admission there is synchronous and unchanged. With a shared state (Redis,
 * `HEADROOM_REDIS_URL`), a request the local check admitted makes one more, asynchronous call —
 * `admit`, one round trip — which checks and charges the same limits and the budget (the spend so far
 * plus what requests in flight on every replica are estimated to cost) atomically for all replicas.
 * Local counts are a subset of the shared ones, so the local check never refuses what the shared one
 * would admit; while the shared state is unreachable the local check alone decides (degraded).
 */

import type { SharedHealth } from '../state/redis-link.ts'
import type { BudgetScope } from './budgets.ts'

/** What one request asks of the shared state. Names come from routes.yaml, never from the client. */
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
  /** The budget the request is metered against, with this replica's view of the spend (to seed an emptied store). */
  readonly budget: {
    readonly scope: BudgetScope
    readonly name: string
    readonly daily: number | null
    readonly monthly: number | null
    /** Micro-cents this request is estimated to cost, reserved until it settles. */
    readonly estimate: number
    readonly localDay: number
    readonly localMonth: number
  } | null
}

export type SharedVerdict =
  | { ok: true; remainingRequests: number | null; remainingTokens: number | null }
  | { ok: false; kind: 'rpm' | 'tpm' | 'concurrency'; retryAfterMs: number }
  | { ok: false; kind: 'daily' | 'monthly'; limit: number; spent: number }

export interface SharedAdmission {
  /** Checks and charges a request; resolves to `ok` (uncharged) when the store is unreachable. */
  admit(ask: SharedAsk, now: number): Promise<SharedVerdict>
  /** Takes back what `admit` charged (tokens corrected to `actualTokens`); idempotent per request id; never rejects. */
  release(requestId: string, actualTokens: number | null, now: number): Promise<void>
  /** Counts a spend row's cost once (by request id and attempt), for a scope with a budget; never rejects. */
  addSpend(scope: BudgetScope, name: string, rowId: string, ts: number, microcents: number): Promise<void>
  health(): SharedHealth
  close(): Promise<void>
}
