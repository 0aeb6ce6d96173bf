/**
 * The health of one target: the rate-limit cooldown, the fault breaker (opossum), latency and error
 * rate. Retries, cooldowns and the planner all read this one state (DESIGN.md, "Provider state").
 *
 * Cooldown (`healthy → cooling(until) → healthy`): callers cool a target on a 429 (Retry-After, reset
 * time, Gemini's RetryInfo) and on a snapshot at zero; a later, longer cooldown extends it, a shorter one
 * never shortens it.
 *
 * Breaker (`closed → open → half-open`): opossum, one per target, over a generic action `(fn) => fn()`.
 * Only faults count: ProviderError kinds server, overloaded, timeout, connection, stream. Everything
 * else — the request's fault (400, 413), a 4xx about the target (`unsupported`: a model it lacks, a
 * parameter it refuses), auth, quota, 429, a cancelled call, an error that is not a ProviderError — goes
 * through `errorFilter`, which opossum counts as a success. opossum's own timeout is
 * off (the adapters time out). Half-open lets exactly one call through: opossum clears `pendingClose`
 * when the probe starts and rejects every other call with EOPENBREAKER until the probe settles; the
 * probe's success closes the breaker, its fault reopens it for another `resetTimeout`. A probe the client
 * cancelled proved nothing, so it reopens the breaker too rather than closing it on no evidence.
 *
 * opossum runs on the wall clock (Date.now and real timers), so `halfOpenAt` is wall-clock epoch ms.
 *
 * Replicas (state/redis-health.ts): a `listener` hears what this replica learns on its own evidence — a
 * cooldown extended, the breaker opened (by faults, a failed probe or a late stream break) — and
 * `applyRemote` takes what a peer learned: it extends the cooldown, or opens a closed (or half-open,
 * not yet probing) breaker for the rest of the peer's window. Applied state counts as no evidence: it
 * adds nothing to the rolling stats or the error rate and is not told to the listener, so nothing
 * echoes back. Half-open is always this replica's own: its own probe closes or reopens its breaker.
 */
import CircuitBreaker from 'opossum'
import type { BreakerOptions } from '../config/types.ts'
import { ProviderError, type ProviderErrorKind } from '../providers/types.ts'

const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeout: 10_000,
  rollingCountTimeout: 10_000,
})

export interface HealthOptions {
  breaker?: Partial<BreakerOptions>
  /** EWMA weight of the newest sample (latency and error rate), 0..1. Default 0.3. */
  alpha?: number
  /** A name for opossum's stats (the target state id). */
  name?: string
  /** Told what this replica learns on its own evidence (not what `applyRemote` applies). */
  listener?: HealthListener
}

/** What a replica learns about a target on its own evidence: what its peers should hear. */
export interface HealthListener {
  /** The cooldown was extended to `untilMs` (the clock `coolUntil` was called with). */
  onCooldown?(untilMs: number): void
  /** The breaker opened; it half-opens at `halfOpenAtMs` (wall-clock epoch ms). */
  onBreakerOpen?(halfOpenAtMs: number): void
}

/** What a peer replica learned (see applyRemote). */
export type RemoteHealth =
  /** Cooling until `untilMs`, on the clock `coolUntil` is called with. */
  | { readonly kind: 'cooldown'; readonly untilMs: number }
  /** The peer's breaker opened: `forMs` is what is left of its window. */
  | { readonly kind: 'open'; readonly forMs: number }

/** `probing`: half-open with its single probe already in flight (every other call is rejected). */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'probing'

export type LatencyKind = 'ttft' | 'total'

export interface LatencyStats {
  /** EWMA in ms; null: never measured. */
  ewmaMs: number | null
  samples: number
  /** When last measured (the `now` passed in); null: never. */
  lastAt: number | null
}

/** Plain JSON for `GET /v1/routing/state`. */
export interface HealthSnapshot {
  coolingUntil: number | null
  breaker: BreakerState
  halfOpenAt: number | null
  errorRate: number
  latency: Record<LatencyKind, LatencyStats>
}

