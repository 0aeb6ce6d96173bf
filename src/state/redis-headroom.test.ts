import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../admission/redis-test-utils.ts'
import type { DeclaredLimits } from '../config/types.ts'
import { silentLogger } from '../lib/logger.ts'
import type { Need, SharedClaim, SharedTicket } from '../routing/limit-store.ts'
import { RedisHeadroom } from './redis-headroom.ts'
import { RedisLink } from './redis-link.ts'

const available = await redisAvailable()
const NOW = Date.UTC(2026, 11, 5, 12)
const NEED: Need = { tokens: 100, inputTokens: 60, outputTokens: 40 }
const LIFE = 60_000

const links: RedisLink[] = []
const prefixes: string[] = []

/** Replicas sharing one prefix, each with its own connection, as separate processes would be. */
async function replicas(n = 2, url = REDIS_URL) {
  const prefix = testPrefix()
  prefixes.push(prefix)
  const stores = []
  for (let i = 0; i < n; i++) {
    const link = new RedisLink({ url, prefix, log: silentLogger, timeoutMs: 1000 })
    await link.connect()
    links.push(link)
    stores.push(new RedisHeadroom(link))
  }
  return { stores, prefix }
}

afterAll(async () => {
  for (const l of links) await l.close()
  if (available) for (const p of prefixes) await dropPrefix(p)
})

function ticketOf(c: SharedClaim): SharedTicket {
  if (!c.ok || !c.ticket) throw new Error(`expected a charged reservation, got ${JSON.stringify(c)}`)
  return c.ticket
}

/** Reserves `n` times, round robin over the stores, at `now`; the claims in order. */
async function reserveMany(stores: RedisHeadroom[], n: number, now: number, limits: DeclaredLimits = {}) {
  const claims: SharedClaim[] = []
  for (let i = 0; i < n; i++) claims.push(await stores[i % stores.length]!.reserve('t/m', NEED, limits, now, LIFE))
  return claims
}

/** Fire-and-forget calls have landed once a later command on the same connection answers. */
async function settled(...stores: RedisHeadroom[]) {
  for (const s of stores) await s.link.redis.ping()
}

