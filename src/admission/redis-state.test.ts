import { Redis } from 'ioredis'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { Logger } from '../lib/logger.ts'
import { RedisAdmission } from './redis-state.ts'
import { dropPrefix, REDIS_URL, redisAvailable, relay, testPrefix } from './redis-test-utils.ts'
import type { SharedAsk } from './shared-store.ts'

const available = await redisAvailable()
const NOW = Date.UTC(2026, 11, 5, 12)

function recorder(): Logger & { warns: string[] } {
  const warns: string[] = []
  return { warns, info() {}, warn: (m) => warns.push(m), error() {} }
}

const opened: RedisAdmission[] = []
const prefixes: string[] = []

/** Two "replicas" sharing one prefix. */
async function replicas(n = 2, url = REDIS_URL) {
  const prefix = testPrefix()
  prefixes.push(prefix)
  const log = recorder()
  const rs = Array.from({ length: n }, () => new RedisAdmission({ url, prefix, log, timeoutMs: 1000 }))
  for (const r of rs) await r.connect()
  opened.push(...rs)
  return { rs, log, prefix }
}

let seq = 0
const ask = (over: Partial<SharedAsk> = {}): SharedAsk => ({
  requestId: `req-${++seq}`,
  key: { name: 'team-a', rpm: null, tpm: null, concurrency: null },
  tokens: 100,
  budget: null,
  ...over,
})

afterAll(async () => {
  for (const r of opened) await r.close()
  if (available) for (const p of prefixes) await dropPrefix(p)
})

