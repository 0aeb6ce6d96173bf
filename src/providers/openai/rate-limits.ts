/**
 * OpenAI's rate-limit headers → RateLimitSnapshot. Resets are relative Go durations measuring the time
 * until the bucket is full again. https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 */
import { parseGoDurationMs, parseRetryAfterMs } from '../retry-after.ts'
import type { HeaderSource, RateLimitSnapshot, RateLimitWindow } from '../types.ts'

function num(v: string | null): number | undefined {
  if (v === null || v === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

/** The three headers of one window, spelled out once (not built per call: a fresh string is a slower key). */
const WINDOWS = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const

function window(
  h: HeaderSource,
  names: (typeof WINDOWS)[keyof typeof WINDOWS],
  now: number,
): RateLimitWindow | undefined {
  const limit = num(h.get(names[0]))
  const remaining = num(h.get(names[1]))
  const resetMs = parseGoDurationMs(h.get(names[2]))
  if (limit === undefined && remaining === undefined && resetMs === undefined) return undefined
  const w: RateLimitWindow = {}
  if (limit !== undefined) w.limit = limit
  if (remaining !== undefined) w.remaining = remaining
  if (resetMs !== undefined) w.resetAt = now + resetMs
  return w
}

export function parseOpenAIRateLimits(h: HeaderSource, now: number): RateLimitSnapshot | null {
  const requests = window(h, WINDOWS.requests, now)
  const tokens = window(h, WINDOWS.tokens, now)
  const retryAfterMs = parseRetryAfterMs(h, now)
  if (!requests && !tokens && retryAfterMs === undefined) return null
  const snap: RateLimitSnapshot = { at: now }
  if (requests) snap.requests = requests
  if (tokens) snap.tokens = tokens
  if (retryAfterMs !== undefined) snap.retryAfterMs = retryAfterMs
  return snap
}
