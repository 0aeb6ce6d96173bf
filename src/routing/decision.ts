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
      return reason.untilMs !== null ? `no rate-limit headroom for this request for ${seconds(reason.untilMs - now)}` : 'no rate-limit headroom for this request'
    case 'concurrency':
      return 'at its concurrency limit'
    case 'context':
      return `prompt of ~${reason.need} tokens exceeds its context window of ${reason.limit}`
    case 'capability':
      return `model lacks ${reason.missing === 'jsonSchema' ? 'json_schema' : reason.missing} support`
    case 'constraint':
      return reason.what === 'cost' ? 'over max_cost_per_request' : 'over max_latency_ms'
    case 'unpriced':
      return 'no price for its model, and a budget applies'
    default: {
      const _exhaustive: never = reason
      return _exhaustive
    }
  }
}

/** When a skipped target may become usable again (null: not by waiting). */
function recoveryAt(reason: SkipReason): number | null {
  switch (reason.kind) {
    case 'cooling':
      return reason.untilMs
    case 'no_headroom':
    case 'breaker_open':
      return reason.untilMs
    default:
      return null
  }
}

const WAITABLE: ReadonlySet<SkipReason['kind']> = new Set(['cooling', 'no_headroom', 'concurrency', 'probing'])
const UNSUITABLE: ReadonlySet<SkipReason['kind']> = new Set(['context', 'capability', 'constraint', 'unpriced'])

/**
 * No target can serve: 400 when none ever could (capabilities, context, no price under a budget), 429
 * with Retry-After when all that could are only rate-limited (the soonest recovery), else 503 (breakers
 * open).
 */
/** `openai#1/gpt-4.1-mini: rate-limited for 12s; …` — each skipped target and why. */
export function skipList(skipped: readonly Skipped[], now: number): string {
  return skipped.map((s) => `${s.target.keyAlias}/${s.target.model}: ${describeSkip(s.reason, now)}`).join('; ')
}

export function noTargetError(route: string, skipped: readonly Skipped[], now: number): ProviderError {
  const list = skipList(skipped, now)
  const usable = skipped.filter((s) => !UNSUITABLE.has(s.reason.kind))
  if (skipped.length > 0 && usable.length === 0) {
    return new ProviderError({ provider: 'headroom', status: 400, kind: 'bad_request', message: `No target of route "${route}" can serve this request: ${list}.`, code: 'no_capable_target' })
  }
  if (usable.length > 0 && usable.every((s) => WAITABLE.has(s.reason.kind))) {
    const times = usable.map((s) => recoveryAt(s.reason)).filter((t): t is number => t !== null)
    const soonest = times.length > 0 ? Math.min(...times) : now + 1000
    return new ProviderError({
      provider: 'headroom',
      status: 429,
      kind: 'rate_limit',
      message: `Every target of route "${route}" is at its rate limit: ${list}. Retry after the time in the retry-after header.`,
      code: 'rate_limit_exceeded',
      type: 'rate_limit_error',
      retryAfterMs: Math.max(1, soonest - now),
    })
  }
  return new ProviderError({
    provider: 'headroom',
    status: 503,
    kind: 'overloaded',
    message: `No target of route "${route}" is available: ${list}.`,
    code: 'no_available_target',
    type: 'server_error',
  })
}

const HEADER_UNSAFE = /[^\x20-\x7e]/g

/** The `x-headroom-decision` value: strategy, the choice, and what was skipped or failed. */
export function decisionHeader(parts: { strategy: string; chosen: string; why?: string; skipped: readonly Skipped[]; failed: readonly string[]; now: number }): string {
  let out = `${parts.strategy}: ${parts.chosen}`
  if (parts.why) out += ` (${parts.why})`
  if (parts.failed.length > 0) out += `; failed: ${parts.failed.join(', ')}`
  if (parts.skipped.length > 0) out += `; skipped: ${parts.skipped.map((s) => `${s.target.keyAlias}/${s.target.model} (${describeSkip(s.reason, parts.now)})`).join(', ')}`
  return out.replace(HEADER_UNSAFE, '?').slice(0, 1000)
}
