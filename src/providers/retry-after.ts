/**
 * Retry hints, as the providers send them. Pure; `now` is passed in.
 * - `retry-after-ms`: milliseconds (OpenAI, Anthropic SDK convention)
 * - `retry-after`: seconds (integer or fractional) or an HTTP date (RFC 9110 §10.2.3)
 */
import type { HeaderSource } from './types.ts'

export function parseRetryAfterMs(headers: HeaderSource, now: number): number | undefined {
  const ms = headers.get('retry-after-ms')
  if (ms !== null) {
    const n = Number(ms)
    if (Number.isFinite(n) && n >= 0) return n
  }
  const ra = headers.get('retry-after')
  if (ra === null || ra.trim() === '') return undefined
  const secs = Number(ra)
  if (Number.isFinite(secs)) return secs >= 0 ? secs * 1000 : undefined
  const date = Date.parse(ra)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

const GO_UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001,
}
const GO_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy

/**
 * A Go `time.Duration` string as OpenAI sends in `x-ratelimit-reset-*` (`6m0s`, `1s`, `20ms`, `1h2m3.5s`)
 * → milliseconds. Undefined when the string is not such a duration.
 * https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 */
export function parseGoDurationMs(s: string | null): number | undefined {
  if (s === null) return undefined
  const t = s.trim()
  if (t === '') return undefined
  if (t === '0') return 0
  GO_PART.lastIndex = 0
  let total = 0
  let pos = 0
  let m: RegExpExecArray | null
  while ((m = GO_PART.exec(t)) !== null) {
    total += Number(m[1]) * GO_UNIT_MS[m[2]!]!
    pos = GO_PART.lastIndex
  }
  return pos === t.length && pos > 0 ? total : undefined
}

/** Milliseconds → a Go duration string like OpenAI's (`6m0s`, `1s`, `250ms`). */
export function formatGoDuration(ms: number): string {
  if (ms <= 0) return '0s'
  if (ms < 1000) return `${Math.ceil(ms)}ms`
  const totalS = ms / 1000
  const h = Math.floor(totalS / 3600)
  const m = Math.floor((totalS % 3600) / 60)
  const s = totalS - h * 3600 - m * 60
  const sStr = Number.isInteger(s) ? String(s) : String(Math.round(s * 1000) / 1000)
  if (h > 0) return `${h}h${m}m${sStr}s`
  if (m > 0) return `${m}m${sStr}s`
  return `${sStr}s`
}
