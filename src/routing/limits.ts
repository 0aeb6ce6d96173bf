/**
 * Headroom: how much one target (provider instance × API key × model) can still take before its
 * provider answers 429. Pure arithmetic on the `now` passed in; O(1) (amortised) per call.
 *
 * Sources, the tightest wins:
 * 1. The provider's numbers (`observe`). Per window (requests, tokens, input, output tokens): the limit,
 *    what remained at `at`, and `resetAt`, when the bucket is full again (OpenAI's "time until full" and
 *    Anthropic's RFC 3339 reset, made absolute by the adapters). Between snapshots the remaining count
 *    climbs linearly from `remaining` at `at` to `limit` at `resetAt`; full after it — from 0 too: OpenAI
 *    and Anthropic refill their buckets continuously (Anthropic documents a token bucket), so a key at 0
 *    takes its next request as soon as one slot has refilled, not after the whole window; holding it
 *    at 0 until full measured ~20% below the providers' sustainable rate. No `resetAt`: assumed full one
 *    minute later; no `limit`: forgotten at its reset; no `remaining` (Gemini's QuotaFailure): only the
 *    limit is learnt. A snapshot with windows replaces the previous view; one without (a bare
 *    Retry-After) changes nothing here.
 * 2. Declared limits (routes.yaml `rpm`, `tpm`, `concurrency`): token buckets counted locally (capacity =
 *    the limit, refilled continuously over 60 s), charged at `reserve`, corrected at `release`. They
 *    apply also when the provider sends headers, so an operator can hold a key under a budget of its own.
 *
 * Reservations against the provider's numbers (conservative, but no double count for ever): a
 * reservation's charge (1 request; prompt + max output tokens) is subtracted from the provider's
 * remaining while the provider may not have counted it yet, i.e. until
 * - a snapshot arrives whose knowledge time is at or after it. The knowledge time is when the request
 *   that carried the snapshot was reserved (`observe(snap, now, source)`: providers count a request when
 *   they admit it, so its headers reflect every request sent before it), else `snap.at − graceMs`; or
 * - a whole window (60 s) has passed since it was made (the provider has refilled it by then).
 * A snapshot whose knowledge time is older than the one held is ignored (answers out of order). With the
 * request that carried it known, "before it" is by reservation order, not by millisecond time: a burst
 * makes dozens of reservations in one millisecond.
 * `release` corrects a still-unseen charge, and the tpm bucket, to the real usage; `null` usage (a failed
 * call, usage unknown) keeps the estimate.
 */
import type { DeclaredLimits } from '../config/types.ts'
import type { RateLimitSnapshot, RateLimitWindow } from '../providers/types.ts'
import {
  type ActualUsage,
  DIMENSIONS,
  type Dimension,
  type LimitStore,
  type LimitsSnapshot,
  type Need,
  type Overflow,
  type Reservation,
  type WindowState,
} from './limit-store.ts'

/** How long a provider takes to refill a window: unseen charges older than this are counted (see above). */
export const WINDOW_MS = 60_000
const DEFAULT_GRACE_MS = 1_000

/** `held`: reported at zero, so no refill before the reset. */
interface ProviderWindow {
  limit: number | null
  remaining: number
  at: number
  resetAt: number
  held: boolean
}
interface Bucket {
  capacity: number
  level: number
  at: number
}

type Charges = Record<Dimension, number>

function chargesOf(need: Need): Charges {
  return { requests: 1, tokens: need.tokens, inputTokens: need.inputTokens, outputTokens: need.outputTokens }
}

function bucketLevel(b: Bucket, now: number): number {
  return now <= b.at ? b.level : Math.min(b.capacity, b.level + (b.capacity * (now - b.at)) / WINDOW_MS)
}

/** Take `n` from a bucket (a negative `n` refunds, up to its capacity); the level may go below 0. */
function spend(b: Bucket, n: number, now: number): Bucket {
  return { capacity: b.capacity, level: Math.min(b.capacity, bucketLevel(b, now) - n), at: now }
}

/** New capacity, same consumption; a bucket that did not exist starts full. */
function rebucket(old: Bucket | null, capacity: number | undefined, now: number): Bucket | null {
  if (!capacity || capacity <= 0) return null
  if (!old) return { capacity, level: capacity, at: now }
  const used = old.capacity - bucketLevel(old, now)
  return { capacity, level: capacity - used, at: now }
}

