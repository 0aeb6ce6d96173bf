import type { Candidate, RoutingContext, Strategy } from '../types.ts'
import { compareTie, rankByKey } from './tie-break.ts'

/**
 * True when a candidate's latency needs (re-)measuring: never measured (`latencyMs` or `latencyAgeMs`
 * null), or last measured more than `staleAfterMs` ago.
 */
export function isStale(c: Candidate, staleAfterMs: number): boolean {
  return c.latencyMs === null || c.latencyAgeMs === null || c.latencyAgeMs > staleAfterMs
}

/**
 * `latency`: fastest first, while keeping measurements fresh.
 *
 * 1. Rank by `latencyMs` ascending (the EWMA of time to first token for streams, total time
 *    otherwise); never-measured candidates after all measured ones, in position order; equal latencies
 *    fall to the shared tie-break.
 * 2. Re-measure: if any candidate is stale (see {@link isStale}: never measured, or measured more than
 *    `params.staleAfterMs` ago), the stale one with the lowest position (then most headroom) moves to
 *    the front — exactly one per request; the rest keep the order of step 1. No random draw is made.
 *    Until that target has answered, concurrent requests pick it too; the next request after it is
 *    measured moves on to the next stale one, so recovered targets are re-measured one at a time.
 * 3. Explore: otherwise, when there are at least two candidates and `params.explore > 0`, one draw
 *    `r = ctx.random()`; if `r < params.explore`, a second draw picks one of the non-fastest candidates
 *    uniformly (`1 + floor(ctx.random() * (n - 1))` in the step-1 order) and moves it to the front.
 *    So the fastest target serves first with probability `1 - explore`.
 *
 * Never drops a candidate: the fastest stays in the list as the first fallback.
 */
export const latency: Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => {
  const n = candidates.length
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) keys[i] = candidates[i]!.latencyMs ?? Infinity
  const ranked = rankByKey(candidates, keys, ctx.random)
  if (n <= 1) return ranked

  const { staleAfterMs, explore } = ctx.params
  let stale = -1
  for (let i = 0; i < n; i++) {
    const c = ranked[i]!
    if (isStale(c, staleAfterMs) && (stale < 0 || compareTie(c, ranked[stale]!) < 0)) stale = i
  }
  if (stale >= 0) return moveToFront(ranked, stale)

  if (explore > 0 && ctx.random() < explore) {
    const pick = Math.min(n - 1, 1 + Math.floor(ctx.random() * (n - 1)))
    return moveToFront(ranked, pick)
  }
  return ranked
}

function moveToFront(list: Candidate[], index: number): Candidate[] {
  if (index === 0) return list
  const chosen = list[index]!
  for (let i = index; i > 0; i--) list[i] = list[i - 1]!
  list[0] = chosen
  return list
}
