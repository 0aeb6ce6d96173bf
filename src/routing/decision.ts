/**
 * Explaining routing decisions: the `x-headroom-decision` header, and the 429 / 503 / 400 a client gets
 * when no target of a route can serve, with a message that lists each target and why it was skipped.
 */
import { ProviderError, type Target } from '../providers/types.ts'
import type { SkipReason } from './types.ts'

export interface Skipped {
  target: Target
  reason: SkipReason
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.ceil(ms / 100) / 10)}s`
}

/** A short, header-safe phrase for a skip reason. */
export function describeSkip(reason: SkipReason, now: number): string {
  switch (reason.kind) {
    case 'breaker_open':
      return reason.untilMs !== null ? `breaker open, probe in ${seconds(reason.untilMs - now)}` : 'breaker open'
    case 'probing':
      return 'breaker half-open, probe in flight'
    case 'cooling':
      return `rate-limited for ${seconds(reason.untilMs - now)}`
    case 'no_headroom':
      return reason.untilMs !== null
        ? `no rate-limit headroom for this request for ${seconds(reason.untilMs - now)}`
        : 'no rate-limit headroom for this request'
    case 'concurrency':
      return 'at its concurrency limit'
    case 'too_large':
      return `needs ${tooLargeNeed(reason)}, more than its limit of ${reason.limit} per minute`
    case 'context':
      return reason.input
        ? `an input of at least ~${reason.need} tokens exceeds its input limit of ${reason.limit}`
        : `prompt of ~${reason.need} tokens exceeds its context window of ${reason.limit}`
    case 'capability':
      return `model lacks ${reason.missing === 'jsonSchema' ? 'json_schema' : reason.missing} support`
    case 'constraint':
      return reason.what === 'cost' ? 'over max_cost_per_request' : 'over max_latency_ms'
    case 'unpriced':
      return 'no price for its model, and a budget applies'
    case 'embedding_model':
      return 'an embedding model, which serves no chat requests'
    case 'chat_model':
      return 'a chat model, which serves no embeddings requests'
    case 'untranslatable':
      return `${reason.param ?? 'the request'} needs a target that takes ${reason.api} as sent`
    default: {
      const _exhaustive: never = reason
      return _exhaustive
    }
  }
}

/** `~52000 tokens`, `10000 output tokens`: the prompt part of a need is an estimate, hence the `~`. */
function tooLargeNeed(r: Extract<SkipReason, { kind: 'too_large' }>): string {
  switch (r.dimension) {
    case 'requests':
      return `${r.need} request${r.need === 1 ? '' : 's'}`
    case 'tokens':
      return `~${r.need} tokens`
    case 'inputTokens':
      return `~${r.need} input tokens`
    case 'outputTokens':
      return `${r.need} output tokens`
    default: {
      const _exhaustive: never = r.dimension
      return _exhaustive
    }
  }
}

/**
 * What keeps a skipped target from serving: a rate limit (cooling after a 429, no headroom, its
 * concurrency cap) comes back by itself, often within seconds; a broken target (breaker open, or its one
 * half-open probe in flight) comes back only if a probe succeeds; an unsuitable one never serves this request
 * — nor does one whose limit is smaller than the request: waiting would not make it fit.
 */
type Obstacle = 'rate_limit' | 'broken' | 'unsuitable'
const OBSTACLE: Record<SkipReason['kind'], Obstacle> = {
  cooling: 'rate_limit',
  no_headroom: 'rate_limit',
  concurrency: 'rate_limit',
  breaker_open: 'broken',
  probing: 'broken',
  context: 'unsuitable',
  capability: 'unsuitable',
  constraint: 'unsuitable',
  unpriced: 'unsuitable',
  embedding_model: 'unsuitable',
  chat_model: 'unsuitable',
  untranslatable: 'unsuitable',
  too_large: 'unsuitable',
}

/** When a skipped target may serve again; null: unknown (a rate limit: when a request in flight ends). */
function recoveryAt(reason: SkipReason): number | null {
  switch (reason.kind) {
    case 'cooling':
    case 'no_headroom':
    case 'breaker_open':
      return reason.untilMs
    default:
      return null
  }
}

/** An unknown recovery time, as a Retry-After: a probe or a request in flight usually settles within it. */
const UNKNOWN_RECOVERY_MS = 1000

/**
 * Whether a request that found no target should wait for one, and until when. Only rate limits are waited
 * for, and only when one comes back before `giveUpAt` (a known time, or — null — the next request in
 * flight to end); broken targets are not: a probe is one request's gamble, not capacity coming back.
 * Returns the time to wake (null: on a release), or undefined: don't wait.
 */
export function waitFor(skipped: readonly Skipped[], giveUpAt: number): number | null | undefined {
  let soonest = Infinity
  let onRelease = false
  for (const s of skipped) {
    if (OBSTACLE[s.reason.kind] !== 'rate_limit') continue
    const at = recoveryAt(s.reason)
    if (at === null) onRelease = true
    else if (at <= giveUpAt) soonest = Math.min(soonest, at)
  }
  return soonest !== Infinity ? soonest : onRelease ? null : undefined
}

/**
 * The soonest a target blocked by `obstacle` may serve again, unknown ones counted as UNKNOWN_RECOVERY_MS away; null:
 * none is.
 */
export function soonestRecovery(skipped: readonly Skipped[], obstacle: Obstacle, now: number): number | null {
  let at: number | null = null
  for (const s of skipped) {
    if (OBSTACLE[s.reason.kind] !== obstacle) continue
    const t = recoveryAt(s.reason) ?? now + UNKNOWN_RECOVERY_MS
    if (at === null || t < at) at = t
  }
  return at
}

/** `openai#1/gpt-4.1-mini: rate-limited for 12s; …` — each skipped target and why. */
export function skipList(skipped: readonly Skipped[], now: number): string {
  return skipped.map((s) => `${s.target.keyAlias}/${s.target.model}: ${describeSkip(s.reason, now)}`).join('; ')
}

