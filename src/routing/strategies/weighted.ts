import type { Candidate, RoutingContext, Strategy } from '../types.ts'
import { rankByKey } from './tie-break.ts'

/**
 * `weighted`: a weighted random order — sampling without replacement in proportion to `weight`. The
 * first target is candidate i with probability `weight_i / Σ weight`; the next is drawn the same way
 * from those left, and so on. Implemented as an exponential race (Efraimidis–Spirakis): each candidate
 * with weight > 0 draws `u = ctx.random()` (one draw per candidate, in input order) and gets the key
 * `-ln(1 - u) / weight`; keys sort ascending. Candidates with weight 0 (or a negative or non-finite
 * weight) draw nothing and come after all the others, in position order. Never drops a candidate.
 */
export const weighted: Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => {
  const n = candidates.length
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const w = candidates[i]!.weight
    keys[i] = w > 0 && Number.isFinite(w) ? -Math.log(1 - ctx.random()) / w : Infinity
  }
  return rankByKey(candidates, keys, ctx.random)
}
