/**
 * Planning: a route's targets → the ones that can serve this request, ranked by the route's strategy.
 *
 * Every strategy sees only targets that can serve: the planner first drops those whose breaker is open
 * (or half-open with its one probe in flight), that are cooling down after a rate limit, that have no
 * rate-limit headroom for this request's estimated tokens (or are at their concurrency cap), whose
 * limits are smaller than the request (no wait would help), whose context window the prompt exceeds,
 * whose model lacks a capability the request uses or is of the other kind (chat, embedding), or — when a budget applies —
 * whose model has no price, since its cost could not be counted against it. Pure but for
 * reading the live target states; time and randomness come in.
 */
import type { ModelInfo } from '../catalog/types.ts'
import type { CompiledRoute, RouteMember } from '../config/types.ts'
import { DEFAULT_MAX_TOKENS } from '../providers/types.ts'
import type { Skipped } from './decision.ts'
import type { Need } from './limit-store.ts'
import { classifyComplexity, strategyFor } from './strategies/index.ts'
import type { TargetState, TargetStates } from './target-states.ts'
import type { Candidate, Needs, RequestProfile, RoutingContext, SkipReason } from './types.ts'

export interface PlannedCandidate extends Candidate {
  readonly member: RouteMember
  readonly state: TargetState
  readonly need: Need
}

export interface Plan {
  readonly route: CompiledRoute
  readonly ranked: readonly PlannedCandidate[]
  readonly skipped: readonly Skipped[]
  /** Cascade only: why the request counted as hard (empty when easy). */
  readonly hardBecause: readonly string[] | null
}

/** USD for this request on this model (prompt at input price, expected output at output price). */
function estimateCost(model: ModelInfo | null, profile: RequestProfile): number | null {
  if (!model) return null
  return (profile.promptTokens * model.price.input + profile.expectedOutputTokens * model.price.output) / 1_000_000
}

/**
 * The tokens a request reserves against a target's limits: its prompt plus the most it may write — the
 * client's `max_completion_tokens` / `max_tokens`, else the target's default (routes.yaml
 * `default_max_tokens`, 4096: what Anthropic is sent, and the estimate for providers sent no cap), never
 * more than the model's max output. Providers count the same: Anthropic estimates output from `max_tokens`,
 * OpenAI counts a given max against TPM. Always finite, whatever the catalog knows of the model.
 */
export function needOf(profile: RequestProfile, member: RouteMember): Need {
  const asked = profile.maxOutputTokens ?? member.target.defaultMaxTokens ?? DEFAULT_MAX_TOKENS
  const output = Math.min(asked, member.model?.maxOutput ?? asked)
  return { tokens: profile.promptTokens + output, inputTokens: profile.promptTokens, outputTokens: output }
}

function missingCapability(model: ModelInfo | null, needs: Needs, require: Readonly<Needs>): keyof Needs | null {
  if (!model) return null // unknown models are assumed able; the provider answers otherwise
  const c = model.capabilities
  if ((needs.tools || require.tools) && !c.tools) return 'tools'
  if ((needs.vision || require.vision) && !c.vision) return 'vision'
  if ((needs.jsonSchema || require.jsonSchema) && !c.jsonSchema) return 'jsonSchema'
  return null
}

/** Why this target can't take this request now, or null when it can. `wallNow` is for opossum's clock. */
export function skipReason(
  member: RouteMember,
  state: TargetState,
  need: Need,
  profile: RequestProfile,
  route: CompiledRoute,
  now: number,
  wallNow: number,
): SkipReason | null {
  // Chat requests go to chat models, embeddings to embedding models; a model the catalog does not know may be either.
  const kind = member.model?.kind
  if (kind !== undefined && kind !== profile.kind)
    return { kind: kind === 'embedding' ? 'embedding_model' : 'chat_model' }
  if (profile.requirePrice && !member.model) return { kind: 'unpriced' }
  const missing = missingCapability(member.model, profile.needs, route.require)
  if (missing) return { kind: 'capability', missing }
  if (member.model && profile.contextTokens > member.model.context)
    return {
      kind: 'context',
      need: profile.contextTokens,
      limit: member.model.context,
      ...(profile.kind === 'embedding' ? { input: true as const } : {}),
    }
  const over = state.limits.tooLarge(need)
  if (over) return { kind: 'too_large', ...over }
  const breaker = state.health.breakerState()
  if (breaker === 'open') {
    const at = state.health.halfOpenAt()
    return { kind: 'breaker_open', untilMs: at === null ? null : now + Math.max(0, at - wallNow) }
  }
  if (breaker === 'probing') return { kind: 'probing' }
  const cooling = state.health.coolingUntil(now)
  if (cooling !== null) return { kind: 'cooling', untilMs: cooling }
  const limits = state.limits
  if (limits.concurrency !== null && limits.inFlight >= limits.concurrency) return { kind: 'concurrency' }
  if (!limits.fits(need, now)) return { kind: 'no_headroom', untilMs: limits.recoveryAt(need, now) }
  return null
}

export function plan(
  route: CompiledRoute,
  profile: RequestProfile,
  states: TargetStates,
  now: number,
  random: () => number,
  wallNow = Date.now(),
): Plan {
  const eligible: PlannedCandidate[] = []
  const skipped: Skipped[] = []
  const latencyKind = profile.stream ? 'ttft' : 'total'
  for (const member of route.members) {
    const state = states.get(member.target, member.provider.stateConfig, now)
    const need = needOf(profile, member)
    const reason = skipReason(member, state, need, profile, route, now, wallNow)
    if (reason) {
      skipped.push({ target: member.target, reason })
      continue
    }
    const lat = state.health.latency(latencyKind)
    eligible.push({
      target: member.target,
      position: member.position,
      model: member.model,
      weight: member.weight,
      tier: member.tier,
      estimatedCost: estimateCost(member.model, profile),
      latencyMs: lat.ewmaMs,
      latencySamples: lat.samples,
      latencyAgeMs: lat.lastAt === null ? null : now - lat.lastAt,
      headroom: state.limits.fraction(need, now),
      errorRate: state.health.errorRate(),
      member,
      state,
      need,
    })
  }
  const ctx: RoutingContext = { now, random, profile, params: route.params }
  const ranked = strategyFor(route.strategy)(eligible, ctx) as readonly PlannedCandidate[]
  // A strategy that drops candidates does so for a hard constraint: say which.
  if (ranked.length < eligible.length) {
    const kept = new Set(ranked)
    for (const c of eligible) {
      if (kept.has(c)) continue
      const what =
        route.params.maxCostPerRequest !== null &&
        c.estimatedCost !== null &&
        c.estimatedCost > route.params.maxCostPerRequest
          ? 'cost'
          : 'latency'
      skipped.push({ target: c.target, reason: { kind: 'constraint', what } })
    }
  }
  const hardBecause =
    route.strategy === 'cascade' ? classifyComplexity(profile.complexity, route.params.cascade).reasons : null
  return { route, ranked, skipped, hardBecause }
}
