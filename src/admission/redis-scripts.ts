/**
 * The Lua scripts behind the shared admission state (redis-state.ts). Each runs alone on the server, so a
 * check and its charge cannot interleave with another replica's.
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 *
 * Keys are passed in KEYS (never built in Lua), and every key written gets a TTL.
 */
import { DAY_MS } from '../lib/utc-period.ts'

/** How long a request may hold a reservation before it is dropped (a replica that died never releases). */
const RESERVATION_TTL_MS = 15 * 60_000
const BUCKET_TTL_MS = 120_000
/**
 * A bucket's TTL is set when it is created and anew once this has passed (its field e), not on every
 * charge, to BUCKET_TTL_MS plus this: it still outlives its last charge by BUCKET_TTL_MS at least, as when
 * every charge set it (a full bucket and a missing one are the same).
 */
const BUCKET_REFRESH_MS = 60_000
const DAY_TTL_MS = 2 * DAY_MS
const MONTH_TTL_MS = 32 * DAY_MS
/** A spend row is counted once: its id is remembered this long (retries come within minutes). */
const ROW_TTL_MS = DAY_MS

/** ADMIT's answer when a budget's counter is missing and no seed was sent: ask the spend table, then again. */
export const NEEDS_SEED = 2

// KEYS: rpm bucket, tpm bucket, concurrency zset, this request's reservation; then per budget: day spent,
// month spent, in-flight estimates (hash), their expiries (zset).
// ARGV: now, rpm, tpm, concurrency (0: none), tokens, estimate, request id; then per budget: daily cap,
// monthly cap (-1: none), day seed, month seed (-1: none known).
//
// A budget admits while its spend so far plus the estimates in flight is below each cap; every budget is
// checked before any is charged, in the order given (the key's first, as one replica checks them). A
// counter that is missing (Redis emptied, or the first request of a period) is set from its seed; without
// one the answer is NEEDS_SEED and the indexes of those budgets, and nothing is charged.
export const ADMIT = `
local now = tonumber(ARGV[1])
local rpm, tpm, conc, tokens = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local est, id = tonumber(ARGV[6]), ARGV[7]
local nb = (#KEYS - 4) / 4
if redis.call('EXISTS', KEYS[4]) == 1 then return {1, -1, -1} end
-- A bucket's level, and when its TTL was last set (nil: a new bucket, or one from before the field).
local function level(key, cap)
  local h = redis.call('HMGET', key, 'a', 't', 'e')
  local a, t = tonumber(h[1]), tonumber(h[2])
  if not a then return cap, nil end
  return math.min(cap, a + math.max(0, now - t) * cap / 60000), tonumber(h[3])
end
local function charge(key, left, e)
  if e and now >= e and now - e < ${BUCKET_REFRESH_MS} then
    redis.call('HSET', key, 'a', left, 't', now)
  else
    redis.call('HSET', key, 'a', left, 't', now, 'e', now)
    redis.call('PEXPIRE', key, ${BUCKET_TTL_MS + BUCKET_REFRESH_MS})
  end
end
local ra, ta, re, te = 0, 0, nil, nil
if rpm > 0 then
  ra, re = level(KEYS[1], rpm)
  if ra < 1 then return {0, 1, math.ceil((1 - ra) * 60000 / rpm)} end
end
if tpm > 0 then
  ta, te = level(KEYS[2], tpm)
  if ta < tokens then return {0, 2, math.ceil((tokens - ta) * 60000 / tpm)} end
end
if conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= conc then return {0, 3, 1000} end
end
local missing = {}
for b = 0, nb - 1 do
  local k, a = 5 + 4 * b, 8 + 4 * b
  local gone = redis.call('ZRANGEBYSCORE', KEYS[k + 3], '-inf', now)
  for _, g in ipairs(gone) do redis.call('HDEL', KEYS[k + 2], g) end
  redis.call('ZREMRANGEBYSCORE', KEYS[k + 3], '-inf', now)
  local inflight = 0
  for _, v in ipairs(redis.call('HVALS', KEYS[k + 2])) do inflight = inflight + tonumber(v) end
  for p = 0, 1 do
    local cap, seed = tonumber(ARGV[a + p]), tonumber(ARGV[a + 2 + p])
    if cap >= 0 then
      local spent = tonumber(redis.call('GET', KEYS[k + p]))
      if not spent and seed >= 0 then
        spent = seed
        redis.call('SET', KEYS[k + p], seed, 'PX', p == 0 and ${DAY_TTL_MS} or ${MONTH_TTL_MS})
      end
      if not spent then
        missing[#missing + 1] = b + 1
      elseif spent + inflight >= cap then
        return {0, 4 + p, cap, spent + inflight, b + 1}
      end
    end
  end
end
if #missing > 0 then return {${NEEDS_SEED}, unpack(missing)} end
for b = 0, nb - 1 do
  local k = 5 + 4 * b
  redis.call('HSET', KEYS[k + 2], id, est)
  redis.call('ZADD', KEYS[k + 3], now + ${RESERVATION_TTL_MS}, id)
  redis.call('PEXPIRE', KEYS[k + 2], ${RESERVATION_TTL_MS})
  redis.call('PEXPIRE', KEYS[k + 3], ${RESERVATION_TTL_MS})
end
if rpm > 0 then charge(KEYS[1], ra - 1, re) end
if tpm > 0 then charge(KEYS[2], ta - tokens, te) end
if conc > 0 then
  redis.call('ZADD', KEYS[3], now + ${RESERVATION_TTL_MS}, id)
  redis.call('PEXPIRE', KEYS[3], ${RESERVATION_TTL_MS})
end
redis.call('HSET', KEYS[4], 'tokens', tokens, 'tpm', tpm)
redis.call('PEXPIRE', KEYS[4], ${RESERVATION_TTL_MS})
return {1, rpm > 0 and math.floor(ra - 1) or -1, tpm > 0 and math.floor(ta - tokens) or -1}
`

// KEYS: tpm bucket, concurrency zset, the reservation; then per budget: in-flight estimates, their expiries.
// ARGV: now, actual tokens (-1: unknown, no correction), request id. The reservation is deleted by the
// first call, so a retried release does nothing.
export const RELEASE = `
local rec = redis.call('HMGET', KEYS[3], 'tokens', 'tpm')
if not rec[1] then return 0 end
redis.call('DEL', KEYS[3])
local now, actual, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREM', KEYS[2], id)
for i = 4, #KEYS, 2 do
  redis.call('HDEL', KEYS[i], id)
  redis.call('ZREM', KEYS[i + 1], id)
end
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

// KEYS: the row's marker, then the day and month counters of each budget it counts toward. ARGV:
// micro-cents. Counted once per row, for all its budgets at once; a counter not there is left for the next
// admission to seed (from a spend table that has the row).
export const ADD_SPEND = `
if not redis.call('SET', KEYS[1], 1, 'NX', 'PX', ${ROW_TTL_MS}) then return 0 end
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[1]) end
end
return 1
`