const FAULT_KINDS: ReadonlySet<ProviderErrorKind> = new Set(['server', 'overloaded', 'timeout', 'connection', 'stream'])

/** Whether an error says the target is broken (as opposed to the request, the key, or the client). */
export function isFault(err: unknown): boolean {
  return err instanceof ProviderError && FAULT_KINDS.has(err.kind)
}

/** What `TargetHealth.run` throws instead of calling an open (or probing, or shut down) breaker's target. */
export class BreakerOpenError extends Error {
  override readonly name = 'BreakerOpenError'
  constructor(
    readonly reason: 'open' | 'probing' | 'shutdown',
    /** When the breaker half-opens (wall-clock epoch ms); null when not waiting for that. */
    readonly halfOpenAt: number | null,
  ) {
    super(
      reason === 'probing'
        ? 'circuit breaker half-open: a probe is in flight'
        : reason === 'shutdown'
          ? 'target state was shut down (removed by a config reload)'
          : 'circuit breaker open after repeated upstream faults',
    )
  }
}

/** The probe was cancelled: carried through opossum as a failure, unwrapped before the caller sees it. */
class CancelledProbe extends Error {
  constructor(readonly original: unknown) {
    super('probe cancelled')
  }
}

type Action = (fn: () => Promise<unknown>) => Promise<unknown>

function opossumCode(err: unknown): string | null {
  if (!(err instanceof Error) || !CircuitBreaker.isOurError(err)) return null
  const code: unknown = (err as Error & { code?: unknown }).code
  return typeof code === 'string' ? code : null
}

function resolveBreakerOptions(o: Partial<BreakerOptions> | undefined): BreakerOptions {
  return { ...DEFAULT_BREAKER_OPTIONS, ...o }
}

function sameBreakerOptions(a: BreakerOptions, b: BreakerOptions): boolean {
  return (
    a.errorThresholdPercentage === b.errorThresholdPercentage &&
    a.volumeThreshold === b.volumeThreshold &&
    a.resetTimeout === b.resetTimeout &&
    a.rollingCountTimeout === b.rollingCountTimeout
  )
}

type BreakerOptionsObject = CircuitBreaker.Options<[() => Promise<unknown>]> & {
  state?: { closed: boolean; halfOpen: boolean; lastTimerAt: number }
}

export class TargetHealth {
  private breaker: CircuitBreaker<[() => Promise<unknown>], unknown>
  /** The options object the breaker was built with: opossum keeps it (see applyRemote). */
  private breakerOptions: BreakerOptionsObject = {}
  private options: BreakerOptions
  private readonly alpha: number
  private readonly name: string | undefined
  private readonly listener: HealthListener | undefined
  /** Set while applyRemote opens the breaker: that opening is a peer's, not ours to tell. */
  private openingRemotely = false
  private coolMs = Number.NEGATIVE_INFINITY
  private halfOpenAtMs: number | null = null
  private errorEwma = 0
  private readonly latencies: Record<LatencyKind, LatencyStats> = {
    ttft: { ewmaMs: null, samples: 0, lastAt: null },
    total: { ewmaMs: null, samples: 0, lastAt: null },
  }

  constructor(options: HealthOptions = {}) {
    this.alpha = options.alpha ?? 0.3
    this.name = options.name
    this.listener = options.listener
    this.options = resolveBreakerOptions(options.breaker)
    this.breaker = this.createBreaker(null)
  }

  // --- cooldown -------------------------------------------------------------------------------

  /** Cool the target until `untilMs` (epoch ms); a later time extends, an earlier one changes nothing. */
  coolUntil(untilMs: number): void {
    if (!(untilMs > this.coolMs)) return
    this.coolMs = untilMs
    this.listener?.onCooldown?.(untilMs)
  }

