/**
 * Targets' headroom shared across replicas through Redis (`HEADROOM_REDIS_URL`): what HeadroomTracker
 * (routing/limits.ts) counts for one replica — the provider's last snapshot per window, the reservations
 * it has not counted yet, the declared rpm / tpm buckets, the requests in flight and the cold start — kept
 * once per target state id for all replicas, and updated by Lua scripts (a script runs alone on the
 * server, so check-and-charge cannot interleave across replicas).
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 *
 * The arithmetic is HeadroomTracker's, over every replica's reservations:
 * - `reserve` checks the request against the provider's windows (decayed linearly to their reset) minus
 *   the unseen charges of all replicas, the declared buckets and the concurrency cap, and — until the
 *   target has answered once, with no declared limits — one request in flight across all replicas. It
 *   charges if the request fits, else says when it would. A shared sequence (HINCRBY) numbers the
 *   reservations, as the in-process `sequence` does on one replica.
 * - `observe` takes the snapshot an answer carried with the number of the reservation it answered:
 *   older knowledge is ignored. The provider has counted the reservations the same replica made up to
 *   that number (one replica sends in the order it reserves), and another replica's only if made a grace
 *   period (1 s) before it: another replica may send an earlier number later, and taking it as counted
 *   would send one request too many (a 429 the three-replica e2e test saw). Until then it is counted
 *   twice, which errs towards sending less.
 * - `release` frees the in-flight slot and corrects a still-unseen charge and the tpm bucket to the real
 *   usage; a second release does nothing.
 * The unseen sums are fields kept up to date, and each replica's reservations are retired from the front
 * of its own list, in its order, so a call costs O(replicas) plus O(1) amortised, never a scan.
 *
 * Every key has a TTL: the state 15 to 16 minutes after its last use (set when a key is created, and
 * anew at most once a minute); an in-flight slot expires with its
 * request's lifetime, so a replica that dies leaks nothing for good. Clocks are the replicas' own
 * (`now` comes in): replicas must keep them in sync (NTP), as the providers' reset times assume.
 *
 * Redis slow (> 50 ms) or unreachable: `reserve` answers "go" (the local tracker already decided), and the
 * connection (redis-link.ts) is degraded until Redis answers again.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { DeclaredLimits } from '../config/types.ts'
import type { RateLimitSnapshot } from '../providers/types.ts'
import {
  type ActualUsage,
  DIMENSIONS,
  type Need,
  type SharedClaim,
  type SharedLimitStore,
  type SharedTicket,
} from '../routing/limit-store.ts'
import { toWindow, WINDOW_MS } from '../routing/limits.ts'
import type { RedisLink } from './redis-link.ts'

/** How long a target's shared state outlives its last use; also the longest an in-flight slot is held. */
const STATE_TTL_MS = 15 * 60_000
/**
 * Another replica's reservation made this long before the answered one is taken as counted by the
 * provider; a later one only once its own answer, or a later snapshot, comes (see observe).
 */
const DEFAULT_GRACE_MS = 1_000
/**
 * The keys' TTLs are set anew at most this often (a stamp in the state), and on a key when a call creates
 * it: a PEXPIRE of every key on every call was 10 of a request's ~75 Redis commands. Set to the state's
 * TTL plus this, every key still outlives its last use by the state's TTL at least.
 */
const REFRESH_MS = 60_000

