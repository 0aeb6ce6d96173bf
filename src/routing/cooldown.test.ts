import { describe, expect, it } from 'vitest'
import { ProviderError, type ProviderErrorKind, type RateLimitSnapshot } from '../providers/types.ts'
import { cooldownUntil, rateLimitWaitMs } from './cooldown.ts'

const NOW = 1_700_000_000_000
const HOUR = 3_600_000
const MAX = 60_000
const failure = (kind: ProviderErrorKind, o: { retryAfterMs?: number; limits?: RateLimitSnapshot } = {}) =>
  new ProviderError({ provider: 'p', status: 429, kind, message: kind, ...o })

describe('cooldownUntil: what one failure may cost its target', () => {
  it('a 429 cools for what it asks — Retry-After / RetryInfo, else the reset of the window it exhausted, else 1 s', () => {
    expect(cooldownUntil(failure('rate_limit', { retryAfterMs: 7_000 }), NOW, MAX)).toBe(NOW + 7_000)
    expect(
      cooldownUntil(
        failure('rate_limit', {
          limits: {
            at: NOW,
            requests: { limit: 10, remaining: 0, resetAt: NOW + 20_000 },
            tokens: { limit: 9, remaining: 5, resetAt: NOW + 50_000 },
          },
        }),
        NOW,
        MAX,
      ),
    ).toBe(NOW + 20_000)
    expect(cooldownUntil(failure('rate_limit'), NOW, MAX)).toBe(NOW + 1_000)
  })

  it('but never longer than max_cooldown_ms, whichever way the hour was said', () => {
    expect(cooldownUntil(failure('rate_limit', { retryAfterMs: HOUR }), NOW, MAX)).toBe(NOW + MAX) // Retry-After: 3600, Gemini RetryInfo "3600s"
    expect(
      cooldownUntil(
        failure('rate_limit', { limits: { at: NOW, requests: { limit: 10, remaining: 0, resetAt: NOW + HOUR } } }),
        NOW,
        MAX,
      ),
    ).toBe(NOW + MAX)
    expect(cooldownUntil(failure('rate_limit', { retryAfterMs: HOUR }), NOW, 500)).toBe(NOW + 500)
  })

  it("a bad key and an exhausted quota keep Headroom's own fixed cooldowns; faults and the request's own errors cool nothing", () => {
    expect(cooldownUntil(failure('auth'), NOW, 500)).toBe(NOW + 60_000)
    expect(cooldownUntil(failure('quota'), NOW, 500)).toBe(NOW + 300_000)
    for (const kind of ['server', 'timeout', 'bad_request', 'cancelled'] as const)
      expect(cooldownUntil(failure(kind), NOW, MAX)).toBeNull()
  })

  it('the wait the provider asked for stays uncapped, for deciding whether to wait it out on the last target', () => {
    expect(rateLimitWaitMs(failure('rate_limit', { retryAfterMs: HOUR }), NOW)).toBe(HOUR)
  })
})
