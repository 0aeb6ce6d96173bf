import { describe, expect, it } from 'vitest'
import { parseGeminiRateLimits, parseRetryDelayMs } from './rate-limits.ts'

const RETRY = (d: string) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: d })
const QUOTA = (...violations: unknown[]) => ({ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations })

describe('parseRetryDelayMs', () => {
  it.each([
    ['15s', 15_000],
    ['0.5s', 500],
    ['1.000340s', 1000],
    ['0s', 0],
    [' 3s ', 3000],
  ])('%j → %d ms', (v, ms) => {
    expect(parseRetryDelayMs(v)).toBe(ms)
  })

  it.each([['15'], ['15ms'], ['-1s'], ['1m'], [''], [15], [null]])('rejects %j', (v) => {
    expect(parseRetryDelayMs(v)).toBeUndefined()
  })
})

describe('parseGeminiRateLimits', () => {
  const now = 1_760_000_000_000

  it('reads RetryInfo and a per-minute request quota from the captured 429 body', () => {
    const details = [
      QUOTA({
        quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
        quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
        quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
        quotaValue: '10',
      }),
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [] },
      RETRY('15s'),
    ]
    expect(parseGeminiRateLimits(details, now)).toEqual({
      at: now,
      retryAfterMs: 15_000,
      requests: { limit: 10, remaining: 0, resetAt: now + 15_000 },
    })
  })

  it('reads per-minute input-token quotas as a limit only (a smaller request may still fit)', () => {
    const details = [
      QUOTA({
        quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count',
        quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier',
        quotaValue: '250000',
      }),
    ]
    expect(parseGeminiRateLimits(details, now)).toEqual({ at: now, inputTokens: { limit: 250_000 } })
  })

  it('ignores per-day quotas, unknown ids and unparsable values', () => {
    const details = [
      QUOTA(
        { quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaValue: '250' },
        { quotaId: 'SomethingPerMinute', quotaValue: '5' },
        { quotaId: 'GenerateRequestsPerMinutePerProject', quotaValue: 'lots' },
        'not an object',
      ),
    ]
    expect(parseGeminiRateLimits(details, now)).toBeNull()
  })

  it('is null without details, and for details of other types', () => {
    expect(parseGeminiRateLimits([], now)).toBeNull()
    expect(
      parseGeminiRateLimits([{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'X' }, null, 3], now),
    ).toBeNull()
  })
})