// KEYS (all scripts): the state (hash), this replica's unseen reservations in sequence order (list of
// "seq at id"), the unseen reservations' charges (hash id → "requests tokens input output"), the requests
// in flight (zset id → expiry), the replicas' lists (set). State fields: seq, ans (answered once), ka / ks
// (knowledge time / sequence of the snapshot held), per window i (1..4: requests, tokens, input, output
// tokens) l<i> limit (-1: none), r<i> remaining, a<i> at, z<i> reset, h<i> held; u<i> the unseen sums and
// n their count, last (when the latest was made); declared buckets rc rl rt (rpm), tc tl tt (tpm).
// The other replicas' lists are named in the set, not in KEYS: a standalone Redis (or one shard) holds them.
const COMMON = `
local H, Q, C, F, O = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local WINDOW = ${WINDOW_MS}
local function num(v, d)
  local n = tonumber(v)
  if n == nil then return d end
  return n
end
local function level(cap, l, t, now)
  if now <= t then return l end
  return math.min(cap, l + cap * (now - t) / WINDOW)
end
-- Counted by the provider: its charge leaves the unseen sums.
local function see(id)
  local ch = redis.call('HGET', C, id)
  if not ch then return end
  local i = 0
  for v in string.gmatch(ch, '%S+') do
    i = i + 1
    redis.call('HINCRBYFLOAT', H, 'u' .. i, -tonumber(v))
  end
  redis.call('HDEL', C, id)
  redis.call('HINCRBY', H, 'n', -1)
end
-- The front of one replica's list: reservations numbered up to seq, or made at or before untilAt.
local function retireList(L, seq, untilAt)
  while true do
    local e = redis.call('LINDEX', L, 0)
    if not e then return end
    local s, a, id = string.match(e, '^(%d+) (%S+) (.+)$')
    if tonumber(s) > seq and tonumber(a) > untilAt then return end
    redis.call('LPOP', L)
    see(id)
  end
end
-- Every replica's reservations made at or before untilAt (one list per replica: a few).
local function retireAll(untilAt)
  for _, L in ipairs(redis.call('SMEMBERS', O)) do
    retireList(L, -1, untilAt)
    if redis.call('LLEN', L) == 0 then redis.call('SREM', O, L) end
  end
  -- Nothing unseen remains: drop floating-point residue.
  if num(redis.call('HGET', H, 'n'), 0) <= 0 then
    redis.call('HDEL', H, 'u1', 'u2', 'u3', 'u4', 'n')
    redis.call('DEL', C)
  end
end
-- e: when the TTLs were last set (H's field; nil when H is new). All of them, once REFRESH_MS has passed.
local function keep(e, now)
  if e and now >= e and now - e < ${REFRESH_MS} then return end
  for _, k in ipairs({H, Q, C, F, O}) do redis.call('PEXPIRE', k, ${STATE_TTL_MS + REFRESH_MS}) end
  redis.call('HSET', H, 'e', now)
end
-- A key this call created, between two refreshes.
local function born(k) redis.call('PEXPIRE', k, ${STATE_TTL_MS + REFRESH_MS}) end
`

