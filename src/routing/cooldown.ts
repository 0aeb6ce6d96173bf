/**
 * How long a failed attempt takes its target out. A 429 says how long itself — its Retry-After, the reset
 * of the window it exhausted, Gemini's RetryInfo — and that number comes from upstream, unbounded: it is
 * capped at the provider's `max_cooldown_ms`, so that one answer (or a proxy's misconfigured header) cannot
 * take a target out for an hour. After the capped cooldown the next request re-probes the target, and a
 * new 429 cools it again.
 *
 * A rejected key and an exhausted quota cool for Headroom's own fixed times instead, not capped: they are
 * no upstream's number, they are bounded already, and what they report needs a person to fix — probing
 * sooner would only add failing calls.
 */
import type { ProviderError, RateLimitSnapshot } from '../providers/types.ts'

const AUTH_COOLDOWN_MS = 60_000
const QUOTA_COOLDOWN_MS = 300_000
/** A 429 that says nothing about when. */
const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 1_000

/** The latest reset among the windows a snapshot reports as exhausted. */
function exhaustedUntil(snap: RateLimitSnapshot | null): number | null {
  if (!snap) return null
  let until: number | null = null
  for (const w of [snap.requests, snap.tokens, snap.inputTokens, snap.outputTokens]) {
    if (w && w.remaining !== undefined && w.remaining <= 0 && w.resetAt !== undefined)
      until = Math.max(until ?? 0, w.resetAt)
  }
  return until
}

/** The wait a 429 asks for, in ms from `now`, as the provider said it (uncapped: what retries go by). */
export function rateLimitWaitMs(pe: ProviderError, now: number): number {
  if (pe.retryAfterMs !== null) return pe.retryAfterMs
  const until = exhaustedUntil(pe.limits)
  return until !== null ? Math.max(0, until - now) : DEFAULT_RATE_LIMIT_COOLDOWN_MS
}

/** The longest cooldown `cooldownUntil` can set under a provider's `max_cooldown_ms`. */
export function longestCooldownMs(maxCooldownMs: number): number {
  return Math.max(maxCooldownMs, AUTH_COOLDOWN_MS, QUOTA_COOLDOWN_MS)
}

/** Until when (epoch ms) a failure cools its target; null when it imposes no cooldown. */
export function cooldownUntil(pe: ProviderError, now: number, maxCooldownMs: number): number | null {
  switch (pe.kind) {
    case 'auth':
      return now + AUTH_COOLDOWN_MS
    case 'quota':
      return now + QUOTA_COOLDOWN_MS
    case 'rate_limit':
      return now + Math.min(rateLimitWaitMs(pe, now), maxCooldownMs)
    default:
      return null
  }
}