/** A provider's window as this model keeps it (shared with state/redis-headroom.ts); null when it tells nothing. */
export function toWindow(w: RateLimitWindow, at: number, refusal: boolean, maxHoldMs: number): ProviderWindow | null {
  const limit = w.limit !== undefined && w.limit > 0 ? w.limit : null
  const raw = w.remaining ?? limit
  if (raw === null) return null
  const remaining = Math.max(0, limit === null ? raw : Math.min(limit, raw))
  // Held at 0 when the refill rate is unknown (no limit to climb to), or when the numbers come with a
  // refusal (a 429's Retry-After / Gemini RetryInfo): then "reset" is the wait the provider asked for —
  // at most maxHoldMs, after which the next request finds out (an hour-long reset is a cooldown too).
  const held = remaining <= 0 && (limit === null || refusal)
  const reset = Math.max(at, w.resetAt ?? at + WINDOW_MS)
  return { limit, remaining, at, resetAt: held ? Math.min(reset, at + maxHoldMs) : reset, held }
}

/**
 * Order of reservations. Times have millisecond resolution and a burst reserves dozens in one
 * millisecond, so "reserved before the request whose answer this is" is decided by sequence, not time.
 */
let sequence = 0

class Entry implements Reservation {
  readonly charge: Charges
  readonly seq = ++sequence
  unseen = true
  released = false
  constructor(
    readonly owner: HeadroomTracker,
    readonly at: number,
    readonly need: Readonly<Need>,
  ) {
    this.charge = chargesOf(need)
  }
}

/** The in-memory LimitStore. */
export class HeadroomTracker implements LimitStore {
  private windows: Partial<Record<Dimension, ProviderWindow>> = {}
  private readonly unseen: Charges = { requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 }
  /** Reservations in the order made; unseen ones at the front are retired as snapshots and time pass. */
  private queue: Entry[] = []
  private head = 0
  private knownAt = Number.NEGATIVE_INFINITY
  private knownSeq = 0
  private rpm: Bucket | null = null
  private tpm: Bucket | null = null
  private cap: number | null = null
  private maxHoldMs = Infinity
  private count = 0
  /** Whether the target has answered (with or without rate-limit headers) since this tracker began. */
  private answered = false
  /** Nothing fits before this time: other replicas' share of the target (see holdUntil). */
  private heldUntil = Number.NEGATIVE_INFINITY
  private readonly graceMs: number

  constructor(limits: DeclaredLimits = {}, options: { graceMs?: number } = {}) {
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    this.configure(limits, Number.NEGATIVE_INFINITY)
  }

  get inFlight(): number {
    return this.count
  }

  get concurrency(): number | null {
    return this.cap
  }

  configure(limits: DeclaredLimits, now: number): void {
    this.cap = limits.concurrency && limits.concurrency > 0 ? limits.concurrency : null
    this.maxHoldMs = limits.maxCooldownMs ?? Infinity
    this.rpm = rebucket(this.rpm, limits.rpm, now)
    this.tpm = rebucket(this.tpm, limits.tpm, now)
  }

  observe(snap: RateLimitSnapshot | null, now: number, source?: Reservation): void {
    this.answered = true
    this.prune(now)
    const next: Partial<Record<Dimension, ProviderWindow>> = {}
    let any = false
    for (const d of DIMENSIONS) {
      const w = snap?.[d]
      const pw = w && snap ? toWindow(w, snap.at, snap.retryAfterMs !== undefined, this.maxHoldMs) : null
      if (!pw) continue
      next[d] = pw
      any = true
    }
    // A snapshot without windows (a bare Retry-After) tells the cooldown, not the headroom.
    if (!snap || !any) return
    const own = source instanceof Entry && source.owner === this ? source : null
    const knownAt = own ? own.at : snap.at - this.graceMs
    if (knownAt < this.knownAt || (own !== null && own.seq < this.knownSeq)) return
    this.knownAt = knownAt
    if (own) this.knownSeq = own.seq
    this.windows = next
    // With its own request known, exactly the reservations made up to it are counted by the provider.
    if (own) this.retireSeq(own.seq)
    else this.retire(knownAt)
  }

