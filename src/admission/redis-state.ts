/**
 * The shared admission state in Redis (`HEADROOM_REDIS_URL`): client keys' rpm/tpm buckets, their
 * requests at once, and the budgets' counters, updated atomically by the Lua scripts of redis-scripts.ts
 * (one EVALSHA per admission).
 *
 * Counting matches the in-process code: rpm and tpm are token buckets refilling continuously over 60 s
 * (HeadroomTracker); a budget admits while the spend so far — here plus the estimates of the requests in
 * flight on every replica — is below its cap. A request under both its key's budget and its route's is
 * checked and reserved against both in the one call. Every key has a TTL: buckets 2 minutes after their
 * last use, reservations as long as a request may last, day and month counters a little past their period.
 * A reservation whose replica died is dropped when it expires, so nothing leaks for good.
 *
 * Spend: each spend row adds its cost once (a marker per row), to all its budgets at once. A row of a
 * request still in flight waits for the request's release and goes with it in one pipeline — row first, so
 * that no moment counts neither the estimate nor the cost. Releases and rows Redis did not take (down,
 * slow) are kept (bounded) and sent again once it answers: both are idempotent, so a release or row that
 * ran after all is not counted twice.
 *
 * A budget counter Redis does not have (emptied, or a new day) is rebuilt from the spend table
 * (`spendSoFar`), less this replica's rows not yet sent (they add to it afterwards): ADMIT answers that it
 * needs a seed, and is asked again with it. https://redis.io/docs/latest/develop/use/pipelining/
 *
 * Redis slow (> 50 ms) or unreachable: the call resolves as admitted (the local check already decided),
 * and the connection (state/redis-link.ts) is degraded until Redis answers again.
 */
import type { ChainableCommander, Redis } from 'ioredis'
import { dayStart, monthStart } from '../lib/utc-period.ts'
import { RedisLink, type RedisLinkOptions, type SharedHealth } from '../state/redis-link.ts'
import type { BudgetScope } from './budgets.ts'
import { ADD_SPEND, ADMIT, NEEDS_SEED, RELEASE } from './redis-scripts.ts'
import type { SharedAdmission, SharedAsk, SharedSpend, SharedVerdict, SpendSoFar } from './shared-store.ts'

/** Releases and rows kept for Redis while it does not answer; past this the oldest are dropped (their TTLs clean up). */
const MAX_UNSENT = 10_000
/** How long an admission waits for the spend table's totals before seeding from what it has. */
const SEED_WAIT_MS = 2_000

/** The answer while Redis does not answer: the local check, already passed, decides. */
const LOCAL: SharedVerdict = { ok: true, remainingRequests: null, remainingTokens: null }

type Arg = string | number
type ScriptName = 'hrAdmit' | 'hrRelease' | 'hrAddSpend'
type Scripts = Record<ScriptName, (numKeys: number, ...args: Arg[]) => Promise<unknown>>

/** A script call not yet taken by Redis (a row: its cost, to keep it out of a seed). */
interface Op {
  readonly script: 'hrRelease' | 'hrAddSpend'
  readonly keys: readonly string[]
  readonly args: readonly Arg[]
  readonly row?: SharedSpend
}

/** An admitted request's reservation, until released: its keys, and its spend rows waiting to go with it. */
interface Held {
  readonly keys: readonly string[]
  readonly rows: SharedSpend[]
}

export interface RedisAdmissionOptions {
  /** The spend table's totals, to rebuild a missing counter; without it a missing counter starts from 0. */
  readonly spendSoFar?: SpendSoFar
}

export class RedisAdmission implements SharedAdmission {
  private readonly redis: Redis & Scripts
  /** The connection, shared with the targets' state (one degraded flag for all). */
  readonly link: RedisLink
  private readonly spendSoFar: SpendSoFar
  /** Keyed by request id; bounded by the requests in flight. */
  private readonly held = new Map<string, Held>()
  /** Releases and rows Redis has not taken yet, oldest first. */
  private unsent: Op[] = []
  private resending = false

