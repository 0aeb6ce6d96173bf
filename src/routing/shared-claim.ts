/**
 * The chosen candidate's claim on its target's headroom shared across replicas (HEADROOM_REDIS_URL, see
 * state/redis-headroom.ts). Planning ran on this replica's own tracker, which cannot see the other
 * replicas' reservations: the shared store has the last word, in one awaited round trip per attempt.
 *
 * Refused there, the local reservation is taken back whole (the request was never sent) and the local
 * tracker holds the target until the shared store expects room — or, when only another request's end
 * would make some (the concurrency cap, a cold start on another replica), for a short poll, since no
 * release on another replica wakes this one's queue. Plans then pass the target over (no_headroom) and
 * the request waits in the queue like any request without headroom.
 */
import type { Reservation, SharedLimitStore, SharedTicket } from './limit-store.ts'
import type { PlannedCandidate } from './plan.ts'
import type { SkipReason } from './types.ts'

/** How long a target refused with no time given is held before this replica asks again. */
const SHARED_POLL_MS = 250

export type SharedOutcome =
  | { readonly ok: true; readonly ticket: SharedTicket | null }
  | { readonly ok: false; readonly reason: SkipReason }

export async function claimShared(
  shared: SharedLimitStore,
  cand: PlannedCandidate,
  local: Reservation,
  now: number,
  deadline: number,
): Promise<SharedOutcome> {
  const limits = cand.member.provider.stateConfig.limits ?? {}
  const claim = await shared.reserve(cand.state.id, cand.need, limits, now, deadline - now)
  if (claim.ok) return claim
  cand.state.limits.cancel(local, now)
  const until = claim.retryAt ?? now + SHARED_POLL_MS
  cand.state.limits.holdUntil(until)
  return { ok: false, reason: { kind: 'no_headroom', untilMs: until } }
}
