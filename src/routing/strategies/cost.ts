import type { Candidate, RoutingContext, Strategy } from '../types.ts'
import { rankByKey } from './tie-break.ts'

/**
 * `cost`: cheapest first. Candidates are ordered by `estimatedCost` (this request's estimated USD cost
 * on that target) ascending; candidates whose cost is unknown (null: the model has no price) come after
 * every priced one, in position order. Equal costs fall to the shared tie-break (position, then
 * headroom descending, then random). Never drops a candidate.
 */
export const cost: Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => {
  const keys = new Float64Array(candidates.length)
  for (let i = 0; i < candidates.length; i++) keys[i] = candidates[i]!.estimatedCost ?? Infinity
  return rankByKey(candidates, keys, ctx.random)
}
