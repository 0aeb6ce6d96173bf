import { Redis } from 'ioredis'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { Logger } from '../lib/logger.ts'
import { RedisAdmission } from './redis-state.ts'
import { dropPrefix, REDIS_URL, redisAvailable, relay, testPrefix } from './redis-test-utils.ts'
import type { SharedAsk, SharedBudget, SpendSoFar } from './shared-store.ts'

const available = await redisAvailable()
const NOW = Date.UTC(2026, 11, 5, 12)

function recorder(): Logger & { warns: string[] } {
  const warns: string[] = []
  return { warns, info() {}, warn: (m) => warns.push(m), error() {} }
}

const opened: RedisAdmission[] = []
const prefixes: string[] = []

/** Two "replicas" sharing one prefix (and, when given, one spend table). */
async function replicas(n = 2, url = REDIS_URL, spendSoFar?: SpendSoFar) {
  const prefix = testPrefix()
  prefixes.push(prefix)
  const log = recorder()
  const rs = Array.from({ length: n }, () => new RedisAdmission({ url, prefix, log, timeoutMs: 1000 }, { spendSoFar }))
  for (const r of rs) await r.connect()
  opened.push(...rs)
  return { rs, log, prefix }
}

let seq = 0
const ask = (over: Partial<SharedAsk> = {}): SharedAsk => ({
  requestId: `req-${++seq}`,
  key: { name: 'team-a', rpm: null, tpm: null, concurrency: null },
  tokens: 100,
  budgets: [],
  estimate: 0,
  ...over,
})
const keyBudget = (daily: number | null, monthly: number | null = null): SharedBudget => ({
  scope: 'key',
  name: 'k',
  daily,
  monthly,
})
const routeBudget = (daily: number | null): SharedBudget => ({ scope: 'route', name: 'r', daily, monthly: null })
/** A spend row of request `requestId` toward `budgets`. */
const row = (requestId: string, microcents: number, budgets: readonly SharedBudget[], ts = NOW) => ({
  requestId,
  rowId: `${requestId}:1`,
  ts,
  microcents,
  budgets: budgets.map((b) => ({ scope: b.scope, name: b.name })),
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
    const budgets = [keyBudget(1000)]
    const admitted: string[] = []
    for (let i = 0; i < 6; i++) {
      const a = ask({ key: null, budgets, estimate: 300 })
      if ((await rs[i % 3]!.admit(a, NOW)).ok) admitted.push(a.requestId)
    }
    // 0, 300, 600, 900 in flight are below $X: four admitted, the total in flight over the cap by less than one estimate.
    expect(admitted).toHaveLength(4)
    // They settle at 250 each; the rows arrive twice (a retried write, on another replica too) and count once.
    for (const [i, id] of admitted.entries()) {
      await rs[i % 3]!.addSpend(row(id, 250, budgets))
      await rs[i % 3]!.release(id, 10, NOW)
      await rs[(i + 1) % 3]!.addSpend(row(id, 250, budgets))
      await rs[i % 3]!.addSpend(row(id, 250, budgets))
    }
    const v = await rs[0]!.admit(ask({ key: null, budgets, estimate: 300 }), NOW)
    expect(v).toMatchObject({ ok: false, kind: 'daily', scope: 'key', name: 'k', limit: 1000, spent: 1000 })
    // The next UTC day starts from zero.
    expect((await rs[1]!.admit(ask({ key: null, budgets, estimate: 300 }), NOW + 86_400_000)).ok).toBe(true)
  })

  it('checks and reserves a key’s budget and its route’s in one call, and refuses naming the one spent', async () => {
    const { rs } = await replicas(2)
    const both = [keyBudget(10_000), routeBudget(1000)]
    // The route's budget is the tighter: with 0 and 500 in flight admitted, 1000 in flight is its cap.
    const a = ask({ key: null, budgets: both, estimate: 500 })
    const b = ask({ key: null, budgets: both, estimate: 500 })
    expect((await rs[0]!.admit(a, NOW)).ok).toBe(true)
    expect((await rs[1]!.admit(b, NOW)).ok).toBe(true)
    expect(await rs[0]!.admit(ask({ key: null, budgets: both, estimate: 500 }), NOW)).toMatchObject({
      ok: false,
      kind: 'daily',
      scope: 'route',
      name: 'r',
      limit: 1000,
      spent: 1000,
    })
    // Both reserved against the key's budget too, and the refused one nothing: 1000 in flight there.
    expect(await rs[1]!.admit(ask({ key: null, budgets: [keyBudget(1000)], estimate: 1 }), NOW)).toMatchObject({
      ok: false,
      scope: 'key',
      spent: 1000,
    })
    // A row counts toward both; the releases free both reservations.
    await rs[0]!.addSpend(row(a.requestId, 300, both))
    await rs[0]!.release(a.requestId, null, NOW)
    await rs[1]!.release(b.requestId, null, NOW)
    expect(await rs[1]!.admit(ask({ key: null, budgets: [keyBudget(300)], estimate: 1 }), NOW)).toMatchObject({
      ok: false,
      scope: 'key',
      spent: 300,
    })
    expect(await rs[1]!.admit(ask({ key: null, budgets: [routeBudget(300)], estimate: 1 }), NOW)).toMatchObject({
      ok: false,
      scope: 'route',
      spent: 300,
    })
    // The key's budget, checked first, names itself when both are spent.
    expect(await rs[0]!.admit(ask({ key: null, budgets: [keyBudget(300), routeBudget(300)] }), NOW)).toMatchObject({
      scope: 'key',
    })
  })

  it('sends a request’s rows with its release, and counts them once however often they come', async () => {
    const { rs, prefix } = await replicas(2)
    const budgets = [keyBudget(10_000)]
    const a = ask({ key: null, budgets, estimate: 500 })
    expect((await rs[0]!.admit(a, NOW)).ok).toBe(true)
    const raw = new Redis(REDIS_URL)
    try {
      const counter = `${prefix}b:key:k:d:${Math.floor(NOW / 86_400_000) * 86_400_000}`
      // In flight, the row waits for the release: the estimate stands for it meanwhile.
      await rs[0]!.addSpend(row(a.requestId, 200, budgets))
      expect(await raw.get(counter)).toBe('0')
      await rs[0]!.release(a.requestId, null, NOW)
      expect(await raw.get(counter)).toBe('200')
      expect(await raw.hlen(`${prefix}b:key:k:res`)).toBe(0)
      // Released again, the row again (here, and from the other replica): nothing more.
      await rs[0]!.release(a.requestId, null, NOW)
      await rs[0]!.addSpend(row(a.requestId, 200, budgets))
      await rs[1]!.addSpend(row(a.requestId, 200, budgets))
      expect(await raw.get(counter)).toBe('200')
    } finally {
      raw.disconnect()
    }
  })

  it('rebuilds counters Redis lost from the spend table: the budget still cuts off within one estimate', async () => {
    // The spend table all replicas write to (PostgreSQL): rows by request id.
    const table = new Map<string, number>()
    const sum = () => [...table.values()].reduce((x, y) => x + y, 0)
    let asked = 0
    const spendSoFar: SpendSoFar = async () => {
      asked++
      return { day: sum(), month: sum() }
    }
    const { rs, prefix } = await replicas(3, REDIS_URL, spendSoFar)
    const budgets = [keyBudget(1000, 5000)]
    // A request served on each replica, at 200 each: 600 spent, in the table and in Redis.
    const serve = async (i: number) => {
      const a = ask({ key: null, budgets, estimate: 250 })
      const v = await rs[i % 3]!.admit(a, NOW)
      if (!v.ok) return v
      await rs[i % 3]!.addSpend(row(a.requestId, 200, budgets))
      table.set(a.requestId, 200)
      await rs[i % 3]!.release(a.requestId, null, NOW)
      return v
    }
    for (let i = 0; i < 3; i++) expect((await serve(i)).ok).toBe(true)
    const first = asked // the counters' first use asked the table (it said 0)
    await dropPrefix(prefix)
    // Emptied: the next admission asks the table, and the cap holds as before: 600, 800 admitted, then refused.
    const after = []
    for (let i = 0; i < 4; i++) after.push(await serve(i))
    expect(after.map((v) => v.ok)).toEqual([true, true, false, false])
    expect(after[2]).toMatchObject({ kind: 'daily', spent: 1000 })
    expect(sum()).toBe(1000)
    expect(asked).toBe(first + 1)
  })

  it('rebuilds without counting twice a row still on its way to Redis', async () => {
    const table = new Map<string, number>()
    const sum = () => [...table.values()].reduce((x, y) => x + y, 0)
    const spendSoFar: SpendSoFar = async () => ({ day: sum(), month: sum() })
    const { rs, prefix } = await replicas(2, REDIS_URL, spendSoFar)
    const budgets = [keyBudget(1000)]
    const a = ask({ key: null, budgets, estimate: 100 })
    expect((await rs[0]!.admit(a, NOW)).ok).toBe(true)
    // Its row is in the table, and waits for the release to go to Redis; Redis is emptied meanwhile.
    await rs[0]!.addSpend(row(a.requestId, 700, budgets))
    table.set(a.requestId, 700)
    await dropPrefix(prefix)
    // rs[0] rebuilds the counter: the table's 700 less its row not yet sent; the release then adds it.
    expect((await rs[0]!.admit(ask({ key: null, budgets, estimate: 100 }), NOW)).ok).toBe(true)
    await rs[0]!.release(a.requestId, null, NOW)
    expect(await rs[1]!.admit(ask({ key: null, budgets: [keyBudget(800)], estimate: 1 }), NOW)).toMatchObject({
      ok: false,
      spent: 800, // 700 spent and the other request's 100 in flight: not 1400
    })
  })

  it('gives every key it writes a TTL', async () => {
    const { rs, prefix } = await replicas()
    const key = { name: 'k', rpm: 10, tpm: 10_000, concurrency: 3 }
    const budgets: SharedBudget[] = [{ scope: 'route', name: 'r', daily: 10_000, monthly: 90_000 }, keyBudget(50)]
    const a = ask({ key, budgets, estimate: 5 })
    await rs[0]!.admit(a, NOW)
    await rs[0]!.addSpend(row(a.requestId, 5, budgets))
    await rs[0]!.addSpend(row('another', 5, budgets))
    const r = new Redis(REDIS_URL)
    try {
      const keys = await r.keys(`${prefix}*`)
      expect(keys.length).toBeGreaterThanOrEqual(12)
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

describe.skipIf(!available)('RedisAdmission releases Redis did not take', () => {
  it('sends them again once it answers: the request at once and the budget’s estimate are freed, once', async () => {
    const first = await relay()
    const { r, prefix } = await through(first.port, 1000)
    const key = { name: 'k', rpm: null, tpm: null, concurrency: 1 }
    const budgets = [keyBudget(1000)]
    const a = ask({ key, budgets, estimate: 600 })
    expect((await r.admit(a, NOW)).ok).toBe(true)
    await r.addSpend(row(a.requestId, 100, budgets))
    await first.cut()
    await r.release(a.requestId, 50, NOW) // Redis is gone: kept
    const second = await relay(first.port)
    const raw = new Redis(REDIS_URL)
    try {
      // The first call that reaches Redis again is refused (the slot is still held there) and sends the release.
      for (let i = 0; i < 100 && r.health().degraded; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        await r.admit(ask({ key }), NOW)
      }
      expect(r.health().degraded).toBe(false)
      for (let i = 0; i < 100 && (await raw.zcard(`${prefix}k:k:conc`)) > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 20))
      expect(await raw.hlen(`${prefix}b:key:k:res`)).toBe(0)
      expect(await raw.get(`${prefix}b:key:k:d:${Math.floor(NOW / 86_400_000) * 86_400_000}`)).toBe('100')
      expect((await r.admit(ask({ key, budgets, estimate: 600 }), NOW)).ok).toBe(true)
    } finally {
      raw.disconnect()
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
    const budgets = [keyBudget(1e6)]
    try {
      expect(await r.admit(ask({ key, budgets }), NOW)).toMatchObject({ ok: true, remainingRequests: 999 })
      r1.slow(400)
      // Each late admission is answered locally; three in a row and the link is degraded (state/redis-link.ts).
      for (let i = 0; i < 3; i++)
        expect(await r.admit(ask({ key, budgets }), NOW)).toMatchObject({ ok: true, remainingRequests: null })
      expect(r.health().degraded).toBe(true)
      expect(log.warns[0]).toContain('slower than 50 ms')
      r1.slow(0)
      for (let i = 0; i < 100 && r.health().degraded; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        await r.admit(ask({ key, budgets }), NOW)
      }
      expect(r.health()).toEqual({ shared: true, degraded: false })
      // The admissions that timed out ran in Redis all the same, and were undone: the first and the last hold a
      // request at once each, not five, and reserve their estimates against the budget, not five.
      const raw = new Redis(REDIS_URL)
      try {
        expect(await raw.zcard(`${prefix}k:k:conc`)).toBe(2)
        expect(await raw.hlen(`${prefix}b:key:k:res`)).toBe(2)
      } finally {
        raw.disconnect()
      }
    } finally {
      await r1.cut()
    }
  })
})
