/**
 * Admission: one call decides whether a validated request may start, and on what terms. In order:
 *  1. the route that serves the model asked for (404 when none; an id that matched nothing is served by
 *     the default_route, and said so: a warning on the answer, a throttled line in the log — chat only:
 *     an embedding is comparable only with vectors of the model it names, so there it is a 404);
 *  2. whether the caller's key may use that route (403);
 *  3. the budgets of the key and the route (429 once spent, 403 when no target could be metered);
 *  4. the key's own rate limits (429), which charge the request when they admit it.
 * Its priority is the `x-headroom-priority` header, else the key's default, else normal. Waiting for
 * headroom (the queue) comes later, when the attempt loop finds no target with room (routing/plan-or-wait.ts).
 *
 * Admitted, the request gets a ticket: its route, profile and context for execution, and the key's
 * charge to settle once the usage is known. Refused, it gets what the error answer needs to say.
 */

import type { ModelKind } from '../catalog/types.ts'
import type { Priority } from '../config/schema.ts'
import type { CompiledConfig, CompiledKey, CompiledRoute } from '../config/types.ts'
import { ApiError } from '../lib/api-error.ts'
import type { LogThrottle } from '../lib/log-throttle.ts'
import type { EmbeddingRequest } from '../providers/embeddings-schema.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import type { ProviderUsage } from '../providers/types.ts'
import { buildEmbeddingProfile } from '../routing/embedding-profile.ts'
import type { RequestContext } from '../routing/events.ts'
import { modelNotFound } from '../routing/model-not-found.ts'
import { buildProfile } from '../routing/profile.ts'
import { fallbackWarning, resolveModel } from '../routing/resolve.ts'
import type { RequestProfile } from '../routing/types.ts'
import { type BudgetTracker, budgetThatApplies } from './budgets.ts'
import type { InboundLimits } from './inbound.ts'
import { admitInbound, budgetRefusal, inboundRefusal } from './policy.ts'
import type { SharedAdmission } from './shared-store.ts'

export interface AdmissionDeps {
  /** Spend so far per key and route, against their budgets. */
  readonly budgets: BudgetTracker
  /** Each client key's own limits. */
  readonly inbound: InboundLimits
  /** Where a model id served by the default_route is reported, throttled. */
  readonly clientWarnings: LogThrottle
  /** Limits and budgets shared with other replicas (Redis); absent: this process alone counts. */
  readonly shared?: SharedAdmission | null
}

/** What admission decides on: the request as validated (a chat request, or embeddings), and who sent it. */
export type RequestFacts = ChatFacts | EmbeddingFacts

interface ChatFacts extends CallerFacts {
  readonly kind?: 'chat'
  readonly req: ChatRequest
}

interface EmbeddingFacts extends CallerFacts {
  readonly kind: 'embedding'
  readonly req: EmbeddingRequest
}

interface CallerFacts {
  /** The caller's client key; null when the router is open (or the admin key called). */
  readonly key: CompiledKey | null
  /** The `x-headroom-priority` header; undefined when it was not sent. */
  readonly priority: Priority | undefined
  readonly requestId: string
  readonly clientRequestId: string | null
}

export interface Ticket {
  readonly route: CompiledRoute
  readonly profile: RequestProfile
  readonly ctx: RequestContext
  /** Headroom's x-headroom-warning items about the request (a model served by the default_route). */
  readonly warnings: readonly string[]
  /** The key's x-ratelimit-* headers, this request charged. */
  readonly rateLimitHeaders: Readonly<Record<string, string>>
  /**
   * Corrects the key's charge with the request's usage (null: none known — the charge is taken back as
   * it was). The first call counts; later ones do nothing.
   */
  settle(usage: ProviderUsage | null, now: number): void
  /** Takes the key's charge back whole (refused after all, by the limits shared across replicas). */
  cancel(now: number): void
}

