import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { REDIS_URL, redisAvailable, relay, usePrefixes } from '../admission/redis-test-utils.ts'
import type { TargetStateConfig } from '../config/types.ts'
import type { Logger } from '../lib/logger.ts'
import { ProviderError } from '../providers/types.ts'
import { TargetStates } from '../routing/target-states.ts'
import { RedisHealth } from './redis-health.ts'
import { RedisLink } from './redis-link.ts'

const available = await redisAvailable()

/** Two configured targets; resetTimeout long enough to be seen open, volume small enough to trip fast. */
const CONFIG: TargetStateConfig = {
  breaker: { volumeThreshold: 2, resetTimeout: 5_000, rollingCountTimeout: 10_000 },
  limits: { maxCooldownMs: 60_000 },
}
const TARGETS = new Map(
  ['openai#1/gpt-4.1-mini', 'openai#2/gpt-4.1-mini'].map((id) => {
    const [keyAlias = '', model = ''] = id.split('/')
    return [id, { keyAlias, model }]
  }),
)
const A = 'openai#1/gpt-4.1-mini'

function recorder(): Logger & { warns: string[] } {
  const warns: string[] = []
  return { warns, info() {}, warn: (m) => warns.push(m), error() {} }
}

interface Replica {
  states: TargetStates
  health: RedisHealth
  link: RedisLink
}
const live: Replica[] = []
afterEach(async () => {
  for (const r of live.splice(0)) {
    await r.health.close()
    r.states.close()
    await r.link.close()
  }
})
const newPrefix = usePrefixes(available)

async function replica(prefix: string, url = REDIS_URL, log: Logger = recorder()): Promise<Replica> {
  const link = new RedisLink({ url, prefix, log, timeoutMs: 1000 })
  await link.connect()
  const states = new TargetStates()
  states.retain(new Set(TARGETS.keys()))
  const health = new RedisHealth({
    link,
    states,
    log,
    ids: () => TARGETS.keys(),
    resolve: (id) => {
      const target = TARGETS.get(id)
      return target ? { target, config: CONFIG } : null
    },
  })
  await health.start()
  const r = { states, health, link }
  live.push(r)
  return r
}

function stateOf(r: Replica, id = A) {
  const target = TARGETS.get(id)
  if (!target) throw new Error(id)
  return r.states.get(target, CONFIG, Date.now()).health
}

async function until(check: () => boolean, ms = 1000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 5))
  }
  return true
}

const fault = () => new ProviderError({ provider: 'openai', status: 500, kind: 'server', message: 'boom' })

async function trip(r: Replica): Promise<void> {
  const h = stateOf(r)
  for (let i = 0; i < 2; i++) await h.run(() => Promise.reject(fault())).catch(() => {})
  expect(h.breakerState()).toBe('open')
}

/** Every message on the prefix's channel, as a third party sees it. */
async function listen(prefix: string): Promise<{ messages: string[]; close(): void }> {
  const r = new Redis(REDIS_URL)
  const messages: string[] = []
  r.on('message', (_c: string, m: string) => messages.push(m))
  await r.subscribe(`${prefix}health`)
  return { messages, close: () => r.disconnect() }
}

