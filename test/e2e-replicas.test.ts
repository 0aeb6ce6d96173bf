/**
 * Three replicas sharing one Redis (HEADROOM_REDIS_URL), clients spread round-robin: a client key's rpm
 * and a key's daily budget hold across them as they would on one. A replica pointed at a Redis that does
 * not answer keeps serving on its own state, says so once in its log and in GET /health; three replicas
 * whose Redis goes away under a steady stream of requests lose none, and share again when it is back.
 * Skipped without a Redis (except in CI): see src/admission/redis-test-utils.ts.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { REDIS_URL, redisAvailable, relay, testPrefix, usePrefixes } from '../src/admission/redis-test-utils.ts'
import type { Logger } from '../src/lib/logger.ts'
import { silentLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, useServers, useSimulator } from './harness.ts'

const available = await redisAvailable()
const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()
const newPrefix = usePrefixes(available)

const ADMIN = 'admin-secret-123'
const config = (simUrl: string) => `providers:
  openai: { type: openai, base_url: "${simUrl}/v1", api_key: ${SIM_KEY} }
keys:
  - { name: limited, key: sk-limited-123456, limits: { rpm: 7 } }
  - { name: thrifty, key: sk-thrifty-123456, budget: { daily_usd: 0.00005 } }
  - { name: roomy, key: sk-roomy-12345678, limits: { rpm: 10000, concurrency: 100 }, budget: { daily_usd: 100 } }
admin_key: ${ADMIN}
routes:
  r: { targets: [openai/gpt-4.1-mini] }
`

async function replica(env: Record<string, string>, log: Logger = silentLogger): Promise<Running> {
  const hr = await startHeadroom({
    dbPath: ':memory:',
    configText: config(sim.url),
    port: 0,
    env,
    log,
    simulatorUrl: sim.url,
  })
  return track(hr)
}

async function three(): Promise<Running[]> {
  const env = { HEADROOM_REDIS_URL: REDIS_URL, HEADROOM_REDIS_PREFIX: newPrefix() }
  const hrs = [await replica(env), await replica(env), await replica(env)]
  await allShared(hrs)
  return hrs
}

const SHARED = { shared: true, degraded: false }
const DEGRADED = { shared: false, degraded: true }

async function stateOf(hr: Running): Promise<unknown> {
  return ((await (await fetch(`${hr.url}/health`)).json()) as { state: unknown }).state
}

/** Until every replica's GET /health says `expected` (15 s at most). */
function everyReplica(hrs: Running[], expected: unknown) {
  return vi.waitFor(async () => expect(await Promise.all(hrs.map(stateOf))).toEqual(hrs.map(() => expected)), {
    timeout: 15_000,
    interval: 50,
  })
}

/**
 * Until every replica shares its state through Redis. One answer slower than 50 ms (a busy machine: the
 * event loop's lag counts) leaves a replica degraded until a request probes Redis again, a second later:
 * requests are sent meanwhile, for a key no test exhausts.
 */
function allShared(hrs: Running[]) {
  return vi.waitFor(
    async () => {
      for (const hr of hrs) await ask(hr, 'sk-roomy-12345678')
      expect(await Promise.all(hrs.map(stateOf))).toEqual(hrs.map(() => SHARED))
    },
    { timeout: 15_000, interval: 100 },
  )
}

async function ask(hr: Running, key: string) {
  const res = await fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'r', max_tokens: 20, messages: [{ role: 'user', content: 'reply: ok' }] }),
  })
  const body = (await res.json()) as { error?: { code?: string } }
  return { status: res.status, code: body.error?.code ?? null }
}

/** What a client key (by name) spent on this replica. */
async function spentUsd(hr: Running, key: string): Promise<number> {
  const res = await fetch(`${hr.url}/v1/spend?group_by=key`, { headers: { authorization: `Bearer ${ADMIN}` } })
  const body = (await res.json()) as { data: Array<{ key: string | null; cost_microcents: number }> }
  return (body.data.find((row) => row.key === key)?.cost_microcents ?? 0) / 1e8
}

describe.skipIf(!available)('three replicas sharing Redis', () => {
  it('hold a client key’s rpm across replicas: N admitted, the rest 429', async () => {
    const hrs = await three()
    const answers = []
    for (let i = 0; i < 12; i++) answers.push(await ask(hrs[i % 3]!, 'sk-limited-123456'))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(7)
    expect(answers.slice(7).map((a) => [a.status, a.code])).toEqual(Array(5).fill([429, 'rate_limit_exceeded']))
  })

  it('cut a key’s daily budget off across replicas within one request’s cost of it', async () => {
    const hrs = await three()
    const answers = []
    for (let i = 0; i < 30; i++) answers.push(await ask(hrs[i % 3]!, 'sk-thrifty-123456'))
    const served = answers.filter((a) => a.status === 200).length
    expect(served).toBeGreaterThan(1)
    // Once cut off, every replica refuses.
    expect(answers.slice(served).map((a) => a.code)).toEqual(Array(30 - served).fill('budget_exceeded'))
    const spent = (await Promise.all(hrs.map((hr) => spentUsd(hr, 'thrifty')))).reduce((a, b) => a + b, 0)
    const perRequest = spent / served
    expect(spent).toBeGreaterThanOrEqual(0.00005)
    expect(spent).toBeLessThan(0.00005 + perRequest)
  })
})

