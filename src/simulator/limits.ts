/**
 * Rate limits per (API key × model): token buckets that hold at most `limit` and refill continuously
 * at limit / 60 s. A request is admitted only if every configured bucket holds its charge, and is then
 * charged at once (OpenAI-style): 1 request; prompt + max output tokens (× choices) against tpm;
 * prompt against itpm; max output against otpm. Nothing is refunded when the answer is shorter.
 * A refused request is not charged; its retry hint is the time until the bucket holds the charge.
 */
import { Lru } from '../lib/lru.ts'

export type WindowName = 'requests' | 'tokens' | 'input' | 'output'

interface Window {
  limit: number
  remaining: number
  /** Time until the bucket is full again (what OpenAI's reset headers measure). */
  resetMs: number
}

export type LimitState = Partial<Record<WindowName, Window>>

export interface Charge {
  requests: number
  tokens: number
  input: number
  output: number
}

export interface Caps {
  rpm?: number | undefined
  tpm?: number | undefined
  itpm?: number | undefined
  otpm?: number | undefined
  /** The refill window (default 60 s, as every provider counts). Tests shorten it to run in seconds. */
  windowMs?: number | undefined
}

export type Admission =
  | { ok: true; state: LimitState | null }
  | {
      ok: false
      state: LimitState
      window: WindowName
      retryMs: number
      limit: number
      used: number
      requested: number
    }

interface Bucket {
  cap: number
  level: number
  at: number
}

const MINUTE = 60_000
const NAMES: readonly WindowName[] = ['requests', 'tokens', 'input', 'output']

function capOf(c: Caps, w: WindowName): number | undefined {
  const v = w === 'requests' ? c.rpm : w === 'tokens' ? c.tpm : w === 'input' ? c.itpm : c.otpm
  return typeof v === 'number' && v > 0 ? v : undefined
}

export function hasLimits(c: Caps): boolean {
  return (
    capOf(c, 'requests') !== undefined ||
    capOf(c, 'tokens') !== undefined ||
    capOf(c, 'input') !== undefined ||
    capOf(c, 'output') !== undefined
  )
}

/**
 * Bucket sets kept at once. A scope is (api, key, model), all from clients: least recently used out (a dropped one
 * comes back full).
 */
const MAX_SCOPES = 10_000

export class RateLimiter {
  private readonly buckets = new Lru<string, Partial<Record<WindowName, Bucket>>>(MAX_SCOPES)

  clear(): void {
    this.buckets.clear()
  }

  /** Admits (and charges) or refuses a request. Call only when hasLimits(caps). */
  admit(scope: string, caps: Caps, charge: Charge, now: number): Admission {
    let set = this.buckets.get(scope)
    if (!set) this.buckets.set(scope, (set = {}))
    let refusal: Extract<Admission, { ok: false }> | null = null
    for (const w of NAMES) {
      const cap = capOf(caps, w)
      if (cap === undefined) continue
      const b = refill(set, w, cap, now, caps.windowMs ?? MINUTE)
      const need = charge[w]
      if (b.level >= need) continue
      // A charge larger than the bucket never fits; hint the time until full (OpenAI answers these
      // with a 429 "Request too large" as well).
      const retryMs = Math.ceil(((Math.min(need, cap) - b.level) * (caps.windowMs ?? MINUTE)) / cap)
      if (refusal === null || retryMs > refusal.retryMs) {
        refusal = {
          ok: false,
          state: {},
          window: w,
          retryMs,
          limit: cap,
          used: Math.ceil(cap - b.level),
          requested: need,
        }
      }
    }
    if (refusal === null) {
      for (const w of NAMES) {
        const b = set[w]
        if (b && capOf(caps, w) !== undefined) b.level -= charge[w]
      }
    }
    const state: LimitState = {}
    for (const w of NAMES) {
      const b = set[w]
      if (!b || capOf(caps, w) === undefined) continue
      state[w] = {
        limit: b.cap,
        remaining: Math.max(0, Math.floor(b.level)),
        resetMs: ((b.cap - b.level) * (caps.windowMs ?? MINUTE)) / b.cap,
      }
    }
    if (refusal) {
      refusal.state = state
      return refusal
    }
    return { ok: true, state }
  }
}

function refill(
  set: Partial<Record<WindowName, Bucket>>,
  w: WindowName,
  cap: number,
  now: number,
  windowMs: number,
): Bucket {
  let b = set[w]
  if (!b) {
    b = { cap, level: cap, at: now }
    set[w] = b
    return b
  }
  if (b.cap !== cap) {
    b.level = Math.min(b.level, cap)
    b.cap = cap
  }
  b.level = Math.min(cap, b.level + ((now - b.at) * cap) / windowMs)
  b.at = now
  return b
}

/** Go's time.Duration.String() at millisecond precision: `20ms`, `1s`, `8.64s`, `6m0s`, `1h2m3s`. */
export function goDuration(ms: number): string {
  ms = Math.max(0, Math.ceil(ms))
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor((ms % 3_600_000) / 60_000)
  const s = (ms % 60_000) / 1000
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`
  if (h > 0) return `${h}h${m}m${sec}`
  if (m > 0) return `${m}m${sec}`
  return sec
}

/** RFC 3339 in UTC at second precision, rounded up (Anthropic's reset headers). */
export function rfc3339(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Proto Duration JSON (Gemini RetryInfo.retryDelay): `15s`, `0.25s`, `14.596s`. */
export function protoDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms)) / 1000
  return `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`
}

/** Whole seconds, rounded up, at least 1: the `retry-after` header. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)))
}

/** `x-ratelimit-*` headers (flat name/value list) for the configured windows. */
export function openaiLimitHeaders(s: LimitState, out: string[]): void {
  const r = s.requests
  const t = s.tokens
  if (r)
    out.push(
      'x-ratelimit-limit-requests',
      String(r.limit),
      'x-ratelimit-remaining-requests',
      String(r.remaining),
      'x-ratelimit-reset-requests',
      goDuration(r.resetMs),
    )
  if (t)
    out.push(
      'x-ratelimit-limit-tokens',
      String(t.limit),
      'x-ratelimit-remaining-tokens',
      String(t.remaining),
      'x-ratelimit-reset-tokens',
      goDuration(t.resetMs),
    )
}

/** `anthropic-ratelimit-*` headers; `tokens-*` is tpm when set, else the tighter of input and output. */
export function anthropicLimitHeaders(s: LimitState, now: number, out: string[]): void {
  const put = (family: string, w: Window | undefined) => {
    if (!w) return
    out.push(
      `anthropic-ratelimit-${family}-limit`,
      String(w.limit),
      `anthropic-ratelimit-${family}-remaining`,
      String(w.remaining),
      `anthropic-ratelimit-${family}-reset`,
      rfc3339(now + w.resetMs),
    )
  }
  put('requests', s.requests)
  let tokens = s.tokens
  if (!tokens && (s.input || s.output)) {
    tokens = !s.output || (s.input && s.input.remaining <= s.output.remaining) ? s.input : s.output
  }
  put('tokens', tokens)
  put('input-tokens', s.input)
  put('output-tokens', s.output)
}
