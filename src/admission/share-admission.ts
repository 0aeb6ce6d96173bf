/**
 * A local admission confirmed by the shared state (shared-store.ts): one asynchronous round trip, only
 * when a shared state is configured and the request has something to share (key limits, a budget).
 */
import type { ModelInfo } from '../catalog/types.ts'
import type { CompiledKey } from '../config/types.ts'
import type { ApiError } from '../lib/api-error.ts'
import { DAY_MS, dayStart, nextMonthStart } from '../lib/utc-period.ts'
import type { RequestProfile } from '../routing/types.ts'
import type { Admission, RequestFacts } from './admit.ts'
import { type AppliedBudget, type BudgetTracker, budgetThatApplies } from './budgets.ts'
import { budgetVerdictError, inboundRefusal } from './policy.ts'
import type { SharedAdmission, SharedAsk, SharedVerdict } from './shared-store.ts'

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

function askOf(
  facts: RequestFacts,
  key: CompiledKey | null,
  budget: AppliedBudget | null,
  budgets: BudgetTracker,
  profile: RequestProfile,
  members: readonly { model: ModelInfo | null }[],
  now: number,
): SharedAsk | null {
  const limits = key?.limits ?? null
  if (!limits && !budget) return null
  return {
    requestId: facts.requestId,
    key:
      key && limits
        ? { name: key.name, rpm: limits.rpm ?? null, tpm: limits.tpm ?? null, concurrency: limits.concurrency ?? null }
        : null,
    tokens: profile.promptTokens + profile.expectedOutputTokens,
    budget: budget
      ? {
          scope: budget.scope,
          name: budget.name,
          daily: budget.limits.daily,
          monthly: budget.limits.monthly,
          estimate: estimateMicrocents(members, profile),
          localDay: budgets.spent(budget.scope, budget.name, 'daily', now),
          localMonth: budgets.spent(budget.scope, budget.name, 'monthly', now),
        }
      : null,
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
  deps: { readonly shared?: SharedAdmission | null; readonly budgets: BudgetTracker },
  now: number,
): Promise<Admission> {
  const shared = deps.shared
  if (!shared || !admission.ok) return admission
  const t = admission.ticket
  const budget = budgetThatApplies(facts.key, t.route)
  const ask = askOf(facts, facts.key, budget, deps.budgets, t.profile, t.route.members, now)
  if (!ask) return admission
  const v = await shared.admit(ask, now)
  if (!v.ok) {
    t.cancel(now)
    const refusal = { route: t.route.name, warnings: t.warnings, rateLimitHeaders: t.rateLimitHeaders }
    return { ok: false, refusal: { ...refusal, error: sharedRefusal(v, facts.key, budget, now) } }
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

function sharedRefusal(
  v: Extract<SharedVerdict, { ok: false }>,
  key: CompiledKey | null,
  budget: AppliedBudget | null,
  now: number,
): ApiError {
  if (!('retryAfterMs' in v)) {
    return budgetVerdictError(
      {
        ok: false,
        scope: budget!.scope,
        name: budget!.name,
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
