import type { Candidate, RoutingContext, Strategy } from '../types.ts'
import { rankByKey } from './tie-break.ts'

/**
 * `headroom`: most room first. Candidates are ordered by `headroom` (the fraction of capacity left
 * after this request, 0..1) descending, so load drains toward whichever target the providers say can
 * take the most. Equal headroom falls to position, then random. Never drops a candidate.
 */
export const headroom: Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => {
  const keys = new Float64Array(candidates.length)
  for (let i = 0; i < candidates.length; i++) keys[i] = -candidates[i]!.headroom
  return rankByKey(candidates, keys, ctx.random)
}
