/**
 * Inbound limits: each client key's own requests per minute, tokens per minute and requests at once,
 * enforced before routing, and reported on every response in OpenAI's `x-ratelimit-*` format so that
 * clients and SDKs written for OpenAI back off correctly against Headroom itself.
 * https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 *
 * The counting is the same as a target's declared limits (HeadroomTracker): token buckets refilling
 * continuously over 60 s, charged at admission (tokens: the prompt estimate plus the most the request may
 * write) and corrected with the real usage when the request ends. Only admitted requests count: one
 * refused before admission (a 400, 403, 404, 413, a budget's 429, this limit's own 429) costs the key
 * nothing, and its answer carries the headers as they stand (`current`).
 */

import type { CompiledKey } from '../config/types.ts'
import { formatGoDuration } from '../providers/retry-after.ts'
import { describeSkip } from '../routing/decision.ts'
import type { ActualUsage, Need, Reservation } from '../routing/limit-store.ts'
import { HeadroomTracker } from '../routing/limits.ts'

/** Refused: `retryAfterMs` null when no wait would help (the request is larger than the limit itself). */
export type InboundVerdict =
  | { ok: true; reservation: Reservation | null; headers: Readonly<Record<string, string>> }
  | { ok: false; retryAfterMs: number | null; headers: Readonly<Record<string, string>>; what: string }

const MINUTE = 60_000
const NONE: Readonly<Record<string, string>> = Object.freeze({})

export class InboundLimits {
  private readonly trackers = new Map<string, HeadroomTracker>()

  private tracker(key: CompiledKey, now: number): HeadroomTracker | null {
    if (!key.limits) return null
    let t = this.trackers.get(key.name)
    if (!t) this.trackers.set(key.name, (t = new HeadroomTracker(key.limits)))
    else t.configure(key.limits, now) // a reload may have changed them; counts are kept
    return t
  }

  /** The key's x-ratelimit-* headers as they stand, charging nothing; none for a key without limits. */
  current(key: CompiledKey | null, now: number): Readonly<Record<string, string>> {
    const t = key ? this.tracker(key, now) : null
    return t ? this.headersOf(t, now) : NONE
  }

  /** Admits (and charges) a request of this key, or says how long to wait. */
  admit(key: CompiledKey | null, need: Need, now: number): InboundVerdict {
    const t = key ? this.tracker(key, now) : null
    if (!t) return { ok: true, reservation: null, headers: NONE }
    const over = t.tooLarge(need)
    if (over)
      return {
        ok: false,
        retryAfterMs: null,
        headers: this.headersOf(t, now),
        what: describeSkip({ kind: 'too_large', ...over }, now),
      }
    if (!t.fits(need, now)) {
      const at = t.recoveryAt(need, now)
      const snapshot = t.snapshot(now)
      const what =
        snapshot.concurrency !== null && t.inFlight >= snapshot.concurrency
          ? `${snapshot.concurrency} requests at once`
          : need.tokens > (snapshot.declared.tpm?.available ?? Infinity)
            ? `${key!.limits!.tpm} tokens per minute`
            : `${key!.limits!.rpm} requests per minute`
      return { ok: false, retryAfterMs: Math.max(1, (at ?? now + 1000) - now), headers: this.headersOf(t, now), what }
    }
    const reservation = t.reserve(need, now)
    return { ok: true, reservation, headers: this.headersOf(t, now) }
  }

  release(key: CompiledKey | null, reservation: Reservation | null, actual: ActualUsage | null, now: number): void {
    if (!key || !reservation) return
    this.trackers.get(key.name)?.release(reservation, actual, now)
  }

  /** Takes a charge back whole: admitted here, the request was refused by the limits shared across replicas. */
  cancel(key: CompiledKey | null, reservation: Reservation | null, now: number): void {
    if (!key || !reservation) return
    this.trackers.get(key.name)?.cancel(reservation, now)
  }

  /** OpenAI's six headers for what is left: remaining after this request, reset = time until full. */
  private headersOf(t: HeadroomTracker, now: number): Record<string, string> {
    const { declared } = t.snapshot(now)
    const h: Record<string, string> = {}
    if (declared.rpm) {
      const b = declared.rpm
      h['x-ratelimit-limit-requests'] = String(b.capacity)
      h['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(b.available)))
      h['x-ratelimit-reset-requests'] = formatGoDuration(
        ((b.capacity - Math.max(0, b.available)) * MINUTE) / b.capacity,
      )
    }
    if (declared.tpm) {
      const b = declared.tpm
      h['x-ratelimit-limit-tokens'] = String(b.capacity)
      h['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(b.available)))
      h['x-ratelimit-reset-tokens'] = formatGoDuration(((b.capacity - Math.max(0, b.available)) * MINUTE) / b.capacity)
    }
    return h
  }
}
