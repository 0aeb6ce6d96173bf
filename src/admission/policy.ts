/**
 * Admission's refusals, each an ApiError whose message names what was exceeded and what to do: the
 * budgets of a request's key and route, and its key's own rate limits (admit.ts asks them in order).
 */
import type { CompiledKey, CompiledRoute } from '../config/types.ts'
import { pricesToAdd } from '../config/unpriced-targets.ts'
import { ApiError } from '../lib/api-error.ts'
import type { RequestProfile } from '../routing/types.ts'
import { type AppliedBudget, type BudgetTracker, type BudgetVerdict, describeBudget, usd } from './budgets.ts'
import type { InboundLimits, InboundVerdict } from './inbound.ts'

/**
 * Why the budget that applies (`budget`, null for none) refuses the request, or null when it does not:
 * 429 `budget_exceeded` once the key's or the route's spend reached its cap, until the period resets;
 * 403 `unpriced_model` when a budget applies and no target of the route has a price, since whatever it
 * served would cost $0 against the budget. Routes that mix priced and unpriced targets are served by the
 * priced ones (the planner skips the rest, see routing/plan.ts).
 */
export function budgetRefusal(
  budgets: BudgetTracker,
  budget: AppliedBudget | null,
  key: CompiledKey | null,
  route: CompiledRoute,
  model: string,
  now: number,
): ApiError | null {
  const v = budgets.check(key, route, now)
  if (!v.ok) return budgetVerdictError(v, now)
  if (budget && !route.members.some((m) => m.model)) return unpriced(model, route, budget)
  return null
}

/** 429 `budget_exceeded` for a budget that is spent: which one, how much, and when it resets. */
export function budgetVerdictError(v: Extract<BudgetVerdict, { ok: false }>, now: number): ApiError {
  const who = v.scope === 'key' ? `key "${v.name}"` : `route "${v.name}"`
  const resets = new Date(v.resetsAt).toISOString()
  return new ApiError(
    429,
    `Budget exceeded: the ${v.period} budget of ${usd(v.limit)} for ${who} is spent (${usd(v.spent)} so far). It resets at ${resets}.`,
    'budget_exceeded',
    null,
    'insufficient_quota',
    // Waiting seconds won't help: tell OpenAI SDKs not to retry (they honour x-should-retry).
    { 'retry-after': String(Math.max(1, Math.ceil((v.resetsAt - now) / 1000))), 'x-should-retry': 'false' },
  )
}

/** Targets named in the 403 and its `models:` example; routes are short, but the message is bounded. */
const MAX_NAMED_TARGETS = 5

function unpriced(model: string, route: CompiledRoute, budget: AppliedBudget): ApiError {
  const targets = [...new Set(route.members.map((m) => m.target.id))].slice(0, MAX_NAMED_TARGETS)
  const which = targets.length === 1 && targets[0] === model ? `"${model}"` : `"${model}" (${targets.join(', ')})`
  return new ApiError(
    403,
    `The model ${which} has no price, so ${describeBudget(budget)} cannot count its cost. Give it a price in routes.yaml (USD per 1M tokens): ${pricesToAdd(targets)}.`,
    'unpriced_model',
    'model',
    'permission_error',
  )
}

/**
 * The key's own limits, before routing: admitted, the request is charged (its prompt estimate and the
 * output it may write) and the headers say so; refused, `inboundRefusal` says why.
 */
export function admitInbound(
  inbound: InboundLimits,
  key: CompiledKey | null,
  profile: RequestProfile,
  now: number,
): InboundVerdict {
  const need = {
    tokens: profile.promptTokens + profile.expectedOutputTokens,
    inputTokens: profile.promptTokens,
    outputTokens: profile.expectedOutputTokens,
  }
  return inbound.admit(key, need, now)
}

/**
 * 429 for a request its key's limits refused: when to retry, or — larger than a limit itself — that no retry would
 * help.
 */
export function inboundRefusal(keyName: string, v: Extract<InboundVerdict, { ok: false }>): ApiError {
  if (v.retryAfterMs === null) {
    // OpenAI's answer to a request larger than a TPM limit ("Request too large"), and no retry: none would fit.
    return new ApiError(
      429,
      `Request too large for key "${keyName}": it ${v.what}. Lower max_tokens or shorten the prompt.`,
      'rate_limit_exceeded',
      null,
      'rate_limit_error',
      {
        'x-should-retry': 'false',
      },
    )
  }
  return new ApiError(
    429,
    `Rate limit reached for key "${keyName}": ${v.what}. Retry after the time in the retry-after header.`,
    'rate_limit_exceeded',
    null,
    'rate_limit_error',
    {
      'retry-after': String(Math.ceil(v.retryAfterMs / 1000)),
      'retry-after-ms': String(Math.ceil(v.retryAfterMs)),
    },
  )
}