/**
 * The request's parameter every target was passed over for, when it is one: a part only a passthrough
 * carries, or an embeddings `input` every target refused as too long.
 */
function commonParam(skipped: readonly Skipped[]): string | null {
  const paramOf = (r: Skipped['reason']) =>
    r.kind === 'untranslatable' ? r.param : r.kind === 'context' && r.input ? 'input' : null
  const params = new Set(skipped.map((s) => paramOf(s.reason)))
  const [only] = params
  return params.size === 1 && only !== undefined ? only : null
}

/**
 * Why no target takes the request as translated, when every one was passed over for the same reason: the
 * decoder's refusal, in the client API's words (starting with the param, as Anthropic's errors do).
 */
function commonWhy(skipped: readonly Skipped[]): { why: string; api: string } | null {
  const first = skipped[0]?.reason
  if (first?.kind !== 'untranslatable' || first.why === null) return null
  const same = skipped.every((s) => s.reason.kind === 'untranslatable' && s.reason.why === first.why)
  return same ? { why: first.why.replace(/\.?$/, '.'), api: first.api } : null
}

/**
 * No target can serve: 400 when none ever could (capabilities, context, a request larger than a limit);
 * else the status of the obstacle that clears first, with Retry-After at that time — 429
 * `rate_limit_exceeded` when it is a rate limit,
 * 503 `no_available_target` when it is a breaker's half-open (every target broken, or broken ones first).
 */
export function noTargetError(route: string, skipped: readonly Skipped[], now: number): ProviderError {
  const list = skipList(skipped, now)
  const limited = soonestRecovery(skipped, 'rate_limit', now)
  const broken = soonestRecovery(skipped, 'broken', now)
  if (skipped.length > 0 && limited === null && broken === null) {
    const untranslatable = commonWhy(skipped)
    return new ProviderError({
      provider: 'headroom',
      status: 400,
      kind: 'bad_request',
      message: untranslatable
        ? `${untranslatable.why} No target of route "${route}" takes ${untranslatable.api} as sent: ${list}.`
        : `No target of route "${route}" can serve this request: ${list}.`,
      code: 'no_capable_target',
      param: commonParam(skipped),
    })
  }
  if (limited !== null && (broken === null || limited <= broken)) {
    return new ProviderError({
      provider: 'headroom',
      status: 429,
      kind: 'rate_limit',
      message: `Every target of route "${route}" is at its rate limit${broken !== null ? ' or broken' : ''}: ${list}. Retry after the time in the retry-after header.`,
      code: 'rate_limit_exceeded',
      type: 'rate_limit_error',
      retryAfterMs: Math.max(1, limited - now),
    })
  }
  return new ProviderError({
    provider: 'headroom',
    status: 503,
    kind: 'overloaded',
    message: `No target of route "${route}" is available: ${list}.${broken !== null ? ' Retry after the time in the retry-after header.' : ''}`,
    code: 'no_available_target',
    type: 'server_error',
    retryAfterMs: broken === null ? null : Math.max(1, broken - now),
  })
}

const HEADER_UNSAFE = /[^\x20-\x7e]/g

/** The `x-headroom-decision` value: strategy, the choice, and what was skipped or failed. */
export function decisionHeader(parts: {
  strategy: string
  chosen: string
  why?: string
  skipped: readonly Skipped[]
  failed: readonly string[]
  now: number
}): string {
  let out = `${parts.strategy}: ${parts.chosen}`
  if (parts.why) out += ` (${parts.why})`
  if (parts.failed.length > 0) out += `; failed: ${parts.failed.join(', ')}`
  if (parts.skipped.length > 0)
    out += `; skipped: ${parts.skipped.map((s) => `${s.target.keyAlias}/${s.target.model} (${describeSkip(s.reason, parts.now)})`).join(', ')}`
  return out.replace(HEADER_UNSAFE, '?').slice(0, 1000)
}
