/**
 * Spend as an attempt listener: each attempt event becomes its spend row — tokens as the event carries
 * them, priced exactly from the event's catalog entry, the served model's name scrubbed and bounded like
 * every upstream string kept — handed to the sink (the batched writer).
 */
import { targetSecrets, upstreamToken } from '../providers/redact.ts'
import type { ProviderUsage, Target } from '../providers/types.ts'
import type { AttemptEvent, AttemptListener } from '../routing/events.ts'
import { priceUsage } from './pricing.ts'
import type { SpendRow, SpendSink } from './types.ts'

const NO_USAGE: ProviderUsage = {
  promptTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  completionTokens: 0,
  reasoningTokens: 0,
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

export function attemptRow(e: AttemptEvent): SpendRow {
  const usage = e.usage ?? NO_USAGE
  const { costMicrocents, priceEntry } = e.usage ? priceUsage(usage, e.model) : { costMicrocents: 0, priceEntry: null }
  return {
    ts: e.startedAt,
    requestId: e.ctx.requestId,
    clientRequestId: e.ctx.clientRequestId,
    virtualKey: e.ctx.virtualKey,
    endUser: e.ctx.endUser,
    route: e.route,
    provider: e.target.provider,
    keyAlias: e.target.keyAlias,
    modelRequested: e.ctx.modelRequested,
    modelServed: e.modelServed ? modelServed(e.modelServed, e.target) : e.target.model,
    stream: e.stream,
    outcome: e.outcome,
    httpStatus: e.status,
    errorCode: e.errorCode,
    attempt: e.attempt,
    promptTokens: usage.promptTokens,
    cachedTokens: usage.cachedTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    completionTokens: usage.completionTokens,
    reasoningTokens: usage.reasoningTokens,
    costMicrocents,
    latencyMs: Math.round(e.latencyMs),
    ttftMs: e.ttftMs === null ? null : Math.round(e.ttftMs),
    usageSource: e.usageSource,
    priceEntry,
    queuedMs: e.ctx.queuedMs,
  }
}

/** The spend ledger's listener: every attempt's row goes to the sink. */
export function spendListener(sink: SpendSink): AttemptListener {
  return { onAttempt: (e) => sink.write(attemptRow(e)) }
}
