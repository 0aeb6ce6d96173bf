/**
 * Anthropic's rate-limit headers → RateLimitSnapshot. Four families, each with `-limit`, `-remaining`
 * and `-reset`, where the reset is an RFC 3339 timestamp (absolute, unlike OpenAI's durations):
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-*`; `tokens` is the most
 * restrictive token limit currently in effect. A 429 adds `retry-after` in seconds.
 * https://docs.claude.com/en/api/rate-limits#response-headers
 *
 * `tokens` is kept only when neither input-tokens nor output-tokens came: it repeats one of them (which
 * one changes from answer to answer), and read as a limit on prompt + output it would turn away a
 * request that each of Anthropic's own limits, input (ITPM) and output (OTPM), admits.
 */
import { parseRetryAfterMs } from '../retry-after.ts'
import type { HeaderSource, RateLimitSnapshot, RateLimitWindow } from '../types.ts'

/**
 * Each family's three headers (limit, remaining, reset), spelled out once (not built per call: a fresh
 * string is a slower key), and the snapshot's key for it.
 */
const FAMILIES = [
  [
    [
      'anthropic-ratelimit-requests-limit',
      'anthropic-ratelimit-requests-remaining',
      'anthropic-ratelimit-requests-reset',
    ],
    'requests',
  ],
  [
    ['anthropic-ratelimit-tokens-limit', 'anthropic-ratelimit-tokens-remaining', 'anthropic-ratelimit-tokens-reset'],
    'tokens',
  ],
  [
    [
      'anthropic-ratelimit-input-tokens-limit',
      'anthropic-ratelimit-input-tokens-remaining',
      'anthropic-ratelimit-input-tokens-reset',
    ],
    'inputTokens',
  ],
  [
    [
      'anthropic-ratelimit-output-tokens-limit',
      'anthropic-ratelimit-output-tokens-remaining',
      'anthropic-ratelimit-output-tokens-reset',
    ],
    'outputTokens',
  ],
] as const

function num(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) ? n : undefined
}

function timestamp(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined
  const t = Date.parse(v)
  return Number.isNaN(t) ? undefined : t
}

function window(h: HeaderSource, names: readonly [string, string, string]): RateLimitWindow | undefined {
  const limit = num(h.get(names[0]))
  const remaining = num(h.get(names[1]))
  const resetAt = timestamp(h.get(names[2]))
  if (limit === undefined && remaining === undefined && resetAt === undefined) return undefined
  const w: RateLimitWindow = {}
  if (limit !== undefined) w.limit = limit
  if (remaining !== undefined) w.remaining = remaining
  if (resetAt !== undefined) w.resetAt = resetAt
  return w
}

/** Null when the response carried none of these headers (e.g. a proxy that strips them). */
export function parseAnthropicRateLimits(h: HeaderSource, now: number): RateLimitSnapshot | null {
  const snap: RateLimitSnapshot = { at: now }
  let found = false
  for (const [names, key] of FAMILIES) {
    const w = window(h, names)
    if (w) {
      snap[key] = w
      found = true
    }
  }
  if (snap.inputTokens || snap.outputTokens) delete snap.tokens
  const retryAfterMs = parseRetryAfterMs(h, now)
  if (retryAfterMs !== undefined) {
    snap.retryAfterMs = retryAfterMs
    found = true
  }
  return found ? snap : null
}
