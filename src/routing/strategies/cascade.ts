import type { CascadeThresholds } from '../../config/types.ts'
import type { Candidate, ComplexitySignals, RoutingContext, Strategy } from '../types.ts'
import { rankByKey } from './tie-break.ts'

export interface ComplexityVerdict {
  hard: boolean
  /** Every threshold that tripped, e.g. `prompt_tokens>=4000`, `code`; empty when easy. */
  reasons: string[]
}

/**
 * Classifies a request for the cascade. It is hard when ANY of these trips (all are checked, so the
 * reasons list every one; the x-headroom-decision header shows them):
 * - `prompt_tokens>=N`: estimated prompt tokens ≥ `thresholds.promptTokens`;
 * - `max_output_tokens>=N`: the client's max output tokens ≥ `thresholds.maxOutputTokens` (no cap
 *   given: never trips);
 * - `tools`: the request offers tools and `thresholds.tools`;
 * - `code`: the prompt contains code and `thresholds.code`;
 * - `multi_step`: the prompt asks for several steps and `thresholds.multiStep`;
 * - `messages>=N`: the conversation has ≥ `thresholds.messages` messages.
 * Numeric thresholds compare literally: 0 makes every request hard; use a large number to disable one.
 */
export function classifyComplexity(signals: ComplexitySignals, thresholds: CascadeThresholds): ComplexityVerdict {
  const reasons: string[] = []
  if (signals.promptTokens >= thresholds.promptTokens) reasons.push(`prompt_tokens>=${thresholds.promptTokens}`)
  if (signals.maxOutputTokens !== null && signals.maxOutputTokens >= thresholds.maxOutputTokens) {
    reasons.push(`max_output_tokens>=${thresholds.maxOutputTokens}`)
  }
  if (signals.tools && thresholds.tools) reasons.push('tools')
  if (signals.code && thresholds.code) reasons.push('code')
  if (signals.multiStep && thresholds.multiStep) reasons.push('multi_step')
  if (signals.messages >= thresholds.messages) reasons.push(`messages>=${thresholds.messages}`)
  return { hard: reasons.length > 0, reasons }
}

/**
 * `cascade`: cheap models for easy requests, strong ones for hard requests. The request is classified
 * by {@link classifyComplexity} from `ctx.profile.complexity` and `params.cascade`.
 * - easy: tier 0 (the cheapest tier) first, then the higher tiers ascending as fallbacks;
 * - hard: the highest tier first, then descending.
 * Within a tier, by position (then headroom descending, then random: the shared tie-break). Never
 * drops a candidate: a hard request can still fall back to a cheap tier, and an easy one to a strong
 * tier.
 */
export const cascade: Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => {
  const { hard } = classifyComplexity(ctx.profile.complexity, ctx.params.cascade)
  const keys = new Float64Array(candidates.length)
  for (let i = 0; i < candidates.length; i++) keys[i] = hard ? -candidates[i]!.tier : candidates[i]!.tier
  return rankByKey(candidates, keys, ctx.random)
}
