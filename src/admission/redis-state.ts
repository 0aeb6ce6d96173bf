/**
 * The shared admission state in Redis (`HEADROOM_REDIS_URL`): client keys' rpm/tpm buckets, their
 * requests at once, and budget counters, updated atomically by Lua scripts (one EVALSHA per call: a
 * script runs alone on the server, so check-and-charge cannot interleave across replicas).
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 *
 * Counting matches the in-process code: rpm and tpm are token buckets refilling continuously over 60 s
 * (HeadroomTracker); a budget admits while the spend so far — here plus the estimates of the requests in
 * flight on every replica — is below its cap. Every key has a TTL: buckets 2 minutes after their last use,
 * reservations as long as a request may last, day and month counters a little past their period. A
 * reservation whose replica died is dropped when it expires, so nothing leaks for good.
 *
 * Redis slow (> 50 ms) or unreachable: the call resolves as admitted (the local check already decided),
 * and the connection (state/redis-link.ts) is degraded until Redis answers again.
 */
import type { Redis } from 'ioredis'
import { DAY_MS, dayStart, monthStart } from '../lib/utc-period.ts'
import { RedisLink, type RedisLinkOptions, type SharedHealth } from '../state/redis-link.ts'
import type { BudgetScope } from './budgets.ts'
import type { SharedAdmission, SharedAsk, SharedVerdict } from './shared-store.ts'

/** How long a request may hold a reservation before it is dropped (a replica that died never releases). */
const RESERVATION_TTL_MS = 15 * 60_000
const BUCKET_TTL_MS = 120_000
const DAY_TTL_MS = 2 * DAY_MS
const MONTH_TTL_MS = 32 * DAY_MS
/** A spend row is counted once: its id is remembered this long. */
const ROW_TTL_MS = DAY_MS

// KEYS: rpm bucket, tpm bucket, concurrency zset, day spent, month spent, in-flight estimates (hash),
// their expiries (zset), this request's reservation. ARGV: now, rpm, tpm, concurrency (0: none), tokens,
// daily, monthly (-1: none), estimate, local day, local month spend (to seed an emptied Redis), request id.
const ADMIT = `
local now = tonumber(ARGV[1])
local rpm, tpm, conc, tokens = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local daily, monthly, est = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local id = ARGV[11]
if redis.call('EXISTS', KEYS[8]) == 1 then return {1, -1, -1} end
local function level(key, cap)
  local h = redis.call('HMGET', key, 'a', 't')
  local a, t = tonumber(h[1]), tonumber(h[2])
  if not a then return cap end
  return math.min(cap, a + math.max(0, now - t) * cap / 60000)
end
local ra, ta = 0, 0
if rpm > 0 then
  ra = level(KEYS[1], rpm)
  if ra < 1 then return {0, 1, math.ceil((1 - ra) * 60000 / rpm)} end
end
if tpm > 0 then
  ta = level(KEYS[2], tpm)
  if ta < tokens then return {0, 2, math.ceil((tokens - ta) * 60000 / tpm)} end
end
if conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= conc then return {0, 3, 1000} end
end
if daily >= 0 or monthly >= 0 then
  local gone = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', now)
  for _, g in ipairs(gone) do redis.call('HDEL', KEYS[6], g) end
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now)
  local inflight = 0
  for _, v in ipairs(redis.call('HVALS', KEYS[6])) do inflight = inflight + tonumber(v) end
  local caps = {{KEYS[4], daily, ARGV[9], ${DAY_TTL_MS}, 4}, {KEYS[5], monthly, ARGV[10], ${MONTH_TTL_MS}, 5}}
  for _, c in ipairs(caps) do
    if c[2] >= 0 then
      redis.call('SET', c[1], c[3], 'NX', 'PX', c[4])
      local spent = tonumber(redis.call('GET', c[1]))
      if spent + inflight >= c[2] then return {0, c[5], c[2], spent + inflight} end
    end
  end
  redis.call('HSET', KEYS[6], id, est)
  redis.call('ZADD', KEYS[7], now + ${RESERVATION_TTL_MS}, id)
  redis.call('PEXPIRE', KEYS[6], ${RESERVATION_TTL_MS})
  redis.call('PEXPIRE', KEYS[7], ${RESERVATION_TTL_MS})
end
if rpm > 0 then
  redis.call('HSET', KEYS[1], 'a', ra - 1, 't', now)
  redis.call('PEXPIRE', KEYS[1], ${BUCKET_TTL_MS})
end
if tpm > 0 then
  redis.call('HSET', KEYS[2], 'a', ta - tokens, 't', now)
  redis.call('PEXPIRE', KEYS[2], ${BUCKET_TTL_MS})
end
if conc > 0 then
  redis.call('ZADD', KEYS[3], now + ${RESERVATION_TTL_MS}, id)
  redis.call('PEXPIRE', KEYS[3], ${RESERVATION_TTL_MS})
end
redis.call('HSET', KEYS[8], 'tokens', tokens, 'tpm', tpm)
redis.call('PEXPIRE', KEYS[8], ${RESERVATION_TTL_MS})
return {1, rpm > 0 and math.floor(ra - 1) or -1, tpm > 0 and math.floor(ta - tokens) or -1}
`