// ARGV: now, reservation id, tokens, input tokens, output tokens, declared rpm, tpm, concurrency (0: none),
// lifetime ms. Returns {1, seq} (charged) or {0, when it fits (ms), -1: after a release, -2: never}.
const RESERVE = `${COMMON}
local now, id = tonumber(ARGV[1]), ARGV[2]
local ch = {1, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])}
local rpm, tpm, conc, life = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
-- A state that expired starts afresh: nothing of an older one counts.
local st = redis.call('HMGET', H, 'seq', 'ans', 'e')
if not st[1] and redis.call('EXISTS', H) == 0 then redis.call('DEL', Q, C, O) end
local e = tonumber(st[3])
retireAll(now - WINDOW)
redis.call('ZREMRANGEBYSCORE', F, '-inf', now)
local count = redis.call('ZCARD', F)
if conc > 0 and count >= conc then return {0, -1} end
if st[2] ~= '1' and count >= 1 and rpm <= 0 and tpm <= 0 and conc <= 0 then return {0, -1} end
-- A declared bucket under its configured capacity, keeping what was used; nil when none is declared.
local function bucket(cf, lf, tf, cap)
  if cap <= 0 then
    redis.call('HDEL', H, cf, lf, tf)
    return nil
  end
  local h = redis.call('HMGET', H, cf, lf, tf)
  local c0 = tonumber(h[1])
  if not c0 then return cap end
  return cap - (c0 - level(c0, tonumber(h[2]), tonumber(h[3]), now))
end
local rl, tl = bucket('rc', 'rl', 'rt', rpm), bucket('tc', 'tl', 'tt', tpm)
local fits, never, t = true, false, now
for _, b in ipairs({{rl, rpm, 1}, {tl, tpm, ch[2]}}) do
  local lv, cap, need = b[1], b[2], b[3]
  if lv and lv < need then
    fits = false
    if need > cap then never = true else t = math.max(t, now + (need - lv) * WINDOW / cap) end
  end
end
local any = false
for i = 1, 4 do
  local h = redis.call('HMGET', H, 'l' .. i, 'r' .. i, 'a' .. i, 'z' .. i, 'h' .. i, 'u' .. i)
  if h[2] then
    any = true
    local limit, rem, at, reset, held = tonumber(h[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4]), h[5] == '1'
    if limit < 0 then limit = nil end
    local avail
    if now >= reset then avail = limit
    elseif held or limit == nil or now <= at then avail = rem
    else avail = rem + (limit - rem) * (now - at) / (reset - at) end
    local wanted = ch[i] + num(h[6], 0)
    if avail and avail < wanted then
      fits = false
      if limit and ch[i] > limit then never = true
      else
        local when = reset
        if limit and not held and wanted <= limit then when = at + (wanted - rem) / (limit - rem) * (reset - at) end
        -- The unseen charges keep it over the limit even when full: wait until they have aged out.
        if limit and wanted > limit then when = math.max(when, num(redis.call('HGET', H, 'last'), now) + WINDOW) end
        t = math.max(t, when)
      end
    end
  end
end
if never then return {0, -2} end
if not fits then return {0, math.max(math.ceil(t), now + 1)} end
local seq = redis.call('HINCRBY', H, 'seq', 1)
-- Unseen charges only matter against the provider's own numbers (see HeadroomTracker.reserve).
if any then
  if redis.call('RPUSH', Q, seq .. ' ' .. ARGV[1] .. ' ' .. id) == 1 then born(Q) end
  if redis.call('SADD', O, Q) == 1 then born(O) end
  redis.call('HSET', C, id, '1 ' .. ARGV[3] .. ' ' .. ARGV[4] .. ' ' .. ARGV[5])
  for i = 1, 4 do redis.call('HINCRBYFLOAT', H, 'u' .. i, ch[i]) end
  -- C is emptied (deleted) whenever the count is back to 0.
  if redis.call('HINCRBY', H, 'n', 1) == 1 then born(C) end
  redis.call('HSET', H, 'last', ARGV[1])
end
redis.call('ZADD', F, now + life, id)
if count == 0 then born(F) end
if rl then redis.call('HSET', H, 'rc', rpm, 'rl', math.min(rpm, rl - 1), 'rt', now) end
if tl then redis.call('HSET', H, 'tc', tpm, 'tl', math.min(tpm, tl - ch[2]), 'tt', now) end
keep(e, now)
return {1, seq}
`

