import type { Candidate, RoutingContext, Strategy } from '../types.ts'
import { rankByKey } from './tie-break.ts'

/**
 * `ordered`: the route's priority list. Candidates are returned by `position` ascending — the first
 * listed target first, the rest as fallbacks in the order written. Keys of one entry (same position)
 * are ordered by headroom descending, exact ties shuffled (see tie-break.ts). Never drops a candidate.
 */
export const ordered: Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => {
  const keys = new Float64Array(candidates.length)
  for (let i = 0; i < candidates.length; i++) keys[i] = candidates[i]!.position
  return rankByKey(candidates, keys, ctx.random)
}