  reserve(need: Need, now: number): Reservation {
    this.prune(now)
    const e = new Entry(this, now, { ...need })
    // Unseen charges only matter against the provider's own numbers. A target that reports none (Gemini,
    // most self-hosted servers) would otherwise hold a minute of reservations in memory for nothing.
    if (this.hasWindows()) {
      this.queue.push(e)
      for (const d of DIMENSIONS) this.unseen[d] += e.charge[d]
    } else {
      e.unseen = false
    }
    this.count++
    if (this.rpm) this.rpm = spend(this.rpm, 1, now)
    if (this.tpm) this.tpm = spend(this.tpm, need.tokens, now)
    return e
  }

  /** Takes a reservation back whole, as if never made: the request was refused after all (inbound.ts). */
  cancel(r: Reservation, now: number): void {
    if (!(r instanceof Entry) || r.owner !== this || r.released) return
    this.release(r, null, now)
    if (this.rpm) this.rpm = spend(this.rpm, -1, now)
    if (this.tpm) this.tpm = spend(this.tpm, -r.need.tokens, now)
  }

  release(r: Reservation, actual: ActualUsage | null, now: number): void {
    if (!(r instanceof Entry) || r.owner !== this || r.released) return
    r.released = true
    this.count--
    if (actual) {
      const tokens = actual.promptTokens + actual.completionTokens
      const real: Charges = {
        requests: 1,
        tokens,
        inputTokens: actual.promptTokens,
        outputTokens: actual.completionTokens,
      }
      if (r.unseen) {
        for (const d of DIMENSIONS) {
          this.unseen[d] += real[d] - r.charge[d]
          r.charge[d] = real[d]
        }
      }
      if (this.tpm) this.tpm = spend(this.tpm, tokens - r.need.tokens, now)
    }
    this.prune(now)
  }

  /**
   * Until a target has answered once, its limits are unknown: it gets one request at a time (unless limits
   * are declared), because a cold-start burst is how 429 storms begin. The first answer — with its
   * rate-limit headers, or without any (Gemini, many self-hosted servers) — lifts this.
   */
  private hasWindows(): boolean {
    for (const d of DIMENSIONS) if (this.windows[d]) return true
    return false
  }

  private coldStartBusy(): boolean {
    return !this.answered && this.count >= 1 && !this.rpm && !this.tpm && this.cap === null
  }

  tooLarge(need: Need): Overflow | null {
    const charge = chargesOf(need)
    for (const d of DIMENSIONS) {
      const limit = this.windows[d]?.limit ?? null
      if (limit !== null && charge[d] > limit) return { dimension: d, need: charge[d], limit }
    }
    if (this.rpm && charge.requests > this.rpm.capacity)
      return { dimension: 'requests', need: charge.requests, limit: this.rpm.capacity }
    if (this.tpm && charge.tokens > this.tpm.capacity)
      return { dimension: 'tokens', need: charge.tokens, limit: this.tpm.capacity }
    return null
  }

  /**
   * The shared view (state/redis-headroom.ts) found no room for a request this tracker let through: the
   * other replicas' reservations, which it cannot see, fill the target until `until`. Nothing fits before
   * then, so plans pass the target over (no_headroom) and requests wait in the queue until that time.
   */
  holdUntil(until: number): void {
    this.heldUntil = Math.max(this.heldUntil, until)
  }

  fits(need: Need, now: number): boolean {
    this.prune(now)
    if (now < this.heldUntil) return false
    if (this.cap !== null && this.count >= this.cap) return false
    if (this.coldStartBusy()) return false
    if (this.rpm && bucketLevel(this.rpm, now) < 1) return false
    if (this.tpm && bucketLevel(this.tpm, now) < need.tokens) return false
    const charge = chargesOf(need)
    for (const d of DIMENSIONS) {
      const avail = this.available(d, now)
      if (avail !== null && avail - this.unseen[d] < charge[d]) return false
    }
    return true
  }

