/**
 * The one Redis connection a replica shares its state through (`HEADROOM_REDIS_URL`): the admission
 * state (client keys' limits, budgets), the targets' headroom and health use it, so they are degraded
 * and rejoin together, with one loud warning each way.
 *
 * Redis unreachable, or slow (> 50 ms: the command timeout) three calls in a row: every call resolves to
 * its caller's local answer, `health()` says degraded, and while degraded one call a second asks Redis
 * (the others do not wait for a slow one) until it answers again. One late answer alone is not enough:
 * the timer runs in this process, so a replica whose own event loop stalled (a busy CPU, a GC pause)
 * would otherwise flap between shared and degraded many times a second. The warning about going
 * degraded is written at most once a minute (the next one counts the times held back), and "answers
 * again" only after a warning was written, so a flapping replica cannot fill the log. Keys live under one prefix (`headroom:` by default) so
 * several deployments, or tests, share one Redis.
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
import { Redis } from 'ioredis'
import type { Logger } from '../lib/logger.ts'

/** Slower than this and Redis counts as down (issue 14: local state rather than slow requests). */
const REDIS_TIMEOUT_MS = 50
/** Degraded: how often a call asks Redis whether it is back. */
const PROBE_EVERY_MS = 1000
/** Timeouts in a row that make a reachable Redis count as down. */
const SLOW_CALLS_TO_DEGRADE = 3
/** The "degraded" warning at most this often. */
const WARN_EVERY_MS = 60_000

export interface RedisLinkOptions {
  readonly url: string
  /** Every key starts with this (`headroom:` by default). */
  readonly prefix?: string
  readonly log: Logger
  readonly timeoutMs?: number
}

/** Shared-state health, for GET /health: `shared` while Redis answers, `degraded` while it does not. */
export interface SharedHealth {
  readonly shared: boolean
  readonly degraded: boolean
}

export class RedisLink {
  readonly redis: Redis
  readonly prefix: string
  readonly timeoutMs: number
  private readonly log: Logger
  private degraded = false
  /** While degraded: when (performance.now()) the next call may ask Redis again. */
  private probeAt = 0
  /** Calls that timed out since the last answer. */
  private slowInARow = 0
  /** When (performance.now()) the last "degraded" warning was written; whether it was since the last "back". */
  private warnedAt = Number.NEGATIVE_INFINITY
  private warned = false
  /** Times degraded without a warning since the last one written. */
  private heldBack = 0

  constructor(opts: RedisLinkOptions) {
    this.prefix = opts.prefix ?? 'headroom:'
    this.log = opts.log
    this.timeoutMs = opts.timeoutMs ?? REDIS_TIMEOUT_MS
    this.redis = new Redis(opts.url, {
      commandTimeout: this.timeoutMs,
      // Fail at once while disconnected (the local state serves) rather than queue behind a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 1000,
      // No INFO before the first command: under the 50 ms timeout a slow answer to it failed the connection, and
      // each reconnect a second later could fail the same way. A Redis still loading answers LOADING errors
      // instead, which fail over to the local state like any other.
      enableReadyCheck: false,
      lazyConnect: true,
      // The calls of one event-loop turn (many requests' admissions, claims and releases under load) go out
      // in one write, and Redis reads them at once: bench/ab.ts at 16 connections, 4–11% less CPU a request
      // for the replica (main thread 7–15%), and less of Redis's own in bench:cluster (2026-12-05).
      // https://github.com/redis/ioredis#autopipelining
      enableAutoPipelining: true,
    })
    // Connection errors surface as failed calls (fail below); without a listener ioredis would print each one.
    this.redis.on('error', () => {})
  }

  /** Connects, waiting at most `ms`: a Redis down at start-up is the same as one down later (degraded). */
  async connect(ms = 1000): Promise<void> {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
    await Promise.race([
      this.redis.connect().then(
        () => this.ok(),
        (err: unknown) => this.fail(err),
      ),
      timer,
    ])
  }

  health(): SharedHealth {
    return { shared: !this.degraded, degraded: this.degraded }
  }

  /** Whether a call should go to Redis now (false while degraded, but for one probe a second). */
  usable(): boolean {
    return !this.degraded || performance.now() >= this.probeAt
  }

  /** A key under the prefix; parts encoded so that a ':' in a name cannot collide with another key's layout. */
  key(...parts: (string | number)[]): string {
    return this.prefix + parts.map((p) => encodeURIComponent(String(p))).join(':')
  }

  /** Redis answered. */
  ok(): void {
    this.slowInARow = 0
    if (!this.degraded) return
    this.degraded = false
    if (!this.warned) return
    this.warned = false
    this.log.warn('Redis answers again: limits, budgets and target state are shared across replicas again')
  }

  /** Redis failed, or was too slow three times in a row: degraded, with one warning until it answers again. */
  fail(err: unknown): void {
    const timedOut = err instanceof Error && err.message === 'Command timed out'
    if (!this.degraded && timedOut && ++this.slowInARow < SLOW_CALLS_TO_DEGRADE) return
    this.probeAt = performance.now() + PROBE_EVERY_MS
    if (this.degraded) return
    this.degraded = true
    const now = performance.now()
    if (now - this.warnedAt < WARN_EVERY_MS) {
      this.heldBack++
      return
    }
    this.warnedAt = now
    this.warned = true
    const why = err instanceof Error ? err.message : String(err)
    const fields = this.heldBack > 0 ? { error: why, times_since_last_warning: this.heldBack } : { error: why }
    this.heldBack = 0
    this.log.warn(
      `Redis (HEADROOM_REDIS_URL) is unreachable or slower than ${this.timeoutMs} ms: limits, budgets and target state are kept per replica until it answers again`,
      fields,
    )
  }

  /** A call that never rejects: its result, or `fallback` (and degraded) when Redis fails. */
  async run<T>(call: (redis: Redis) => Promise<T>, fallback: T): Promise<T> {
    try {
      const v = await call(this.redis)
      this.ok()
      return v
    } catch (err) {
      this.fail(err)
      return fallback
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect()
  }
}
