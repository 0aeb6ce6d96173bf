import type { ScoreWeights, StrategyParams } from '../../config/types.ts'
import type { Candidate, RoutingContext, Strategy } from '../types.ts'
import { rankByKey } from './tie-break.ts'

/**
 * Which hard limit a candidate breaks, if any: `cost` when `estimatedCost > maxCostPerRequest`,
 * `latency` when `latencyMs > maxLatencyMs` (each only when the limit is set). An unknown cost or
 * latency (null) breaks nothing: we don't drop a target for what we haven't measured.
 */
export function violatedConstraint(c: Candidate, params: StrategyParams): 'cost' | 'latency' | null {
  if (params.maxCostPerRequest !== null && c.estimatedCost !== null && c.estimatedCost > params.maxCostPerRequest)
    return 'cost'
  if (params.maxLatencyMs !== null && c.latencyMs !== null && c.latencyMs > params.maxLatencyMs) return 'latency'
  return null
}

/**
 * Scores (higher is better), `scores[i]` for `candidates[i]`:
 * `weights.cost·(1 − normCost) + weights.latency·(1 − normLatency) + weights.headroom·headroom`.
 * `normCost` and `normLatency` are min–max normalised over the candidates given (0 = the cheapest /
 * fastest, 1 = the dearest / slowest). An unknown value (null) counts as the worst, normalised 1, so
 * it contributes 0 to its term. When every candidate has the same known value the term is 0 for all
 * (it can't tell them apart); when the known ones are equal but some are unknown, the known ones
 * normalise to 0 and the unknown to 1. Headroom is used as is (already 0..1).
 */
export function scoreCandidates(candidates: readonly Candidate[], weights: ScoreWeights): Float64Array {
  const n = candidates.length
  const scores = new Float64Array(n)
  const costs = new Float64Array(n)
  const latencies = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!
    costs[i] = c.estimatedCost ?? NaN
    latencies[i] = c.latencyMs ?? NaN
    scores[i] = weights.headroom * c.headroom
  }
  addTerm(scores, costs, weights.cost)
  addTerm(scores, latencies, weights.latency)
  return scores
}

/** Adds `weight·(1 − norm(value))` to each score; NaN marks an unknown value (norm 1). */
function addTerm(scores: Float64Array, values: Float64Array, weight: number): void {
  if (weight === 0) return
  let min = Infinity
  let max = -Infinity
  let unknown = false
  for (const v of values) {
    if (Number.isNaN(v)) unknown = true
    else {
      if (v < min) min = v
      if (v > max) max = v
    }
  }
  if (!unknown && min === max) return // all equal: the term is 0 for everyone
  const span = max - min
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    const norm = Number.isNaN(v) ? 1 : span > 0 ? (v - min) / span : 0
    scores[i]! += weight * (1 - norm)
  }
}

/**
 * `score`: a weighted blend of cost, latency and headroom, after hard constraints.
 *
 * 1. Drop every candidate that breaks a hard limit ({@link violatedConstraint}: `estimatedCost >
 *    params.maxCostPerRequest`, `latencyMs > params.maxLatencyMs`; unknown values are kept). This is
 *    the only strategy that drops candidates.
 * 2. Score the rest with {@link scoreCandidates} using `params.weights` — normalisation is over the
 *    candidates that remain — and order by score descending; equal scores fall to the shared
 *    tie-break (position, then headroom descending, then random).
 */
export const score: Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => {
  const { params } = ctx
  let kept: readonly Candidate[] = candidates
  if (params.maxCostPerRequest !== null || params.maxLatencyMs !== null) {
    kept = candidates.filter((c) => violatedConstraint(c, params) === null)
  }
  const keys = scoreCandidates(kept, params.weights)
  for (let i = 0; i < keys.length; i++) keys[i] = -keys[i]!
  return rankByKey(kept, keys, ctx.random)
}