// ARGV: now, knowledge time (when the answered reservation was made), its seq, grace ms, then per window i
// (1..4): present (0/1), limit (-1: none), remaining, at, reset, held (0/1).
const OBSERVE_FN = `
local function observe(ARGV)
local now, knownAt, seq, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local any = false
for i = 1, 4 do
  if ARGV[5 + (i - 1) * 6] == '1' then any = true end
end
local st = redis.call('HMGET', H, 'ka', 'ks', 'e')
local ka, ks, e = tonumber(st[1]), num(st[2], 0), tonumber(st[3])
-- A snapshot without windows (a bare Retry-After) tells the cooldown, not the headroom; an older one is ignored.
if not any or (ka and knownAt < ka) or seq < ks then
  redis.call('HSET', H, 'ans', 1)
  retireAll(now - WINDOW)
  keep(e, now)
  return 0
end
-- The windows present in one HSET, the others' fields in one HDEL.
local set, gone = {'ans', 1, 'ka', ARGV[2], 'ks', seq}, {}
for i = 1, 4 do
  local b = 5 + (i - 1) * 6
  if ARGV[b] == '1' then
    for j, f in ipairs({'l', 'r', 'a', 'z', 'h'}) do
      set[#set + 1] = f .. i
      set[#set + 1] = ARGV[b + j]
    end
  else
    for _, f in ipairs({'l', 'r', 'a', 'z', 'h'}) do gone[#gone + 1] = f .. i end
  end
end
redis.call('HSET', H, unpack(set))
if #gone > 0 then redis.call('HDEL', H, unpack(gone)) end
-- Counted: this replica's reservations up to the answered one (it sent them in that order), and any
-- replica's made a grace period before it (another replica's earlier number may reach the provider later).
retireList(Q, seq, -math.huge)
retireAll(math.max(now - WINDOW, knownAt - grace))
keep(e, now)
return 1
end
`
const OBSERVE = `${COMMON}${OBSERVE_FN}return observe(ARGV)`

// ARGV: now, reservation id, prompt tokens (-1: unknown, keep the estimate), completion tokens, the
// tokens reserved. The in-flight slot is removed by the first call, so a second release does nothing.
const RELEASE_FN = `
local function release(ARGV)
local id = ARGV[2]
if redis.call('ZREM', F, id) == 0 then return 0 end
local now, p, c, reserved = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if p < 0 then return 1 end
local real = {1, p + c, p, c}
local ch = redis.call('HGET', C, id)
if ch then
  local i = 0
  for v in string.gmatch(ch, '%S+') do
    i = i + 1
    redis.call('HINCRBYFLOAT', H, 'u' .. i, real[i] - tonumber(v))
  end
  redis.call('HSET', C, id, '1 ' .. (p + c) .. ' ' .. ARGV[3] .. ' ' .. ARGV[4])
end
local h = redis.call('HMGET', H, 'tc', 'tl', 'tt')
local cap = tonumber(h[1])
if cap then
  local lv = level(cap, tonumber(h[2]), tonumber(h[3]), now) - (p + c - reserved)
  redis.call('HSET', H, 'tl', math.min(cap, lv), 'tt', now)
end
return 1
end
`
const RELEASE = `${COMMON}${RELEASE_FN}return release(ARGV)`
/** Observe's arguments: now, knowledge time, seq, grace, then six per window. */
const OBSERVE_ARGS = 4 + 6 * 4

// ARGV: observe's (OBSERVE_ARGS), then release's. A request's answer and its end in one call, when the
// answer was complete at once (not a stream): the same as OBSERVE, then RELEASE.
const OBSERVE_RELEASE = `${COMMON}${OBSERVE_FN}${RELEASE_FN}
observe({unpack(ARGV, 1, ${OBSERVE_ARGS})})
return release({unpack(ARGV, ${OBSERVE_ARGS + 1})})`

type Arg = string | number
interface Scripts {
  hrTargetReserve(...args: Arg[]): Promise<number[]>
  hrTargetObserve(...args: Arg[]): Promise<number>
  hrTargetRelease(...args: Arg[]): Promise<number>
  hrTargetObserveRelease(...args: Arg[]): Promise<number>
}

/** The answer while Redis does not answer: the local tracker, which let the request through, decides. */
const GO: SharedClaim = { ok: true, ticket: null }

export class RedisHeadroom implements SharedLimitStore {
  private readonly redis: Redis & Scripts
  /** Reservation ids are this replica's prefix and a counter: unique across replicas, no Redis call to make. */
  private readonly origin = randomUUID().slice(0, 13)
  private count = 0
  private readonly graceMs: number

