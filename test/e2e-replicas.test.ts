/**
 * Three replicas sharing one Redis (HEADROOM_REDIS_URL), clients spread round-robin: a client key's rpm
 * and a key's daily budget hold across them as they would on one. A replica pointed at a Redis that does
 * not answer keeps serving on its own state, says so once in its log and in GET /health.
 * Skipped without a Redis (except in CI): see src/admission/redis-test-utils.ts.
 */
import { describe, expect, it } from 'vitest'
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

async function three(url = REDIS_URL): Promise<Running[]> {
  const env = { HEADROOM_REDIS_URL: url, HEADROOM_REDIS_PREFIX: newPrefix() }
  return [await replica(env), await replica(env), await replica(env)]
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

async function spentUsd(hr: Running): Promise<number> {
  const res = await fetch(`${hr.url}/v1/spend`, { headers: { authorization: `Bearer ${ADMIN}` } })
  const body = (await res.json()) as { total: { cost_microcents: number } }
  return body.total.cost_microcents / 1e8
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
    const spent = (await Promise.all(hrs.map(spentUsd))).reduce((a, b) => a + b, 0)
    const perRequest = spent / served
    expect(spent).toBeGreaterThanOrEqual(0.00005)
    expect(spent).toBeLessThan(0.00005 + perRequest)
  })
})

describe.skipIf(!available)('three replicas when Redis goes away mid-load', () => {
  it('lose no request: every one is answered 200, and /health says degraded', async () => {
    const gate = await relay()
    const hrs = await three(`redis://127.0.0.1:${gate.port}`)
    // A key whose limits and budget are far above the load: every request goes through Redis, none is refused.
    const load = Array.from({ length: 60 }, async (_, i) => {
      if (i === 30) await gate.cut()
      return (await ask(hrs[i % 3]!, 'sk-roomy-12345678')).status
    })
    expect(await Promise.all(load)).toEqual(Array(60).fill(200))
    for (const hr of hrs) {
      const health = (await (await fetch(`${hr.url}/health`)).json()) as { state: unknown }
      expect(health.state).toEqual({ shared: false, degraded: true })
    }
  })
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
    expect(health.state).toEqual({ shared: false, degraded: true })
  })
})
