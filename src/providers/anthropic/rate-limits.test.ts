import { describe, expect, it } from 'vitest'
import { headerSource } from '../types.ts'
import { parseAnthropicRateLimits } from './rate-limits.ts'

const NOW = Date.parse('2025-08-21T12:40:00Z')

describe('parseAnthropicRateLimits', () => {
  it('reads the families, with RFC 3339 resets as epoch ms; tokens only when it is all there is', () => {
    const h = new Headers({
      'anthropic-ratelimit-requests-limit': '1000',
      'anthropic-ratelimit-requests-remaining': '999',
      'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:01Z',
      // The most restrictive of the two below (the output limit, here).
      'anthropic-ratelimit-tokens-limit': '16000',
      'anthropic-ratelimit-tokens-remaining': '15500',
      'anthropic-ratelimit-tokens-reset': '2025-08-21T12:40:59Z',
      'anthropic-ratelimit-input-tokens-limit': '80000',
      'anthropic-ratelimit-input-tokens-remaining': '79500',
      'anthropic-ratelimit-input-tokens-reset': '2025-08-21T12:40:30.5Z',
      'anthropic-ratelimit-output-tokens-limit': '16000',
      'anthropic-ratelimit-output-tokens-remaining': '15500',
      'anthropic-ratelimit-output-tokens-reset': '2025-08-21T14:40:59+02:00',
    })
    expect(parseAnthropicRateLimits(h, NOW)).toEqual({
      at: NOW,
      requests: { limit: 1000, remaining: 999, resetAt: NOW + 1_000 },
      inputTokens: { limit: 80000, remaining: 79500, resetAt: NOW + 30_500 },
      outputTokens: { limit: 16000, remaining: 15500, resetAt: NOW + 59_000 },
    })
  })

  it('reads retry-after in seconds, and works on Node header records', () => {
    const h = headerSource({ 'retry-after': '7', 'anthropic-ratelimit-requests-remaining': '0' })
    expect(parseAnthropicRateLimits(h, NOW)).toEqual({ at: NOW, requests: { remaining: 0 }, retryAfterMs: 7000 })
  })

  it('reads retry-after as an HTTP date', () => {
    const h = new Headers({ 'retry-after': new Date(NOW + 12_000).toUTCString() })
    expect(parseAnthropicRateLimits(h, NOW)?.retryAfterMs).toBe(12_000)
  })

  it('skips unparsable values instead of inventing numbers', () => {
    const h = new Headers({
      'anthropic-ratelimit-tokens-limit': 'lots',
      'anthropic-ratelimit-tokens-reset': 'soon',
      'anthropic-ratelimit-tokens-remaining': '5',
    })
    expect(parseAnthropicRateLimits(h, NOW)).toEqual({ at: NOW, tokens: { remaining: 5 } })
  })

  it('is null when there are no rate-limit headers', () => {
    expect(parseAnthropicRateLimits(new Headers({ 'content-type': 'application/json' }), NOW)).toBeNull()
  })
})