  fraction(need: Need, now: number): number {
    this.prune(now)
    let f = 1
    if (this.cap !== null) f = Math.min(f, (this.cap - this.count - 1) / this.cap)
    if (this.rpm) f = Math.min(f, (bucketLevel(this.rpm, now) - 1) / this.rpm.capacity)
    if (this.tpm) f = Math.min(f, (bucketLevel(this.tpm, now) - need.tokens) / this.tpm.capacity)
    const charge = chargesOf(need)
    for (const d of DIMENSIONS) {
      const avail = this.available(d, now)
      if (avail === null) continue
      const left = avail - this.unseen[d] - charge[d]
      const limit = this.windows[d]?.limit ?? null
      if (limit !== null) f = Math.min(f, left / limit)
      else if (left < 0) f = 0
    }
    return Math.max(0, Math.min(1, f))
  }

  recoveryAt(need: Need, now: number): number | null {
    this.prune(now)
    if (this.cap !== null && this.count >= this.cap) return null
    if (this.coldStartBusy()) return null
    let t = Math.max(now, this.heldUntil)
    for (const [b, charge] of [
      [this.rpm, 1],
      [this.tpm, need.tokens],
    ] as const) {
      if (!b) continue
      if (charge > b.capacity) return null
      const level = bucketLevel(b, now)
      if (level < charge) t = Math.max(t, now + ((charge - level) * WINDOW_MS) / b.capacity)
    }
    const charge = chargesOf(need)
    for (const d of DIMENSIONS) {
      const w = this.windows[d]
      const avail = this.available(d, now)
      if (!w || avail === null) continue
      const wanted = charge[d] + this.unseen[d]
      if (avail >= wanted) continue
      if (w.limit !== null && charge[d] > w.limit) return null
      let at: number
      if (w.limit === null || w.held || wanted > w.limit) at = w.resetAt
      else at = w.at + ((wanted - w.remaining) / (w.limit - w.remaining)) * (w.resetAt - w.at)
      // Our own unseen charges keep it over the limit even when full: wait until they have aged out.
      if (w.limit !== null && wanted > w.limit) at = Math.max(at, (this.queue.at(-1)?.at ?? now) + WINDOW_MS)
      t = Math.max(t, at)
    }
    return t
  }

  snapshot(now: number): LimitsSnapshot {
    this.prune(now)
    const provider: Partial<Record<Dimension, WindowState>> = {}
    for (const d of DIMENSIONS) {
      const w = this.windows[d]
      const avail = this.available(d, now)
      if (!w || avail === null) continue
      provider[d] = {
        limit: w.limit,
        remaining: Math.floor(avail),
        reserved: Math.max(0, this.unseen[d]),
        resetAt: w.resetAt,
        observedAt: w.at,
      }
    }
    const declared: LimitsSnapshot['declared'] = {}
    if (this.rpm) declared.rpm = { capacity: this.rpm.capacity, available: Math.floor(bucketLevel(this.rpm, now)) }
    if (this.tpm) declared.tpm = { capacity: this.tpm.capacity, available: Math.floor(bucketLevel(this.tpm, now)) }
    return { inFlight: this.count, concurrency: this.cap, provider, declared }
  }

  /** The provider's remaining count for a dimension, decayed to `now`; null when unknown. */
  private available(d: Dimension, now: number): number | null {
    const w = this.windows[d]
    if (!w) return null
    if (now >= w.resetAt) return w.limit
    if (w.held || w.limit === null || now <= w.at) return w.remaining
    return w.remaining + ((w.limit - w.remaining) * (now - w.at)) / (w.resetAt - w.at)
  }

  private see(e: Entry): void {
    e.unseen = false
    for (const d of DIMENSIONS) this.unseen[d] -= e.charge[d]
  }

  /** Unseen charges a whole window old have been refilled by the provider. */
  private prune(now: number): void {
    this.retire(now - WINDOW_MS)
  }

  /** Drop the front of the queue up to reservations made at `until`, and any already seen. */
  private retire(until: number): void {
    this.retireWhile((e) => e.at <= until)
  }

  /** Drop the front of the queue up to the reservation numbered `seq` (the queue is in sequence order). */
  private retireSeq(seq: number): void {
    this.retireWhile((e) => e.seq <= seq)
  }

  private retireWhile(counted: (e: Entry) => boolean): void {
    while (this.head < this.queue.length) {
      const e = this.queue[this.head]!
      if (e.unseen && !counted(e)) break
      if (e.unseen) this.see(e)
      this.head++
    }
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
      // Nothing unseen remains: drop floating-point residue.
      for (const d of DIMENSIONS) this.unseen[d] = 0
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
  }
}