describe.skipIf(!available)('RedisHealth (real Redis)', () => {
  it('a cooldown on one replica cools the target on the others, told once, never echoed', async () => {
    const prefix = newPrefix()
    const [a, b, c] = [await replica(prefix), await replica(prefix), await replica(prefix)]
    const spy = await listen(prefix)
    const until0 = Date.now() + 20_000
    stateOf(a).coolUntil(until0)
    for (const r of [b, c]) expect(await until(() => stateOf(r).isCooling(Date.now()))).toBe(true)
    // The same end, give or take the message's transit (later, never earlier by more than rounding).
    expect(stateOf(b).coolingUntil(Date.now())).toBeGreaterThanOrEqual(until0 - 5)
    expect(stateOf(b).coolingUntil(Date.now())).toBeLessThan(until0 + 1000)
    // A shorter cooldown elsewhere is no news; the other target is untouched.
    stateOf(a).coolUntil(until0 - 10_000)
    expect(stateOf(b, 'openai#2/gpt-4.1-mini').isCooling(Date.now())).toBe(false)
    await new Promise((r) => setTimeout(r, 100))
    expect(spy.messages).toHaveLength(1)
    expect(JSON.parse(spy.messages[0] ?? '')).toMatchObject({ id: A, kind: 'cooldown' })
    spy.close()
  })

  it('a breaker opening on one replica opens it on the others, as no evidence of theirs, not echoed', async () => {
    const prefix = newPrefix()
    const [a, b] = [await replica(prefix), await replica(prefix)]
    const spy = await listen(prefix)
    await trip(a)
    expect(await until(() => stateOf(b).breakerState() === 'open')).toBe(true)
    expect(stateOf(b).errorRate()).toBe(0)
    const aAt = stateOf(a).halfOpenAt() ?? 0
    expect(stateOf(b).halfOpenAt()).toBeGreaterThanOrEqual(aAt - 5)
    expect(stateOf(b).halfOpenAt()).toBeLessThan(aAt + 1000)
    await new Promise((r) => setTimeout(r, 100))
    expect(spy.messages.map((m) => JSON.parse(m).kind)).toEqual(['open'])
    spy.close()
  })

  it('a replica starting later reads what is in force from the keys', async () => {
    const prefix = newPrefix()
    const a = await replica(prefix)
    stateOf(a).coolUntil(Date.now() + 20_000)
    await trip(a)
    await new Promise((r) => setTimeout(r, 50)) // the script ran
    const late = await replica(prefix)
    expect(stateOf(late).isCooling(Date.now())).toBe(true)
    expect(stateOf(late).breakerState()).toBe('open')
  })

  it('gives every key a TTL', async () => {
    const prefix = newPrefix()
    const a = await replica(prefix)
    stateOf(a).coolUntil(Date.now() + 20_000)
    await trip(a)
    const r = new Redis(REDIS_URL)
    let keys: string[] = []
    const deadline = Date.now() + 1000
    while (keys.length < 2 && Date.now() < deadline) keys = await r.keys(`${prefix}*`)
    expect(keys.sort()).toEqual([
      `${prefix}health:cooldown:openai%231%2Fgpt-4.1-mini`,
      `${prefix}health:open:openai%231%2Fgpt-4.1-mini`,
    ])
    for (const k of keys) expect(await r.pttl(k)).toBeGreaterThan(0)
    r.disconnect()
  })

  it('ignores what it did not write: garbage, unknown ids, other kinds, absurd durations', async () => {
    const prefix = newPrefix()
    const log = recorder()
    const b = await replica(prefix, REDIS_URL, log)
    const r = new Redis(REDIS_URL)
    const ch = `${prefix}health`
    const ok = { v: 1, from: 'x', id: A, kind: 'cooldown', ms: 10_000 }
    for (const m of [
      'not json',
      'x'.repeat(5000),
      JSON.stringify({ ...ok, id: 'someone/else' }),
      JSON.stringify({ ...ok, kind: 'closed' }),
      JSON.stringify({ ...ok, ms: -5 }),
      JSON.stringify({ ...ok, ms: '10000' }),
      JSON.stringify({ ...ok, extra: true }),
      JSON.stringify([ok]),
      'null',
    ])
      await r.publish(ch, m)
    // Then a well-formed one with an absurd duration: applied, capped at what this replica could set itself.
    await r.publish(ch, JSON.stringify({ ...ok, ms: 2 ** 31 - 1 }))
    expect(await until(() => stateOf(b).isCooling(Date.now()))).toBe(true)
    expect(stateOf(b).coolingUntil(Date.now())).toBeLessThanOrEqual(Date.now() + 300_000)
    expect(stateOf(b, 'openai#2/gpt-4.1-mini').isCooling(Date.now())).toBe(false)
    expect(log.warns.filter((w) => w.includes('did not write'))).toHaveLength(1)
    r.disconnect()
  })

  it('each replica probes half-open alone: a peer’s window ends, its own probe closes it', async () => {
    const prefix = newPrefix()
    const [a, b] = [await replica(prefix), await replica(prefix)]
    // A's breaker opens with what is left of a short window (as if heard late).
    stateOf(a).applyRemote({ kind: 'open', forMs: 50 })
    await trip(b) // B's own: told to A, which is open already and keeps its own course
    expect(await until(() => stateOf(a).breakerState() === 'half-open')).toBe(true)
    await stateOf(a).run(async () => 'probe')
    expect(stateOf(a).breakerState()).toBe('closed')
    // A's close is not told: B stays open on its own evidence.
    await new Promise((r) => setTimeout(r, 100))
    expect(stateOf(b).breakerState()).toBe('open')
  })
})

describe.skipIf(!available)('RedisHealth when Redis goes away', () => {
  it('keeps news local while Redis is down, never throws, and catches up from the keys when it is back', async () => {
    const prefix = newPrefix()
    const gate = await relay()
    const log = recorder()
    const a = await replica(prefix, REDIS_URL)
    const b = await replica(prefix, `redis://127.0.0.1:${gate.port}`, log)
    await gate.cut()
    // B's own news stays local (and B serves on).
    stateOf(b).coolUntil(Date.now() + 20_000)
    expect(stateOf(b).isCooling(Date.now())).toBe(true)
    // A's news while B is away: B learns it from the key when it is back.
    await trip(a)
    await new Promise((r) => setTimeout(r, 100))
    expect(stateOf(b).breakerState()).toBe('closed')
    const back = await relay(gate.port)
    expect(await until(() => stateOf(b).breakerState() === 'open', 4000)).toBe(true)
    // And hears new news again, over its new subscription.
    stateOf(a).coolUntil(Date.now() + 30_000)
    expect(await until(() => (stateOf(b).coolingUntil(Date.now()) ?? 0) > Date.now() + 25_000)).toBe(true)
    await back.cut()
  })

  it('a subscriber whose first replies come too late joins again, and then hears', async () => {
    const prefix = newPrefix()
    const gate = await relay()
    gate.slow(1500) // past the subscriber's 1 s timeout: its first catch-up read fails
    const a = await replica(prefix, REDIS_URL)
    const b = await replica(prefix, `redis://127.0.0.1:${gate.port}`)
    await new Promise((r) => setTimeout(r, 1000))
    gate.slow(0)
    stateOf(a).coolUntil(Date.now() + 20_000)
    // Caught up from the key, or heard once subscribed: either way, B cools.
    expect(await until(() => stateOf(b).isCooling(Date.now()), 5000)).toBe(true)
    stateOf(a).coolUntil(Date.now() + 40_000)
    expect(await until(() => (stateOf(b).coolingUntil(Date.now()) ?? 0) > Date.now() + 35_000, 3000)).toBe(true)
    await gate.cut()
  })

  it('a replica whose Redis never answers starts, and keeps its state to itself', async () => {
    const b = await replica(newPrefix(), 'redis://127.0.0.1:1')
    stateOf(b).coolUntil(Date.now() + 20_000)
    await trip(b)
    expect(stateOf(b).isCooling(Date.now())).toBe(true)
  })
})
