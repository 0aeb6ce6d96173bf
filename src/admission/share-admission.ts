/**
 * A local admission confirmed by the shared state (shared-store.ts): one asynchronous round trip, only
 * when a shared state is configured and the request has something to share (key limits, budgets: the
 * key's and the route's, both checked and reserved in that one call).
 */
import type { ModelInfo } from '../catalog/types.ts'
import type { CompiledKey, CompiledRoute } from '../config/types.ts'
import type { ApiError } from '../lib/api-error.ts'
import { DAY_MS, dayStart, nextMonthStart } from '../lib/utc-period.ts'
import type { RequestProfile } from '../routing/types.ts'
import type { Admission, RequestFacts } from './admit.ts'
import { budgetVerdictError, inboundRefusal } from './policy.ts'
import type { SharedAdmission, SharedAsk, SharedBudget, SharedVerdict } from './shared-store.ts'

/** Micro-cents a request may cost on its route: the dearest priced member's estimate (the planner may pick any). */
function estimateMicrocents(members: readonly { model: ModelInfo | null }[], profile: RequestProfile): number {
  let most = 0
  for (const m of members) {
    if (!m.model) continue
    const usd = (profile.promptTokens * m.model.price.input + profile.expectedOutputTokens * m.model.price.output) / 1e6
    if (usd > most) most = usd
  }
  return Math.ceil(most * 1e8)
}

/** Every budget a request is under, the key's first (the order a single replica checks them in). */
function budgetsOf(key: CompiledKey | null, route: CompiledRoute): SharedBudget[] {
  const all: SharedBudget[] = []
  if (key?.budget) all.push({ scope: 'key', name: key.name, daily: key.budget.daily, monthly: key.budget.monthly })
  if (route.budget)
    all.push({ scope: 'route', name: route.name, daily: route.budget.daily, monthly: route.budget.monthly })
  return all
}

function askOf(
  facts: RequestFacts,
  key: CompiledKey | null,
  route: CompiledRoute,
  profile: RequestProfile,
): SharedAsk | null {
  const limits = key?.limits ?? null
  const budgets = budgetsOf(key, route)
  if (!limits && budgets.length === 0) return null
  return {
    requestId: facts.requestId,
    key:
      key && limits
        ? { name: key.name, rpm: limits.rpm ?? null, tpm: limits.tpm ?? null, concurrency: limits.concurrency ?? null }
        : null,
    tokens: profile.promptTokens + profile.expectedOutputTokens,
    budgets,
    estimate: budgets.length > 0 ? estimateMicrocents(route.members, profile) : 0,
  }
}

/**
 * A local admission, confirmed by the shared state: refused there, the local charge is taken back and
 * the answer is the same 429 a single replica gives. Without a shared state, or with nothing to share
 * (no key limits, no budget), the admission is returned as it was.
 */
export async function shareAdmission(
  admission: Admission,
  facts: RequestFacts,
  deps: { readonly shared?: SharedAdmission | null },
  now: number,
): Promise<Admission> {
  const shared = deps.shared
  if (!shared || !admission.ok) return admission
  const t = admission.ticket
  const ask = askOf(facts, facts.key, t.route, t.profile)
  if (!ask) return admission
  const v = await shared.admit(ask, now)
  if (!v.ok) {
    t.cancel(now)
    const refusal = { route: t.route.name, warnings: t.warnings, rateLimitHeaders: t.rateLimitHeaders }
    return { ok: false, refusal: { ...refusal, error: sharedRefusal(v, facts.key, now) } }
  }
  const headers = { ...t.rateLimitHeaders }
  if (v.remainingRequests !== null && 'x-ratelimit-remaining-requests' in headers)
    headers['x-ratelimit-remaining-requests'] = String(v.remainingRequests)
  if (v.remainingTokens !== null && 'x-ratelimit-remaining-tokens' in headers)
    headers['x-ratelimit-remaining-tokens'] = String(v.remainingTokens)
  return {
    ok: true,
    ticket: {
      ...t,
      rateLimitHeaders: headers,
      settle: (usage, at) => {
        t.settle(usage, at)
        void shared.release(facts.requestId, usage ? usage.promptTokens + usage.completionTokens : null, at)
      },
    },
  }
}

function sharedRefusal(v: Extract<SharedVerdict, { ok: false }>, key: CompiledKey | null, now: number): ApiError {
  if (!('retryAfterMs' in v)) {
    return budgetVerdictError(
      {
        ok: false,
        scope: v.scope,
        name: v.name,
        period: v.kind,
        limit: v.limit,
        spent: v.spent,
        resetsAt: v.kind === 'daily' ? dayStart(now) + DAY_MS : nextMonthStart(now),
      },
      now,
    )
  }
  const what =
    v.kind === 'concurrency'
      ? `${key!.limits!.concurrency} requests at once`
      : v.kind === 'tpm'
        ? `${key!.limits!.tpm} tokens per minute`
        : `${key!.limits!.rpm} requests per minute`
  return inboundRefusal(key!.name, { ok: false, retryAfterMs: v.retryAfterMs, headers: {}, what })
}