describe.skipIf(!available)('RedisHeadroom (real Redis)', () => {
  it('holds a cold target to one request in flight across replicas until it has answered once', async () => {
    const { stores } = await replicas()
    const [a, b] = stores as [RedisHeadroom, RedisHeadroom]
    const first = ticketOf(await a.reserve('t/m', NEED, {}, NOW, LIFE))
    expect(await b.reserve('t/m', NEED, {}, NOW, LIFE)).toEqual({ ok: false, retryAt: null })
    // An answer without rate-limit headers lifts it.
    first.observe(null, NOW + 10)
    await settled(a)
    expect((await b.reserve('t/m', NEED, {}, NOW + 20, LIFE)).ok).toBe(true)
    expect((await a.reserve('t/m', NEED, {}, NOW + 20, LIFE)).ok).toBe(true)
  })

  it('counts every replica’s unseen reservations against the provider’s remaining, and says when one fits', async () => {
    const { stores } = await replicas(3)
    const first = ticketOf(await stores[0]!.reserve('t/m', NEED, {}, NOW, LIFE))
    first.observe({ at: NOW, requests: { limit: 10, remaining: 3, resetAt: NOW + 60_000 } }, NOW)
    await settled(stores[0]!)
    const claims = await reserveMany(stores, 4, NOW)
    expect(claims.map((c) => c.ok)).toEqual([true, true, true, false])
    // 3 left, 3 unseen: the 4th needs one more slot, which refills in 60 s / 7 (linear from 3 to 10).
    expect(claims[3]).toEqual({ ok: false, retryAt: NOW + Math.ceil(60_000 / 7) })
    expect((await stores[1]!.reserve('t/m', NEED, {}, NOW + Math.ceil(60_000 / 7), LIFE)).ok).toBe(true)
  })

  it('counts a replica’s own reservations up to the answered one as seen; another’s only a grace period older', async () => {
    const { stores } = await replicas()
    const [a, b] = stores as [RedisHeadroom, RedisHeadroom]
    const far = NOW + 6_000_000 // a reset so far off that nothing refills during the test
    const t0 = ticketOf(await a.reserve('t/m', NEED, {}, NOW - 5_000, LIFE))
    t0.observe({ at: NOW - 5_000, requests: { limit: 100, remaining: 4, resetAt: far } }, NOW - 5_000)
    await settled(a)
    const t1 = ticketOf(await b.reserve('t/m', NEED, {}, NOW, LIFE))
    ticketOf(await a.reserve('t/m', NEED, {}, NOW, LIFE))
    const t3 = ticketOf(await a.reserve('t/m', NEED, {}, NOW, LIFE))
    // The answer to t3 counts t2 and t3 (sent before it by the same replica); t1, sent by another replica
    // at the same time, may reach the provider after t3: it stays unseen, so 1 − 1 leaves nothing.
    t3.observe({ at: NOW + 5, requests: { limit: 100, remaining: 1, resetAt: far } }, NOW + 5)
    await settled(a)
    expect((await b.reserve('t/m', NEED, {}, NOW + 10, LIFE)).ok).toBe(false)
    // t1's own answer comes later but is older knowledge (a lower number): ignored.
    t1.observe({ at: NOW + 6, requests: { limit: 100, remaining: 50, resetAt: far } }, NOW + 6)
    await settled(b)
    expect((await a.reserve('t/m', NEED, {}, NOW + 10, LIFE)).ok).toBe(false)
  })

  it('counts another replica’s reservation made a grace period (1 s) before the answered one as seen', async () => {
    const { stores } = await replicas()
    const [a, b] = stores as [RedisHeadroom, RedisHeadroom]
    const far = NOW + 6_000_000
    const t0 = ticketOf(await a.reserve('t/m', NEED, {}, NOW - 5_000, LIFE))
    t0.observe({ at: NOW - 5_000, requests: { limit: 100, remaining: 4, resetAt: far } }, NOW - 5_000)
    await settled(a)
    ticketOf(await b.reserve('t/m', NEED, {}, NOW, LIFE))
    const t2 = ticketOf(await a.reserve('t/m', NEED, {}, NOW + 1_000, LIFE))
    t2.observe({ at: NOW + 1_005, requests: { limit: 100, remaining: 2, resetAt: far } }, NOW + 1_005)
    await settled(a)
    const claims = await reserveMany(stores, 3, NOW + 1_010)
    expect(claims.map((c) => c.ok)).toEqual([true, true, false])
  })

  it('holds declared rpm and concurrency across replicas; a release frees a slot once', async () => {
    const { stores } = await replicas()
    const rpm = await reserveMany(stores, 5, NOW, { rpm: 4 })
    expect(rpm.map((c) => c.ok)).toEqual([true, true, true, true, false])
    expect(rpm[4]).toEqual({ ok: false, retryAt: NOW + 15_000 })

    const { stores: s2 } = await replicas()
    const conc = await reserveMany(s2, 3, NOW, { concurrency: 2 })
    expect(conc.map((c) => c.ok)).toEqual([true, true, false])
    expect(conc[2]).toEqual({ ok: false, retryAt: null })
    const t = ticketOf(conc[0]!)
    t.release(null, NOW + 1)
    t.release(null, NOW + 1)
    await settled(...s2)
    const after = await reserveMany(s2, 2, NOW + 2, { concurrency: 2 })
    expect(after.map((c) => c.ok)).toEqual([true, false])
  })

  it('corrects a still-unseen charge, and the tpm bucket, to the real usage at release', async () => {
    const { stores } = await replicas()
    const [a, b] = stores as [RedisHeadroom, RedisHeadroom]
    const t0 = ticketOf(await a.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE))
    t0.observe({ at: NOW, tokens: { limit: 10_000, remaining: 250, resetAt: NOW + 600_000 } }, NOW)
    t0.release({ promptTokens: 60, completionTokens: 40 }, NOW)
    await settled(a)
    // tpm bucket 150 left, provider 250: one more of 100 fits, then none.
    const t1 = ticketOf(await b.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE))
    expect((await a.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE)).ok).toBe(false)
    // It used 10 of its 100: 90 back to the tpm bucket and to the provider's window.
    t1.release({ promptTokens: 5, completionTokens: 5 }, NOW)
    await settled(b)
    expect((await a.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE)).ok).toBe(true)
  })

  it('tells an observe held for the release (a whole answer) with it, in one call: the same as both in turn', async () => {
    const { stores } = await replicas()
    const [a, b] = stores as [RedisHeadroom, RedisHeadroom]
    const t0 = ticketOf(await a.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE))
    t0.observe({ at: NOW, tokens: { limit: 10_000, remaining: 250, resetAt: NOW + 600_000 } }, NOW, true)
    await settled(a)
    // Held: nothing of the answer is in Redis yet.
    const state = a.link.key('t', 't/m', 'h')
    expect(await a.link.redis.hget(state, 'ans')).toBeNull()
    t0.release({ promptTokens: 60, completionTokens: 40 }, NOW)
    await settled(a)
    expect(await a.link.redis.hget(state, 'ans')).toBe('1')
    // As in the test above: tpm bucket 150 left, provider 250: one more of 100 fits, then none.
    const t1 = ticketOf(await b.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE))
    expect((await a.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE)).ok).toBe(false)
    t1.release({ promptTokens: 5, completionTokens: 5 }, NOW)
    await settled(b)
    expect((await a.reserve('t/m', NEED, { tpm: 250 }, NOW, LIFE)).ok).toBe(true)
  })

  it('frees the slot of a request whose replica died once its lifetime passes; every key has a TTL', async () => {
    const { stores, prefix } = await replicas()
    const [a, b] = stores as [RedisHeadroom, RedisHeadroom]
    expect((await a.reserve('t/m', NEED, {}, NOW, 1_000)).ok).toBe(true)
    expect((await b.reserve('t/m', NEED, {}, NOW + 999, 1_000)).ok).toBe(false)
    const t = ticketOf(await b.reserve('t/m', NEED, {}, NOW + 1_001, 1_000))
    t.observe({ at: NOW + 1_002, requests: { limit: 10, remaining: 5 } }, NOW + 1_002)
    await settled(b)
    // With a window known, a reservation is also queued as unseen: the state, the replica's queue, the
    // charges, the requests in flight, the replicas' queues.
    expect((await a.reserve('t/m', NEED, {}, NOW + 1_003, 1_000)).ok).toBe(true)
    const r = new Redis(REDIS_URL)
    try {
      const keys = await r.keys(`${prefix}*`)
      expect(keys).toHaveLength(5)
      for (const k of keys) expect(await r.pttl(k)).toBeGreaterThan(0)
    } finally {
      r.disconnect()
    }
  })

  it('keeps targets apart, whatever their names hold', async () => {
    const { stores } = await replicas(1)
    const s = stores[0]!
    expect((await s.reserve('a/b:c', NEED, {}, NOW, LIFE)).ok).toBe(true)
    expect((await s.reserve('a/b', NEED, {}, NOW, LIFE)).ok).toBe(true)
    expect((await s.reserve('a/b:c', NEED, {}, NOW, LIFE)).ok).toBe(false)
  })
})

describe('RedisHeadroom without a Redis', () => {
  it('lets the local tracker decide', async () => {
    const link = new RedisLink({ url: 'redis://127.0.0.1:1', prefix: testPrefix(), log: silentLogger })
    await link.connect(200)
    links.push(link)
    const s = new RedisHeadroom(link)
    expect(await s.reserve('t/m', NEED, {}, NOW, LIFE)).toEqual({ ok: true, ticket: null })
    expect(link.health()).toEqual({ shared: false, degraded: true })
  })
})
