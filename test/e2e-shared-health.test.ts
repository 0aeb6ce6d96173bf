/**
 * Three replicas sharing one Redis (HEADROOM_REDIS_URL): a breaker opened by faults on one replica, or a
 * target cooled by a 429 there, is open or cooling on the other two within a second (GET
 * /v1/routing/state), and they route around it meanwhile. With Redis cut, they go on serving.
 * Faults are scripted in the simulator over its HTTP control API (POST /_sim/script).
 * Skipped without a Redis (except in CI): see src/admission/redis-test-utils.ts.
 */
import { describe, expect, it } from 'vitest'
import { REDIS_URL, redisAvailable, relay, usePrefixes } from '../src/admission/redis-test-utils.ts'
import type { Running } from '../src/start.ts'
import { SIM_KEY, startThree, useServers, useSimulator } from './harness.ts'

const available = await redisAvailable()
const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()
const newPrefix = usePrefixes(available)

const FIRST = 'openai#1/gpt-4.1-mini'
// `ordered`: the first target serves while it can, the second only when the first is out.
const config = (simUrl: string) => `providers:
  openai:
    type: openai
    base_url: "${simUrl}/v1"
    api_key: ${SIM_KEY}
    breaker: { volume_threshold: 2, reset_timeout_ms: 30000 }
    max_cooldown_ms: 60000
routes:
  r: { targets: [openai/gpt-4.1-mini, openai/gpt-4.1-nano] }
`

async function three(url = REDIS_URL): Promise<Running[]> {
  const env = { HEADROOM_REDIS_URL: url, HEADROOM_REDIS_PREFIX: newPrefix() }
  return startThree(config(sim.url), env, sim.url, track)
}

async function ask(hr: Running): Promise<{ status: number; target: string | null }> {
  const res = await fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'r', max_tokens: 20, messages: [{ role: 'user', content: 'reply: ok' }] }),
  })
  await res.arrayBuffer()
  return { status: res.status, target: res.headers.get('x-headroom-target') }
}

interface Health {
  breaker: string
  coolingUntil: number | null
}

async function healthOf(hr: Running, id = FIRST): Promise<Health> {
  const body = (await (await fetch(`${hr.url}/v1/routing/state`)).json()) as {
    targets: Array<{ id: string; state: Health | string }>
  }
  const s = body.targets.find((t) => t.id === id)?.state
  return typeof s === 'object' ? s : { breaker: 'closed', coolingUntil: null }
}

/** Polls until `check` holds or `ms` pass: the bounded wait (a second: what replicas promise). */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = performance.now() + ms
  do {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 10))
  } while (performance.now() < deadline)
  return check()
}

async function script(faults: unknown[]): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/script`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api: 'openai', model: 'gpt-4.1-mini', faults }),
  })
  expect(res.status).toBe(200)
}

describe.skipIf(!available)('three replicas sharing target health through Redis', () => {
  it('a breaker opened by faults on A is open on B and C within a second, and B routes around it', async () => {
    const [a, b, c] = await three()
    if (!a || !b || !c) throw new Error('three replicas')
    expect((await ask(b)).target).toBe('openai/gpt-4.1-mini')
    await script(Array(8).fill({ kind: 'server_error' }))
    // A fails over to the second target while the first faults, until its breaker opens.
    for (let i = 0; i < 8 && (await healthOf(a)).breaker !== 'open'; i++) expect((await ask(a)).status).toBe(200)
    expect((await healthOf(a)).breaker).toBe('open')
    sim.reset() // the first target answers again: only the shared breaker keeps B away from it
    for (const hr of [b, c]) expect(await within(1000, async () => (await healthOf(hr)).breaker === 'open')).toBe(true)
    expect(await ask(b)).toEqual({ status: 200, target: 'openai/gpt-4.1-nano' })
    expect(await ask(c)).toEqual({ status: 200, target: 'openai/gpt-4.1-nano' })
  })

  it('a 429 with Retry-After on A cools the target on B and C within a second, and B routes around it', async () => {
    const [a, b, c] = await three()
    if (!a || !b || !c) throw new Error('three replicas')
    await script([{ kind: 'rate_limit', retryAfterMs: 20_000 }])
    expect(await ask(a)).toEqual({ status: 200, target: 'openai/gpt-4.1-nano' })
    const until = (await healthOf(a)).coolingUntil
    expect(until).not.toBeNull()
    for (const hr of [b, c])
      expect(await within(1000, async () => ((await healthOf(hr)).coolingUntil ?? 0) >= (until ?? 0) - 50)).toBe(true)
    expect(await ask(b)).toEqual({ status: 200, target: 'openai/gpt-4.1-nano' })
    // Neither B nor C counted it as a fault of their own.
    expect((await healthOf(b)).breaker).toBe('closed')
  })
})

describe.skipIf(!available)('three replicas sharing target health when Redis is cut', () => {
  it('keep serving, each on its own state: a cooldown on A stays on A', async () => {
    const gate = await relay()
    const [a, b, c] = await three(`redis://127.0.0.1:${gate.port}`)
    if (!a || !b || !c) throw new Error('three replicas')
    await gate.cut()
    await script([{ kind: 'rate_limit', retryAfterMs: 20_000 }])
    const answers = []
    for (let i = 0; i < 9; i++) answers.push((await ask([a, b, c][i % 3] as Running)).status)
    expect(answers).toEqual(Array(9).fill(200))
    expect((await healthOf(a)).coolingUntil).not.toBeNull()
    // B and C never heard: they serve from the first target.
    expect(await ask(b)).toEqual({ status: 200, target: 'openai/gpt-4.1-mini' })
    expect((await healthOf(c)).coolingUntil).toBeNull()
  })
})