  /** The end of the cooldown, or null when not cooling at `now`. */
  coolingUntil(now: number): number | null {
    return this.coolMs > now ? this.coolMs : null
  }

  isCooling(now: number): boolean {
    return this.coolMs > now
  }

  // --- breaker --------------------------------------------------------------------------------

  /**
   * Call the target through the breaker. Rejects with BreakerOpenError, without calling `fn`, when the
   * breaker is open or its half-open probe is in flight; otherwise settles as `fn` does, after counting
   * the outcome (faults count, other errors don't) in the breaker and the error rate.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const breaker = this.breaker
    const probe = breaker.halfOpen && breaker.pendingClose
    const call = probe
      ? () =>
          fn().catch((err: unknown) => {
            throw err instanceof ProviderError && err.kind === 'cancelled' ? new CancelledProbe(err) : err
          })
      : fn
    try {
      // The action returns what `fn` resolved to: opossum passes it through untouched.
      const result = (await breaker.fire(call)) as T
      this.sampleError(0)
      return result
    } catch (err) {
      const code = opossumCode(err)
      if (code === 'EOPENBREAKER')
        throw new BreakerOpenError(breaker.halfOpen ? 'probing' : 'open', breaker.opened ? this.halfOpenAtMs : null)
      if (code === 'ESHUTDOWN') throw new BreakerOpenError('shutdown', null)
      if (err instanceof CancelledProbe) throw err.original
      if (isFault(err)) this.sampleError(1)
      else if (!(err instanceof ProviderError && err.kind === 'cancelled')) this.sampleError(0)
      throw err
    }
  }

  /**
   * Count a fault the breaker could not see: a stream that broke after `run` had resolved. When the
   * breaker is closed it becomes a failure in opossum's rolling stats (without a new `fire`, so the
   * request counts once, as a failure) and opens the breaker when that crosses the threshold, as
   * opossum's own failure path would. Open or half-open breakers are left alone: the late fault belongs
   * to a call made before they opened, and must not use up the probe. Non-faults are ignored.
   */
  recordFault(err: unknown): void {
    if (!isFault(err)) return
    // The request's success was already sampled: turn that sample into a fault.
    this.errorEwma = Math.min(1, this.errorEwma + this.alpha)
    const breaker = this.breaker
    if (!breaker.closed) return
    breaker.emit('failure', err, 0, [])
    const stats = breaker.stats
    if (stats.fires < this.options.volumeThreshold || stats.fires === 0) return
    if ((stats.failures / stats.fires) * 100 > this.options.errorThresholdPercentage) breaker.open()
  }

  breakerState(): BreakerState {
    const b = this.breaker
    if (b.closed) return 'closed'
    if (b.halfOpen) return b.pendingClose ? 'half-open' : 'probing'
    return 'open'
  }

  /** When an open breaker lets its probe through (wall-clock epoch ms); null unless open. */
  halfOpenAt(): number | null {
    return this.breaker.opened ? this.halfOpenAtMs : null
  }

  /**
   * New breaker thresholds (config reload). opossum cannot change them in place, so a new breaker
   * replaces the old one, taking over its state: closed stays closed, open stays open (its wait starts
   * again, or it half-opens at once if the old wait is over), half-open or probing becomes half-open
   * with its probe available. The rolling stats start empty. Cooldown, latency and error rate stay.
   */
  reconfigure(breaker: Partial<BreakerOptions> | undefined): void {
    const next = resolveBreakerOptions(breaker)
    if (sameBreakerOptions(next, this.options)) return
    const old = this.breaker
    const carried = old.closed
      ? null
      : { halfOpen: old.halfOpen, openedAt: (this.halfOpenAtMs ?? Date.now()) - this.options.resetTimeout }
    this.options = next
    this.breaker = this.createBreaker(carried)
    old.shutdown()
  }