describe.skipIf(!available)('three replicas when Redis goes away mid-load and comes back', () => {
  it('lose no request, warn once while it is away, say so in /health, and share limits again after the rejoin', async () => {
    const gate = await relay()
    const env = { HEADROOM_REDIS_URL: `redis://127.0.0.1:${gate.port}`, HEADROOM_REDIS_PREFIX: newPrefix() }
    // Each replica's warnings about Redis: 'down' (unreachable or slow) or 'back' (answers again).
    const warns: Array<Array<'down' | 'back'>> = [[], [], []]
    const hrs: Running[] = []
    for (const w of warns) {
      const warn = (m: string) => {
        if (/unreachable or slower than/.test(m)) w.push('down')
        else if (/Redis answers again/.test(m)) w.push('back')
      }
      hrs.push(await replica(env, { info() {}, error() {}, warn }))
    }
    // A steady stream: 6 requests at once, round robin over the replicas, until told to stop (at most 3,000),
    // for a key whose limits and budget are far above it: every request takes the shared path, none is refused.
    const statuses: number[] = []
    let sent = 0
    let stop = false
    const workers = Array.from({ length: 6 }, async () => {
      while (!stop && sent < 3000) {
        const i = sent++
        statuses.push((await ask(hrs[i % 3]!, 'sk-roomy-12345678')).status)
      }
    })
    // Stopped however the test ends (a timeout included), so that no request outlives the replicas.
    onTestFinished(() => {
      stop = true
    })
    const answered = (n: number) =>
      vi.waitFor(() => expect(statuses.length).toBeGreaterThanOrEqual(n), { timeout: 15_000, interval: 20 })
    let degradedAt: number[] = []
    let restoredAt: number[] = []
    try {
      await answered(30)
      await everyReplica(hrs, SHARED)
      await gate.cut()
      await everyReplica(hrs, DEGRADED)
      degradedAt = warns.map((w) => w.length)
      await answered(statuses.length + 30)
      restoredAt = warns.map((w) => w.length)
      // Redis back on the same address: the replicas reconnect (ioredis retries each second) and rejoin.
      const restored = await relay(gate.port)
      onTestFinished(() => restored.cut())
      await everyReplica(hrs, SHARED)
      await answered(statuses.length + 30)
    } finally {
      stop = true
      await Promise.all(workers)
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    expect(statuses.length).toBeGreaterThanOrEqual(90)
    // While Redis was away each replica had warned, and warned no more for the requests it kept serving.
    expect(restoredAt).toEqual(degradedAt)
    for (const [i, w] of warns.entries()) expect(w.slice(0, restoredAt[i]).at(-1)).toBe('down')
    // One line each way per change of state — down, back, down, back… — never one per request. (On a busy
    // machine an answer slower than 50 ms, the event loop's lag included, is a change of state too.)
    for (const w of warns) expect(w).toEqual(w.map((_, j) => (j % 2 === 0 ? 'down' : 'back')))

    // Every replica shared again (a request probes a degraded one's Redis), then limits are shared again:
    // the rpm-7 key gets 7 across the three replicas, not 7 on each.
    await allShared(hrs)
    for (const w of warns) expect(w.at(-1)).toBe('back')
    const answers = []
    for (let i = 0; i < 12; i++) answers.push(await ask(hrs[i % 3]!, 'sk-limited-123456'))
    expect(answers.filter((a) => a.status === 200)).toHaveLength(7)
    expect(answers.slice(7).map((a) => [a.status, a.code])).toEqual(Array(5).fill([429, 'rate_limit_exceeded']))
  }, 60_000)
})

describe('a replica whose Redis does not answer', () => {
  it('keeps serving on its own state, warns once, and says degraded in /health', async () => {
    const warns: string[] = []
    const log: Logger = { info() {}, error() {}, warn: (m) => warns.push(m) }
    const hr = await replica({ HEADROOM_REDIS_URL: 'redis://127.0.0.1:1', HEADROOM_REDIS_PREFIX: testPrefix() }, log)
    const answers = []
    for (let i = 0; i < 9; i++) answers.push((await ask(hr, 'sk-limited-123456')).status)
    // The local limit still holds: 7 a minute on this replica.
    expect(answers).toEqual([...Array(7).fill(200), 429, 429])
    expect(warns.filter((w) => w.includes('Redis'))).toHaveLength(1)
    const health = (await (await fetch(`${hr.url}/health`)).json()) as { status: string; state: unknown }
    expect(health.status).toBe('degraded')
    expect(health.state).toEqual(DEGRADED)
  })
})