  constructor(link: RedisLink | RedisLinkOptions, opts: RedisAdmissionOptions = {}) {
    this.link = link instanceof RedisLink ? link : new RedisLink(link)
    this.spendSoFar = opts.spendSoFar ?? (async () => ({ day: 0, month: 0 }))
    const redis = this.link.redis
    // No numberOfKeys: each call says how many (a request has zero, one or two budgets).
    redis.defineCommand('hrAdmit', { lua: ADMIT })
    redis.defineCommand('hrRelease', { lua: RELEASE })
    redis.defineCommand('hrAddSpend', { lua: ADD_SPEND })
    this.redis = redis as Redis & Scripts
  }

  connect(ms = 1000): Promise<void> {
    return this.link.connect(ms)
  }

  health(): SharedHealth {
    return this.link.health()
  }

  private k(...parts: (string | number)[]): string {
    return this.link.key(...parts)
  }

  private counters(scope: BudgetScope, name: string, ts: number): [string, string] {
    return [this.k('b', scope, name, 'd', dayStart(ts)), this.k('b', scope, name, 'm', monthStart(ts))]
  }

  async admit(ask: SharedAsk, now: number): Promise<SharedVerdict> {
    if (!this.link.usable()) return LOCAL
    const keyName = ask.key?.name ?? ''
    const keys = [this.k('k', keyName, 'rpm'), this.k('k', keyName, 'tpm'), this.k('k', keyName, 'conc')]
    keys.push(this.k('r', ask.requestId))
    // RELEASE's keys: tpm, requests at once, the reservation, then each budget's in-flight pair.
    const releaseKeys = [keys[1] ?? '', keys[2] ?? '', keys[3] ?? '']
    for (const b of ask.budgets) {
      const inFlight = [this.k('b', b.scope, b.name, 'res'), this.k('b', b.scope, b.name, 'exp')] as const
      keys.push(...this.counters(b.scope, b.name, now), ...inFlight)
      releaseKeys.push(...inFlight)
    }
    const args = (seeds: readonly (readonly [number, number])[] | null): Arg[] => [
      now,
      ask.key?.rpm ?? 0,
      ask.key?.tpm ?? 0,
      ask.key?.concurrency ?? 0,
      ask.tokens,
      ask.estimate,
      ask.requestId,
      ...ask.budgets.flatMap((b, i) => [b.daily ?? -1, b.monthly ?? -1, ...(seeds?.[i] ?? [-1, -1])]),
    ]
    // Held from before the call: rows that land meanwhile wait for the release, and a call that timed out
    // here but ran in Redis is released below.
    this.held.set(ask.requestId, { keys: releaseKeys, rows: [] })
    let r = await this.call(keys, args(null), now, ask.requestId)
    if (r?.[0] === NEEDS_SEED) {
      const seeds = await this.seeds(ask, now)
      // No answer from the spend table: rather than start a counter from nothing, this one admission is local.
      r = seeds ? await this.call(keys, args(seeds), now, ask.requestId) : null
    }
    if (!r) return LOCAL
    const [ok, a = -1, c = -1, d = 0, which = 0] = r
    if (ok === 1) return { ok: true, remainingRequests: a < 0 ? null : a, remainingTokens: c < 0 ? null : c }
    void this.send(this.forget(ask.requestId))
    const budget = ask.budgets[which - 1]
    if ((a === 4 || a === 5) && budget)
      return {
        ok: false,
        kind: a === 4 ? 'daily' : 'monthly',
        scope: budget.scope,
        name: budget.name,
        limit: c,
        spent: d,
      }
    if (a === 1 || a === 2 || a === 3)
      return { ok: false, kind: a === 1 ? 'rpm' : a === 2 ? 'tpm' : 'concurrency', retryAfterMs: Math.max(1, c) }
    return LOCAL // NEEDS_SEED twice: a counter expired between the two calls; the local check decides
  }

  /** One ADMIT; null when Redis failed (then whatever it may have charged is released after it). */
  private async call(keys: string[], args: Arg[], now: number, requestId: string): Promise<number[] | null> {
    try {
      const r = (await this.redis.hrAdmit(keys.length, ...keys, ...args)) as number[]
      this.answered()
      return r
    } catch (err) {
      this.link.fail(err)
      // Timed out, the script may still have run: undo whatever it charged (after it, on the same connection).
      void this.release(requestId, null, now)
      return null
    }
  }