// KEYS: tpm bucket, concurrency zset, in-flight estimates, their expiries, the reservation.
// ARGV: now, actual tokens (-1: unknown, no correction), request id. The reservation is deleted by the
// first call, so a retried release does nothing.
const RELEASE = `
local rec = redis.call('HMGET', KEYS[5], 'tokens', 'tpm')
if not rec[1] then return 0 end
redis.call('DEL', KEYS[5])
local now, actual, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREM', KEYS[2], id)
redis.call('HDEL', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)
local tpm, tokens = tonumber(rec[2]), tonumber(rec[1])
if tpm > 0 and actual >= 0 then
  local h = redis.call('HMGET', KEYS[1], 'a', 't')
  local a, t = tonumber(h[1]), tonumber(h[2])
  if a then
    a = math.min(tpm, a + math.max(0, now - t) * tpm / 60000 + tokens - actual)
    redis.call('HSET', KEYS[1], 'a', a, 't', now)
  end
end
return 1
`

// KEYS: the row's marker, day spent, month spent. ARGV: micro-cents. Counted once per row; a counter
// not there is left for the next admission to seed (from a spend table that has the row).
const ADD_SPEND = `
if not redis.call('SET', KEYS[1], 1, 'NX', 'PX', ${ROW_TTL_MS}) then return 0 end
for i = 2, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return 1
`

/** The answer while Redis does not answer: the local check, already passed, decides. */
const LOCAL: SharedVerdict = { ok: true, remainingRequests: null, remainingTokens: null }

type Arg = string | number
interface Scripts {
  hrAdmit(...args: Arg[]): Promise<number[]>
  hrRelease(...args: Arg[]): Promise<number>
  hrAddSpend(...args: Arg[]): Promise<number>
}

export class RedisAdmission implements SharedAdmission {
  private readonly redis: Redis & Scripts
  /** The connection, shared with the targets' state (one degraded flag for all). */
  readonly link: RedisLink

  constructor(link: RedisLink | RedisLinkOptions) {
    this.link = link instanceof RedisLink ? link : new RedisLink(link)
    const redis = this.link.redis
    redis.defineCommand('hrAdmit', { numberOfKeys: 8, lua: ADMIT })
    redis.defineCommand('hrRelease', { numberOfKeys: 5, lua: RELEASE })
    redis.defineCommand('hrAddSpend', { numberOfKeys: 3, lua: ADD_SPEND })
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

  private budgetKeys(scope: BudgetScope, name: string, ts: number): [string, string] {
    return [this.k('b', scope, name, 'd', dayStart(ts)), this.k('b', scope, name, 'm', monthStart(ts))]
  }

  async admit(ask: SharedAsk, now: number): Promise<SharedVerdict> {
    if (!this.link.usable()) return LOCAL
    const key = ask.key
    const b = ask.budget
    const [day, month] = b ? this.budgetKeys(b.scope, b.name, now) : [this.k('none'), this.k('none')]
    const keys = [
      this.k('k', key?.name ?? '', 'rpm'),
      this.k('k', key?.name ?? '', 'tpm'),
      this.k('k', key?.name ?? '', 'conc'),
      day,
      month,
      b ? this.k('b', b.scope, b.name, 'res') : this.k('none'),
      b ? this.k('b', b.scope, b.name, 'exp') : this.k('none'),
      this.k('r', ask.requestId),
    ]
    const args = [
      now,
      key?.rpm ?? 0,
      key?.tpm ?? 0,
      key?.concurrency ?? 0,
      ask.tokens,
      b?.daily ?? -1,
      b?.monthly ?? -1,
      b?.estimate ?? 0,
      b?.localDay ?? 0,
      b?.localMonth ?? 0,
      ask.requestId,
    ]
    let r: number[]
    this.held.set(ask.requestId, { tpm: keys[1]!, conc: keys[2]!, res: keys[5]!, exp: keys[6]! })
    try {
      r = await this.redis.hrAdmit(...keys, ...args)
    } catch (err) {
      this.link.fail(err)
      // Timed out, the script may still have run: undo whatever it charged (after it, on the same connection).
      void this.release(ask.requestId, null, now)
      return LOCAL
    }
    this.link.ok()
    const [ok, a = -1, c = -1, d = 0] = r
    if (ok !== 1) this.held.delete(ask.requestId)
    if (ok === 1) return { ok: true, remainingRequests: a < 0 ? null : a, remainingTokens: c < 0 ? null : c }
    if (a === 4 || a === 5) return { ok: false, kind: a === 4 ? 'daily' : 'monthly', limit: c, spent: d }
    return { ok: false, kind: a === 1 ? 'rpm' : a === 2 ? 'tpm' : 'concurrency', retryAfterMs: Math.max(1, c) }
  }

  release(requestId: string, actualTokens: number | null, now: number): Promise<void> {
    const held = this.held.get(requestId)
    if (!held) return Promise.resolve()
    this.held.delete(requestId)
    const keys = [held.tpm, held.conc, held.res, held.exp, this.k('r', requestId)]
    return this.redis.hrRelease(...keys, now, actualTokens ?? -1, requestId).then(
      () => this.link.ok(),
      (err: unknown) => this.link.fail(err),
    )
  }

  /** Keys of each admitted request's reservation until it is released (bounded by the requests in flight). */
  private readonly held = new Map<string, { tpm: string; conc: string; res: string; exp: string }>()

  addSpend(scope: BudgetScope, name: string, rowId: string, ts: number, microcents: number): Promise<void> {
    if (microcents <= 0) return Promise.resolve()
    const [day, month] = this.budgetKeys(scope, name, ts)
    return this.redis.hrAddSpend(this.k('row', rowId), day, month, microcents).then(
      () => this.link.ok(),
      (err: unknown) => this.link.fail(err),
    )
  }

  close(): Promise<void> {
    return this.link.close()
  }
}
