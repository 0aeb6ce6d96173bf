/**
 * One upstream attempt → its spend row: tokens as the provider counted them (or, without its closing
 * count, as estimated — and marked so), priced exactly from the catalog.
 */
import type { RequestContext } from '../routing/execute.ts'
import { estimateTextTokens } from '../routing/tokens.ts'
import type { ModelInfo } from '../catalog/types.ts'
import type { RequestProfile } from '../routing/types.ts'
import { targetSecrets, upstreamToken } from '../providers/redact.ts'
import type { ProviderError, ProviderUsage, Target, UpstreamMeta } from '../providers/types.ts'
import { priceUsage } from './pricing.ts'
import type { SpendOutcome, SpendRow, UsageSource } from './types.ts'
import type { CompiledRoute } from '../config/types.ts'

const NO_USAGE: ProviderUsage = { promptTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 0, reasoningTokens: 0 }

/**
 * The usage to record: the provider's closing count; else (no count, or a partial one from a stream that
 * did not complete) an estimate, never below what the provider had counted. The prompt is the provider's
 * when it counted one (Anthropic's `message_start` counts it exactly), else the request's estimate; the
 * completion is the larger of the provider's partial count and the estimate of the text produced.
 */
export function usageRow(reported: Pick<UpstreamMeta, 'usage' | 'usageFinal'>, profile: RequestProfile, producedText: () => string): { usage: ProviderUsage; source: UsageSource } {
  const partial = reported.usage
  if (partial && reported.usageFinal) return { usage: partial, source: 'provider' }
  const prompt = partial && partial.promptTokens > 0 ? partial : { promptTokens: profile.promptTokens, cachedTokens: 0, cacheWriteTokens: 0 }
  return {
    usage: {
      promptTokens: prompt.promptTokens,
      cachedTokens: prompt.cachedTokens,
      cacheWriteTokens: prompt.cacheWriteTokens,
      completionTokens: Math.max(partial?.completionTokens ?? 0, estimateTextTokens(producedText())),
      reasoningTokens: partial?.reasoningTokens ?? 0,
    },
    source: 'estimated',
  }
}

// The last model each target reported, scrubbed: a target reports the same one call after call, and
// the scrub (~0.4 µs) would otherwise run on every row.
const lastModel = new WeakMap<Target, { reported: string; kept: string }>()

/** The model the provider says served the call: scrubbed and bounded like every upstream string kept. */
function modelServed(reported: string, target: Target): string {
  const last = lastModel.get(target)
  if (last?.reported === reported) return last.kept
  const kept = upstreamToken(reported, targetSecrets(target))
  lastModel.set(target, { reported, kept })
  return kept
}

export function attemptRow(a: {
  ctx: RequestContext
  route: CompiledRoute
  profile: RequestProfile
  target: Target
  model?: ModelInfo | null
  attempt: number
  ts: number
  latencyMs: number
  ttftMs?: number | null
  outcome: SpendOutcome
  error?: ProviderError | undefined
  usage?: ProviderUsage
  usageSource?: UsageSource
  modelServed?: string | null
}): SpendRow {
  const usage = a.usage ?? NO_USAGE
  const { costMicrocents, priceEntry } = a.usage ? priceUsage(usage, a.model ?? null) : { costMicrocents: 0, priceEntry: null }
  return {
    ts: a.ts,
    requestId: a.ctx.requestId,
    clientRequestId: a.ctx.clientRequestId,
    virtualKey: a.ctx.virtualKey,
    endUser: a.ctx.endUser,
    route: a.route.name,
    provider: a.target.provider,
    keyAlias: a.target.keyAlias,
    modelRequested: a.ctx.modelRequested,
    modelServed: a.modelServed ? modelServed(a.modelServed, a.target) : a.target.model,
    stream: a.profile.stream,
    outcome: a.outcome,
    httpStatus: a.error ? (a.error.upstreamStatus ?? a.error.status) : 200,
    errorCode: a.error ? (a.error.code ?? a.error.kind) : null,
    attempt: a.attempt,
    promptTokens: usage.promptTokens,
    cachedTokens: usage.cachedTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    completionTokens: usage.completionTokens,
    reasoningTokens: usage.reasoningTokens,
    costMicrocents,
    latencyMs: Math.round(a.latencyMs),
    ttftMs: a.ttftMs === undefined || a.ttftMs === null ? null : Math.round(a.ttftMs),
    usageSource: a.usage ? (a.usageSource ?? 'provider') : 'none',
    priceEntry,
    queuedMs: a.ctx.queuedMs,
  }
}