  /**
   * Apply what a peer replica learned (see the file comment); true when it changed anything. A cooldown
   * extends, never shortens. An open breaker keeps its own wait, and a probing one its probe; a closed or
   * half-open one opens until the peer's window ends (at most this breaker's own `resetTimeout`), then
   * half-opens and probes on its own.
   */
  applyRemote(remote: RemoteHealth): boolean {
    if (remote.kind === 'cooldown') {
      if (!(remote.untilMs > this.coolMs)) return false
      this.coolMs = remote.untilMs
      return true
    }
    const b = this.breaker
    if (!(b.closed || (b.halfOpen && b.pendingClose))) return false
    const forMs = Math.min(Math.ceil(remote.forMs), this.options.resetTimeout)
    if (!(forMs > 0)) return false
    // opossum keeps the options object it was given and starts the half-open timer from its
    // `resetTimeout` when the breaker opens (_startTimer in
    // https://github.com/nodeshift/opossum/blob/main/lib/circuit.js): for this one opening, the
    // timer is the rest of the peer's window; a later opening waits the full resetTimeout again.
    const opts = this.breakerOptions
    opts.resetTimeout = forMs
    this.openingRemotely = true
    try {
      b.open()
    } finally {
      opts.resetTimeout = this.options.resetTimeout
      this.openingRemotely = false
    }
    return true
  }

  /** Release opossum's timers. Later `run` calls reject with BreakerOpenError('shutdown'). */
  shutdown(): void {
    this.breaker.shutdown()
  }

  // --- latency and error rate -----------------------------------------------------------------

  /** Record a latency sample: time to first token for streams, total time otherwise. */
  observeLatency(kind: LatencyKind, ms: number, now: number): void {
    const s = this.latencies[kind]
    s.ewmaMs = s.ewmaMs === null ? ms : this.alpha * ms + (1 - this.alpha) * s.ewmaMs
    s.samples++
    s.lastAt = now
  }

  latency(kind: LatencyKind): Readonly<LatencyStats> {
    return this.latencies[kind]
  }

  /** EWMA of faults per call (1 = every recent call faulted), 0..1. */
  errorRate(): number {
    return this.errorEwma
  }

  snapshot(now: number): HealthSnapshot {
    return {
      coolingUntil: this.coolingUntil(now),
      breaker: this.breakerState(),
      halfOpenAt: this.halfOpenAt(),
      errorRate: this.errorEwma,
      latency: { ttft: { ...this.latencies.ttft }, total: { ...this.latencies.total } },
    }
  }

  private sampleError(x: 0 | 1): void {
    this.errorEwma = this.alpha * x + (1 - this.alpha) * this.errorEwma
  }

  private createBreaker(
    carried: { halfOpen: boolean; openedAt: number } | null,
  ): CircuitBreaker<[() => Promise<unknown>], unknown> {
    const action: Action = (fn) => fn()
    // `state` primes a new breaker (opossum reads it in its constructor); @types/opossum omits it.
    const options: BreakerOptionsObject = {
      timeout: false,
      errorThresholdPercentage: this.options.errorThresholdPercentage,
      volumeThreshold: this.options.volumeThreshold,
      resetTimeout: this.options.resetTimeout,
      rollingCountTimeout: this.options.rollingCountTimeout,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (err: unknown) => !isFault(err) && !(err instanceof CancelledProbe),
    }
    if (this.name !== undefined) options.name = this.name
    if (carried) options.state = { closed: false, halfOpen: carried.halfOpen, lastTimerAt: carried.openedAt }
    const breaker = new CircuitBreaker(action, options)
    this.breakerOptions = options
    // Opening inside the constructor (a carried open state) emitted 'open' before this listener existed
    // (and is no news for the peers: the breaker was open already).
    if (breaker.opened) this.halfOpenAtMs = Date.now() + this.options.resetTimeout
    breaker.on('open', () => {
      const at = Date.now() + (options.resetTimeout ?? this.options.resetTimeout)
      this.halfOpenAtMs = at
      if (!this.openingRemotely) this.listener?.onBreakerOpen?.(at)
    })
    return breaker
  }
}