  /** Each budget's spend so far per the spend table, less this replica's rows Redis has not counted yet. */
  private async seeds(ask: SharedAsk, now: number): Promise<Array<[number, number]> | null> {
    const wait = new Promise<null>((resolve) => setTimeout(resolve, SEED_WAIT_MS, null).unref())
    const totals = await Promise.all(
      ask.budgets.map((b) => Promise.race([this.spendSoFar(b.scope, b.name, now).catch(() => null), wait])),
    )
    if (totals.some((t) => t === null)) {
      this.held.delete(ask.requestId)
      return null
    }
    // Computed just before the call: rows sent before it are counted by it (their counter is missing, the
    // table has them), rows sent after add to the seed.
    return ask.budgets.map((b, i) => {
      const t = totals[i] ?? { day: 0, month: 0 }
      const [day, month] = this.notCounted(b.scope, b.name, now)
      return [Math.max(0, t.day - day), Math.max(0, t.month - month)]
    })
  }

  /** This replica's rows for a budget, this day and month, that Redis has not taken yet. */
  private notCounted(scope: BudgetScope, name: string, now: number): [number, number] {
    let day = 0
    let month = 0
    const count = (row: SharedSpend) => {
      if (!row.budgets.some((b) => b.scope === scope && b.name === name)) return
      if (dayStart(row.ts) === dayStart(now)) day += row.microcents
      if (monthStart(row.ts) === monthStart(now)) month += row.microcents
    }
    for (const h of this.held.values()) for (const row of h.rows) count(row)
    for (const op of this.unsent) if (op.row) count(op.row)
    return [day, month]
  }

  /** A reservation refused or released: its rows, if any arrived, go on their own. */
  private forget(requestId: string): Op[] {
    const held = this.held.get(requestId)
    if (!held) return []
    this.held.delete(requestId)
    return held.rows.map((row) => this.spendOp(row))
  }

  release(requestId: string, actualTokens: number | null, now: number): Promise<void> {
    const held = this.held.get(requestId)
    if (!held) return Promise.resolve()
    const ops = this.forget(requestId)
    ops.push({ script: 'hrRelease', keys: held.keys, args: [now, actualTokens ?? -1, requestId] })
    return this.send(ops)
  }

  addSpend(row: SharedSpend): Promise<void> {
    if (row.microcents <= 0 || row.budgets.length === 0) return Promise.resolve()
    const held = this.held.get(row.requestId)
    if (held) {
      held.rows.push(row)
      return Promise.resolve()
    }
    return this.send([this.spendOp(row)])
  }

  private spendOp(row: SharedSpend): Op {
    const keys = [this.k('row', row.rowId), ...row.budgets.flatMap((b) => this.counters(b.scope, b.name, row.ts))]
    return { script: 'hrAddSpend', keys, args: [row.microcents], row }
  }

  /** Sends releases and rows, in order, in one round trip (a pipeline); those Redis did not take are kept for later. */
  private async send(ops: Op[]): Promise<void> {
    if (ops.length === 0) return
    const failed: Op[] = []
    let error: unknown = null
    try {
      if (ops.length === 1) {
        const op = ops[0] as Op
        await this.redis[op.script](op.keys.length, ...op.keys, ...op.args)
      } else {
        const p = this.redis.pipeline() as ChainableCommander & Scripts
        for (const op of ops) void p[op.script](op.keys.length, ...op.keys, ...op.args)
        const results = (await p.exec()) ?? []
        for (const [i, op] of ops.entries()) {
          const [err] = results[i] ?? [new Error('no answer')]
          if (err) {
            error = err
            failed.push(op)
          }
        }
      }
    } catch (err) {
      error = err
      failed.push(...ops)
    }
    if (failed.length > 0) {
      this.link.fail(error)
      this.keep(failed)
    } else this.answered()
  }

  private keep(ops: readonly Op[]): void {
    this.unsent.push(...ops)
    if (this.unsent.length > MAX_UNSENT) this.unsent.splice(0, this.unsent.length - MAX_UNSENT)
  }

  /** Redis answered: it is back, and what it missed meanwhile is sent (once at a time). */
  private answered(): void {
    this.link.ok()
    if (this.unsent.length === 0 || this.resending) return
    const ops = this.unsent
    this.unsent = []
    this.resending = true
    void this.send(ops).finally(() => {
      this.resending = false
    })
  }

  close(): Promise<void> {
    return this.link.close()
  }
}
