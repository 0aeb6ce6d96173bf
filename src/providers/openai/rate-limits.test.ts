import { describe, expect, it } from 'vitest'
import { headerSource } from '../types.ts'
import { parseOpenAIRateLimits } from './rate-limits.ts'

describe('parseOpenAIRateLimits', () => {
  const now = 1_000_000
  it('reads the six headers with Go-duration resets', () => {
    const snap = parseOpenAIRateLimits(
      headerSource({
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '59',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-tokens': '6m0s',
      }),
      now,
    )
    expect(snap).toEqual({
      at: now,
      requests: { limit: 60, remaining: 59, resetAt: now + 1000 },
      tokens: { limit: 150000, remaining: 149984, resetAt: now + 360_000 },
    })
  })

  it('carries retry-after on a 429', () => {
    expect(parseOpenAIRateLimits(headerSource({ 'retry-after': '3' }), now)).toEqual({ at: now, retryAfterMs: 3000 })
  })

  it('is null when the headers are absent (they can be: community.openai.com/t/935514)', () => {
    expect(parseOpenAIRateLimits(headerSource({}), now)).toBeNull()
  })
})
