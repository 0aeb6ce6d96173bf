/**
 * The headroom seam: what a request needs, what a target's limits look like, and the LimitStore
 * interface a shared (e.g. Redis) implementation would provide. The in-memory one is limits.ts.
 */
import type { DeclaredLimits } from '../config/types.ts'
import type { RateLimitSnapshot } from '../providers/types.ts'

/** What one request asks of a target's limits. */
export interface Need {
  /** Estimated prompt tokens + max output tokens. */
  tokens: number
  /** Estimated prompt tokens. */
  inputTokens: number
  /** Max output tokens. */
  outputTokens: number
}

/** Real usage, as the provider reported it. */
export interface ActualUsage {
  promptTokens: number
  completionTokens: number
}

/** A handle on a reservation; give it back to the same store's `release` (once; later calls do nothing). */
export interface Reservation {
  readonly at: number
  readonly need: Readonly<Need>
}

export const DIMENSIONS = ['requests', 'tokens', 'inputTokens', 'outputTokens'] as const
export type Dimension = (typeof DIMENSIONS)[number]

/**
 * A limit a request can never fit in, however long it waits: its charge on `dimension` is more than the
 * limit's whole capacity per minute (a provider's reported limit, or a declared rpm / tpm).
 */
export interface Overflow {
  dimension: Dimension
  /** What the request would charge. */
  need: number
  /** The limit's capacity per minute. */
  limit: number
}

/** One provider window as the state endpoint shows it. */
export interface WindowState {
  limit: number | null
  /** The provider's remaining count, decayed to now, before our unseen reservations. */
  remaining: number
  /** Charges of our reservations the provider has not reported on yet. */
  reserved: number
  resetAt: number
  observedAt: number
}

interface BucketState {
  capacity: number
  available: number
}

/** Plain JSON for `GET /v1/routing/state`. */
export interface LimitsSnapshot {
  inFlight: number
  concurrency: number | null
  provider: Partial<Record<Dimension, WindowState>>
  declared: { rpm?: BucketState; tpm?: BucketState }
}

/**
 * The headroom state of one target. This is the seam for shared state across replicas: a Redis
 * implementation keeps the same synchronous surface over a local replica whose counters it syncs in
 * the background, so planning never waits on the network. `now` is epoch ms.
 */
export interface LimitStore {
  /** Apply new declared limits (after a config reload), keeping what was counted. */
  configure(limits: DeclaredLimits, now: number): void
  /** Take in the provider's numbers; `source`: the reservation of the request whose answer carried them. */
  observe(snap: RateLimitSnapshot | null, now: number, source?: Reservation): void
  /** Charge a request before sending it: always succeeds (check `fits` first), takes an in-flight slot. */
  reserve(need: Need, now: number): Reservation
  /** The request ended: free its slot and correct the charges with real usage (null: keep the estimate). */
  release(r: Reservation, actual: ActualUsage | null, now: number): void
  /** A limit this need is larger than, whole (so no wait would make it fit); null when none is. */
  tooLarge(need: Need): Overflow | null
  /** Whether the request fits now (every known window, bucket and the concurrency cap). */
  fits(need: Need, now: number): boolean
  /** Capacity left after this need, 0..1: the minimum over known dimensions; 1 when nothing is known. */
  fraction(need: Need, now: number): number
  /** The earliest time it would fit (`now` if it does); null when no wait would do (concurrency, too big). */
  recoveryAt(need: Need, now: number): number | null
  /** Requests reserved and not yet released. */
  readonly inFlight: number
  /** The declared concurrency cap, null when none (lets the planner tell 'concurrency' from 'no_headroom'). */
  readonly concurrency: number | null
  snapshot(now: number): LimitsSnapshot
}

/**
 * A target's headroom shared across replicas (state/redis-headroom.ts): the same arithmetic as the local
 * LimitStore, over every replica's reservations. Planning stays on the local store; the chosen candidate
 * then asks here once. Never rejects: with the shared store out of reach the answer is "go" (`ticket`
 * null), and the local store alone decides.
 */
export interface SharedLimitStore {
  /**
   * Charges the request against the shared view of target `id` (its state id) if it fits there. `lifetimeMs`:
   * how long its in-flight slot may be held before it is taken as lost (a replica that died never releases).
   */
  reserve(id: string, need: Need, limits: DeclaredLimits, now: number, lifetimeMs: number): Promise<SharedClaim>
}

/** The shared store's answer: charged (a ticket to report back on; null when it was not asked), or not now. */
export type SharedClaim =
  | { readonly ok: true; readonly ticket: SharedTicket | null }
  /** `retryAt`: when it would fit (epoch ms); null when only another request's end would make room. */
  | { readonly ok: false; readonly retryAt: number | null }

/** A shared reservation: what the answer taught, and its end. Both return at once and never throw. */
export interface SharedTicket {
  /**
   * `atRelease`: the answer came whole (not a stream), and its end follows at once: the store may tell
   * both in one call, at the release.
   */
  observe(snap: RateLimitSnapshot | null, now: number, atRelease?: boolean): void
  /** Idempotent: a second call does nothing. */
  release(actual: ActualUsage | null, now: number): void
}
