/**
 * The usage an attempt is recorded with — in its attempt event, against its target's limits and the
 * client key's: the provider's closing count, or, without it, an estimate (marked so).
 */
import type { ProviderUsage, UpstreamMeta } from '../providers/types.ts'
import type { UsageSource } from './events.ts'
import { estimateTextTokens } from './tokens.ts'
import type { RequestProfile } from './types.ts'

/**
 * The provider's closing count; else (no count, or a partial one from a stream that did not complete)
 * an estimate, never below what the provider had counted. The prompt is the provider's when it counted
 * one (Anthropic's `message_start` counts it exactly), else the request's estimate; the completion is the
 * larger of the provider's partial count and the estimate of the text produced.
 */
export function attemptUsage(
  reported: Pick<UpstreamMeta, 'usage' | 'usageFinal'>,
  profile: RequestProfile,
  producedText: () => string,
): { usage: ProviderUsage; source: UsageSource } {
  const partial = reported.usage
  if (partial && reported.usageFinal) return { usage: partial, source: 'provider' }
  const prompt =
    partial && partial.promptTokens > 0
      ? partial
      : { promptTokens: profile.promptTokens, cachedTokens: 0, cacheWriteTokens: 0 }
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