  constructor(
    readonly link: RedisLink,
    options: { graceMs?: number } = {},
  ) {
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    const redis = link.redis
    redis.defineCommand('hrTargetReserve', { numberOfKeys: 5, lua: RESERVE })
    redis.defineCommand('hrTargetObserve', { numberOfKeys: 5, lua: OBSERVE })
    redis.defineCommand('hrTargetRelease', { numberOfKeys: 5, lua: RELEASE })
    redis.defineCommand('hrTargetObserveRelease', { numberOfKeys: 5, lua: OBSERVE_RELEASE })
    this.redis = redis as Redis & Scripts
  }

  private keys(id: string): string[] {
    const k = (...parts: string[]) => this.link.key('t', id, ...parts)
    return [k('h'), k('q', this.origin), k('c'), k('f'), k('o')]
  }

  async reserve(id: string, need: Need, limits: DeclaredLimits, now: number, lifetimeMs: number): Promise<SharedClaim> {
    if (!this.link.usable()) return GO
    const keys = this.keys(id)
    const rid = `${this.origin}.${++this.count}`
    const life = Math.max(1, Math.min(STATE_TTL_MS, Math.ceil(lifetimeMs)))
    let r: number[]
    try {
      r = await this.redis.hrTargetReserve(
        ...keys,
        now,
        rid,
        need.tokens,
        need.inputTokens,
        need.outputTokens,
        limits.rpm ?? 0,
        limits.tpm ?? 0,
        limits.concurrency ?? 0,
        life,
      )
    } catch (err) {
      this.link.fail(err)
      // Timed out, the script may still have run: free the slot it may hold (after it, on the same connection).
      this.send(this.redis.hrTargetRelease(...keys, now, rid, -1, 0, need.tokens))
      return GO
    }
    this.link.ok()
    const [ok = 0, v = -1] = r
    if (ok !== 1) return { ok: false, retryAt: v > 0 ? v : null }
    return { ok: true, ticket: this.ticket(keys, rid, v, now, need, limits) }
  }

  private ticket(keys: string[], rid: string, seq: number, at: number, need: Need, limits: DeclaredLimits) {
    let released = false
    /** An observe held for the release (`atRelease`): its arguments. */
    let held: Arg[] | null = null
    const maxHoldMs = limits.maxCooldownMs ?? Number.POSITIVE_INFINITY
    const ticket: SharedTicket = {
      observe: (snap: RateLimitSnapshot | null, now: number, atRelease = false) => {
        if (!this.link.usable()) return
        const windows: Arg[] = []
        for (const d of DIMENSIONS) {
          const w = snap?.[d]
          const pw = w && snap ? toWindow(w, snap.at, snap.retryAfterMs !== undefined, maxHoldMs) : null
          if (pw) windows.push(1, pw.limit ?? -1, pw.remaining, pw.at, pw.resetAt, pw.held ? 1 : 0)
          else windows.push(0, 0, 0, 0, 0, 0)
        }
        // The snapshot knows of every reservation up to the one it answered (see HeadroomTracker.observe).
        const args = [now, at, seq, this.graceMs, ...windows]
        if (atRelease) held = args
        else this.send(this.redis.hrTargetObserve(...keys, ...args))
      },
      release: (actual: ActualUsage | null, now: number) => {
        if (released) return
        released = true
        const [p, c] = actual ? [actual.promptTokens, actual.completionTokens] : [-1, 0]
        const args = [now, rid, p, c, need.tokens]
        if (held) this.send(this.redis.hrTargetObserveRelease(...keys, ...held, ...args))
        else this.send(this.redis.hrTargetRelease(...keys, ...args))
        held = null
      },
    }
    return ticket
  }

  /** A call nobody waits for: it tells the connection how Redis did, and never rejects. */
  private send(call: Promise<unknown>): void {
    call.then(
      () => this.link.ok(),
      (err: unknown) => this.link.fail(err),
    )
  }
}