describe.skipIf(!available)('RedisAdmission (real Redis)', () => {
  beforeEach(() => {
    seq += 1000
  })

  it('holds a key’s rpm across replicas, and says when to retry', async () => {
    const { rs } = await replicas()
    const key = { name: 'k', rpm: 5, tpm: null, concurrency: null }
    const verdicts = []
    for (let i = 0; i < 8; i++) verdicts.push(await rs[i % 2]!.admit(ask({ key }), NOW))
    expect(verdicts.filter((v) => v.ok)).toHaveLength(5)
    const refused = verdicts.filter((v) => !v.ok)
    expect(refused).toHaveLength(3)
    expect(refused[0]).toMatchObject({ kind: 'rpm' })
    // One request refills in 60 s / 5 = 12 s.
    expect(refused[0]).toMatchObject({ retryAfterMs: 12_000 })
    // A minute later the bucket is full again.
    expect((await rs[0]!.admit(ask({ key }), NOW + 60_000)).ok).toBe(true)
  })

  it('counts requests at once across replicas; a release frees one, and a retried release nothing more', async () => {
    const { rs } = await replicas()
    const key = { name: 'k', rpm: null, tpm: null, concurrency: 2 }
    const a = ask({ key })
    expect((await rs[0]!.admit(a, NOW)).ok).toBe(true)
    expect((await rs[1]!.admit(ask({ key }), NOW)).ok).toBe(true)
    expect(await rs[0]!.admit(ask({ key }), NOW)).toMatchObject({ ok: false, kind: 'concurrency' })
    await rs[0]!.release(a.requestId, null, NOW)
    await rs[0]!.release(a.requestId, null, NOW)
    expect((await rs[1]!.admit(ask({ key }), NOW)).ok).toBe(true)
    expect((await rs[1]!.admit(ask({ key }), NOW)).ok).toBe(false)
  })

  it('charges tokens per minute and corrects them to the real usage at release', async () => {
    const { rs } = await replicas()
    const key = { name: 'k', rpm: null, tpm: 1000, concurrency: null }
    const a = ask({ key, tokens: 600 })
    expect(await rs[0]!.admit(a, NOW)).toMatchObject({ ok: true, remainingTokens: 400 })
    expect(await rs[1]!.admit(ask({ key, tokens: 600 }), NOW)).toMatchObject({ ok: false, kind: 'tpm' })
    await rs[0]!.release(a.requestId, 100, NOW)
    expect(await rs[1]!.admit(ask({ key, tokens: 600 }), NOW)).toMatchObject({ ok: true, remainingTokens: 300 })
  })

  it('cuts a budget off across replicas within one request’s estimate, counting each spend row once', async () => {
    const { rs } = await replicas(3)
    const budget = {
      scope: 'key' as const,
      name: 'k',
      daily: 1000,
      monthly: null,
      estimate: 300,
      localDay: 0,
      localMonth: 0,
    }
    const admitted: string[] = []
    for (let i = 0; i < 6; i++) {
      const a = ask({ key: null, budget })
      if ((await rs[i % 3]!.admit(a, NOW)).ok) admitted.push(a.requestId)
    }
    // 0, 300, 600, 900 in flight are below $X: four admitted, the total in flight over the cap by less than one estimate.
    expect(admitted).toHaveLength(4)
    // They settle at 250 each; the rows arrive twice (a retried write) and count once.
    for (const [i, id] of admitted.entries()) {
      await rs[i % 3]!.addSpend('key', 'k', `${id}:1`, NOW, 250)
      await rs[(i + 1) % 3]!.addSpend('key', 'k', `${id}:1`, NOW, 250)
      await rs[i % 3]!.release(id, 10, NOW)
    }
    const v = await rs[0]!.admit(ask({ key: null, budget }), NOW)
    expect(v).toMatchObject({ ok: false, kind: 'daily', limit: 1000, spent: 1000 })
    // The next UTC day starts from zero.
    expect((await rs[1]!.admit(ask({ key: null, budget }), NOW + 86_400_000)).ok).toBe(true)
  })

  it('rebuilds a counter Redis lost from the replica’s own view of the spend', async () => {
    const { rs, prefix } = await replicas()
    const budget = {
      scope: 'key' as const,
      name: 'k',
      daily: 1000,
      monthly: 5000,
      estimate: 1,
      localDay: 0,
      localMonth: 0,
    }
    expect((await rs[0]!.admit(ask({ key: null, budget }), NOW)).ok).toBe(true)
    await dropPrefix(prefix)
    const seeded = { ...budget, localDay: 1200, localMonth: 1200 }
    expect(await rs[1]!.admit(ask({ key: null, budget: seeded }), NOW)).toMatchObject({ ok: false, kind: 'daily' })
  })

  it('gives every key it writes a TTL', async () => {
    const { rs, prefix } = await replicas()
    const key = { name: 'k', rpm: 10, tpm: 10_000, concurrency: 3 }
    const budget = {
      scope: 'route' as const,
      name: 'r',
      daily: 10_000,
      monthly: 90_000,
      estimate: 5,
      localDay: 0,
      localMonth: 0,
    }
    await rs[0]!.admit(ask({ key, budget }), NOW)
    await rs[0]!.addSpend('route', 'r', 'row-1', NOW, 5)
    const r = new Redis(REDIS_URL)
    try {
      const keys = await r.keys(`${prefix}*`)
      expect(keys.length).toBeGreaterThanOrEqual(8)
      for (const k of keys) expect(await r.pttl(k)).toBeGreaterThan(0)
    } finally {
      r.disconnect()
    }
  })
})

describe('RedisAdmission with Redis unreachable', () => {
  it('admits (the local check decides), warns once, reports degraded', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const { rs, log } = await replicas(1, 'redis://127.0.0.1:1')
    const key = { name: 'k', rpm: 1, tpm: null, concurrency: null }
    for (let i = 0; i < 3; i++) expect((await rs[0]!.admit(ask({ key }), NOW)).ok).toBe(true)
    expect(rs[0]!.health()).toEqual({ shared: false, degraded: true })
    expect(log.warns).toHaveLength(1)
    expect(log.warns[0]).toContain('per replica')
  })
})