export interface Refusal {
  readonly error: ApiError
  /** The route, when the refusal came after it was known (the answer names it). */
  readonly route: string | null
  readonly warnings: readonly string[]
  /** The key's x-ratelimit-* headers as the refusal leaves them; undefined: unchanged by admission. */
  readonly rateLimitHeaders?: Readonly<Record<string, string>>
}

export type Admission =
  | { readonly ok: true; readonly ticket: Ticket }
  | { readonly ok: false; readonly refusal: Refusal }

const NO_WARNINGS: readonly string[] = Object.freeze([])

export function admit(facts: RequestFacts, cfg: CompiledConfig, deps: AdmissionDeps, now: number): Admission {
  const { req, key } = facts
  const kind = facts.kind ?? 'chat'
  const resolved = resolveModel(cfg, req.model)
  if (resolved.route === null || (resolved.fallback && kind === 'embedding')) {
    const error = modelNotFound(cfg, req.model, resolved)
    return { ok: false, refusal: { error, route: null, warnings: NO_WARNINGS } }
  }
  const route = resolved.route
  let warnings = NO_WARNINGS
  if (resolved.fallback) {
    // Most likely a typo: served, but said so — to the client on every answer, in the log once per id.
    warnings = [fallbackWarning(req.model, route.name)]
    const what = 'a model matched no route or model and was served by default_route'
    deps.clientWarnings.warn(req.model, what, { model: req.model, route: route.name })
  }
  const refused = (error: ApiError, rateLimitHeaders?: Readonly<Record<string, string>>): Admission => ({
    ok: false,
    refusal: { error, route: route.name, warnings, rateLimitHeaders },
  })
  if (key && !key.allows(route.name)) return refused(notAllowed(key.name, route.name))
  if (route.kind !== null && route.kind !== kind) return refused(wrongKind(req.model, route.name, kind))
  const budget = budgetThatApplies(key, route)
  const overBudget = budgetRefusal(deps.budgets, budget, key, route, req.model, now)
  if (overBudget) return refused(overBudget)
  const profile =
    facts.kind === 'embedding'
      ? buildEmbeddingProfile(facts.req, { requirePrice: budget !== null })
      : buildProfile(facts.req, { defaultExpectedOutput: route.expectedOutputTokens, requirePrice: budget !== null })

  const inbound = admitInbound(deps.inbound, key, profile, now)
  if (!inbound.ok) return refused(inboundRefusal(key!.name, inbound), inbound.headers)
  const ticket: Ticket = {
    route,
    profile,
    ctx: {
      requestId: facts.requestId,
      clientRequestId: facts.clientRequestId,
      virtualKey: key?.name ?? null,
      endUser: req.user ?? null,
      modelRequested: req.model,
      priority: facts.priority ?? key?.priority ?? 'normal',
      queuedMs: 0,
    },
    warnings,
    rateLimitHeaders: inbound.headers,
    // The reservation is released once: later calls do nothing (HeadroomTracker.release).
    settle: (usage, at) => {
      const actual = usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } : null
      deps.inbound.release(key, inbound.reservation, actual, at)
    },
    cancel: (at) => deps.inbound.cancel(key, inbound.reservation, at),
  }
  return { ok: true, ticket }
}

/** An embeddings request for a chat model or route, or the other way round. */
function wrongKind(model: string, route: string, kind: ModelKind): ApiError {
  const what = route === model ? `"${model}"` : `"${model}" (route "${route}")`
  const message =
    kind === 'embedding'
      ? `${what} serves chat, not embeddings: use an embedding model (e.g. text-embedding-3-small) or a route of them.`
      : `${what} serves embeddings (/v1/embeddings), not chat: use a chat model or a route of them.`
  return new ApiError(400, message, 'model_not_supported', 'model', 'invalid_request_error')
}

/** 403: the key may not use the route. */
export function notAllowed(keyName: string, route: string): ApiError {
  const message = `The key "${keyName}" may not use "${route}" (its allowed routes are set in routes.yaml).`
  return new ApiError(403, message, 'route_not_allowed', 'model', 'permission_error')
}
