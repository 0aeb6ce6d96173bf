import { describe, expect, it } from 'vitest'
import type { ProviderUsage } from '../providers/types.ts'
import { attemptUsage } from './attempt-usage.ts'
import { buildProfile } from './profile.ts'
import { estimateTextTokens } from './tokens.ts'

const profile = buildProfile(
  { model: 'm', messages: [{ role: 'user', content: 'Tell me about the tides, at some length please.' }] },
  { defaultExpectedOutput: 256, requirePrice: false },
)
const TEXT = 'The tide turns twice a day, pulled by the moon and, to a lesser degree, the sun.'
const usage = (u: Partial<ProviderUsage>): ProviderUsage => ({
  promptTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  completionTokens: 0,
  reasoningTokens: 0,
  ...u,
})

describe('attemptUsage', () => {
  it('keeps the provider’s closing count as it is', () => {
    const u = usage({ promptTokens: 40, cachedTokens: 8, completionTokens: 3 })
    expect(attemptUsage({ usage: u, usageFinal: true }, profile, () => TEXT)).toEqual({ usage: u, source: 'provider' })
  })

  it('estimates when there is no count: the request’s prompt estimate, the text produced', () => {
    expect(attemptUsage({ usage: null, usageFinal: false }, profile, () => TEXT)).toEqual({
      usage: usage({ promptTokens: profile.promptTokens, completionTokens: estimateTextTokens(TEXT) }),
      source: 'estimated',
    })
  })

  it('a partial count (message_start’s): its prompt counts are kept, its placeholder output is raised to the estimate', () => {
    const partial = usage({ promptTokens: 2572, cachedTokens: 2048, cacheWriteTokens: 512, completionTokens: 1 })
    expect(attemptUsage({ usage: partial, usageFinal: false }, profile, () => TEXT)).toEqual({
      usage: { ...partial, completionTokens: estimateTextTokens(TEXT) },
      source: 'estimated',
    })
  })

  it('never records less than the provider had counted', () => {
    const partial = usage({ promptTokens: 30, completionTokens: 500, reasoningTokens: 480 })
    expect(attemptUsage({ usage: partial, usageFinal: false }, profile, () => TEXT)).toEqual({
      usage: partial,
      source: 'estimated',
    })
  })

  it('a partial count without a prompt count takes the prompt estimate', () => {
    expect(
      attemptUsage({ usage: usage({ completionTokens: 2 }), usageFinal: false }, profile, () => TEXT).usage
        .promptTokens,
    ).toBe(profile.promptTokens)
  })
})