/** One replica talking to Redis through the relay on `port`. */
async function through(port: number, timeoutMs?: number) {
  const prefix = testPrefix()
  prefixes.push(prefix)
  const log = recorder()
  const r = new RedisAdmission({ url: `redis://127.0.0.1:${port}`, prefix, log, timeoutMs })
  opened.push(r)
  await r.connect()
  return { r, log, prefix }
}

describe.skipIf(!available)('RedisAdmission when Redis goes away and comes back', () => {
  it('serves throughout, warns once each way, and shares again once Redis answers', async () => {
    const first = await relay()
    const { r, log } = await through(first.port, 1000)
    const key = { name: 'k', rpm: 1000, tpm: null, concurrency: null }
    expect(await r.admit(ask({ key }), NOW)).toMatchObject({ ok: true, remainingRequests: 999 })
    await first.cut()
    for (let i = 0; i < 3; i++)
      expect(await r.admit(ask({ key }), NOW)).toMatchObject({ ok: true, remainingRequests: null })
    expect(r.health()).toEqual({ shared: false, degraded: true })
    const second = await relay(first.port)
    try {
      // ioredis reconnects on its own (every second here); admissions go on meanwhile.
      let v = await r.admit(ask({ key }), NOW)
      for (let i = 0; i < 100 && r.health().degraded; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        v = await r.admit(ask({ key }), NOW)
      }
      expect(r.health()).toEqual({ shared: true, degraded: false })
      // The admissions while it was away were not charged in Redis.
      expect(v).toMatchObject({ ok: true, remainingRequests: 998 })
      expect(log.warns).toHaveLength(2)
      expect(log.warns[1]).toContain('answers again')
    } finally {
      await second.cut()
    }
  })
})

describe.skipIf(!available)('RedisAdmission when Redis is down at start-up', () => {
  it('starts degraded, and shares once Redis comes up', async () => {
    const before = await relay()
    await before.cut() // its port is free: nothing answers there yet
    const { r, log } = await through(before.port)
    const key = { name: 'k', rpm: 1000, tpm: null, concurrency: null }
    expect(await r.admit(ask({ key }), NOW)).toMatchObject({ ok: true, remainingRequests: null })
    expect(r.health().degraded).toBe(true)
    const up = await relay(before.port)
    try {
      for (let i = 0; i < 100 && r.health().degraded; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        await r.admit(ask({ key }), NOW)
      }
      expect(r.health()).toEqual({ shared: true, degraded: false })
      expect(log.warns).toHaveLength(2)
    } finally {
      await up.cut()
    }
  })
})

describe.skipIf(!available)('RedisAdmission when Redis is slow', () => {
  it('stops waiting after its timeout, serves on local state, and rejoins when Redis is fast again', async () => {
    const r1 = await relay()
    const { r, log, prefix } = await through(r1.port) // the default timeout, 50 ms
    const key = { name: 'k', rpm: 1000, tpm: null, concurrency: 5 }
    try {
      expect(await r.admit(ask({ key }), NOW)).toMatchObject({ ok: true, remainingRequests: 999 })
      r1.slow(400)
      expect(await r.admit(ask({ key }), NOW)).toMatchObject({ ok: true, remainingRequests: null })
      expect(r.health().degraded).toBe(true)
      expect(log.warns[0]).toContain('slower than 50 ms')
      r1.slow(0)
      for (let i = 0; i < 100 && r.health().degraded; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        await r.admit(ask({ key }), NOW)
      }
      expect(r.health()).toEqual({ shared: true, degraded: false })
      // The admission that timed out ran in Redis all the same, and was undone: the first and the last hold a
      // request at once each, not three.
      const raw = new Redis(REDIS_URL)
      try {
        expect(await raw.zcard(`${prefix}k:k:conc`)).toBe(2)
      } finally {
        raw.disconnect()
      }
    } finally {
      await r1.cut()
    }
  })
})
