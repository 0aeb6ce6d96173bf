/**
 * Gemini's rate-limit facts → RateLimitSnapshot. Gemini sends no rate-limit headers on any response
 * (python-genai#1721), so a success yields nothing and a 429's body is the only source, through its
 * `error.details` (google.rpc types, https://cloud.google.com/apis/design/errors#error_details):
 * - `RetryInfo.retryDelay`: a proto Duration string, `"15s"`, `"0.5s"`, `"1.000340s"`. Reliable, and
 *   what Google's own clients wait for (python-genai#1875).
 * - `QuotaFailure.violations[]`: `{quotaId, quotaMetric, quotaValue}`, e.g. quotaId
 *   `GenerateRequestsPerMinutePerProjectPerModel-FreeTier` with quotaValue `"10"`: the limit of the
 *   quota that was hit. Read here only for per-minute quotas (the windows Headroom counts in), and
 *   only as a limit: a request-count quota that was hit has nothing left; a token quota may still fit a
 *   smaller request, so its `remaining` stays unknown. Per-day quotas (`…PerDay…`) reset at midnight
 *   Pacific time, which no field says; they are left to `retryAfterMs`.
 * The quotaId naming is observed, not documented (https://ai.google.dev/gemini-api/docs/rate-limits);
 * anything that does not match is ignored rather than guessed at.
 */
import type { RateLimitSnapshot, RateLimitWindow } from '../types.ts'

const DURATION = /^(-?\d+(?:\.\d+)?)s$/

/** A proto Duration JSON string (`"15s"`, `"0.5s"`) → milliseconds; undefined when not one or negative. */
export function parseRetryDelayMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const m = DURATION.exec(value.trim())
  if (!m) return undefined
  const seconds = Number(m[1])
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

/** The details entry whose `@type` is `type.googleapis.com/google.rpc.<name>`. */
export function findDetail(details: readonly unknown[], name: string): Record<string, unknown> | undefined {
  for (const d of details) {
    const rec = record(d)
    const type = rec?.['@type']
    if (typeof type === 'string' && type.endsWith(`google.rpc.${name}`)) return rec
  }
  return undefined
}

type WindowKey = 'requests' | 'tokens' | 'inputTokens'

function windowKey(quotaId: string, metric: string): WindowKey | undefined {
  if (!quotaId.includes('PerMinute')) return undefined
  const both = `${quotaId} ${metric}`
  if (/input_?tokens?/i.test(both)) return 'inputTokens'
  if (/tokens?/i.test(both)) return 'tokens'
  if (/requests?/i.test(both)) return 'requests'
  return undefined
}

/** Null when the details carry neither a retry delay nor a recognised per-minute quota. */
export function parseGeminiRateLimits(details: readonly unknown[], now: number): RateLimitSnapshot | null {
  const snap: RateLimitSnapshot = { at: now }
  let any = false
  const retryAfterMs = parseRetryDelayMs(findDetail(details, 'RetryInfo')?.['retryDelay'])
  if (retryAfterMs !== undefined) {
    snap.retryAfterMs = retryAfterMs
    any = true
  }
  const violations = findDetail(details, 'QuotaFailure')?.['violations']
  if (Array.isArray(violations)) {
    for (const v of violations) {
      const rec = record(v)
      if (!rec) continue
      const quotaId = typeof rec['quotaId'] === 'string' ? rec['quotaId'] : ''
      const metric = typeof rec['quotaMetric'] === 'string' ? rec['quotaMetric'] : ''
      const key = windowKey(quotaId, metric)
      const limit = Number(rec['quotaValue'])
      if (!key || !Number.isFinite(limit) || limit <= 0 || snap[key]) continue
      const w: RateLimitWindow = { limit }
      if (key === 'requests') w.remaining = 0
      if (retryAfterMs !== undefined) w.resetAt = now + retryAfterMs
      snap[key] = w
      any = true
    }
  }
  return any ? snap : null
}
