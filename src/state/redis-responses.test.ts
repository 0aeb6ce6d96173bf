import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropPrefix, REDIS_URL, redisAvailable, relay, testPrefix } from '../admission/redis-test-utils.ts'
import type { ResponsesRetention } from '../config/types.ts'
import type { Logger } from '../lib/logger.ts'
import { ManualClock } from '../lib/manual-clock.ts'
import { ResponseStore } from '../server/response-store.ts'
import { RedisLink } from './redis-link.ts'
import { RedisResponses } from './redis-responses.ts'

const available = await redisAvailable()

const links: RedisLink[] = []
const prefixes: string[] = []
const raw = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 })
raw.on('error', () => {})
beforeAll(async () => {
  if (available) await raw.connect()
})
afterAll(async () => {
  for (const l of links) await l.close()
  if (available) for (const p of prefixes) await dropPrefix(p)
  raw.disconnect()
})

function recorder(): Logger & { warns: string[] } {
  const warns: string[] = []
  return { warns, info() {}, warn: (m) => warns.push(m), error() {} }
}

const LIMITS: ResponsesRetention = { retentionMs: 60_000, maxBytes: 1e6, maxResponses: 100, sharedMaxBytes: 10_000 }

/** One "replica": its store, sharing `prefix` in the Redis at `url`. */
async function replica(prefix: string, url = REDIS_URL, limits: Partial<ResponsesRetention> = {}) {
  const log = recorder()
  const link = new RedisLink({ url, prefix, log, timeoutMs: 1000 })
  links.push(link)
  await link.connect()
  const clock = new ManualClock(Date.now())
  const store = new ResponseStore({
    now: clock.now,
    limits: () => ({ ...LIMITS, ...limits }),
    share: new RedisResponses(link),
  })
  return { store, link, log }
}

async function two(limits: Partial<ResponsesRetention> = {}) {
  const prefix = testPrefix()
  prefixes.push(prefix)
  const a = await replica(prefix, REDIS_URL, limits)
  const b = await replica(prefix, REDIS_URL, limits)
  return { a: a.store, b: b.store, prefix }
}

function keep(store: ResponseStore, id: string, scope = 'key:a', text = 'hi') {
  const output = [{ id: `msg_${id}`, type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }]
  store.put({
    scope,
    id,
    input: [{ role: 'user', content: 'hello' }],
    response: { id, object: 'response', status: 'completed', output },
    output,
    inputBytes: 50,
    outputBytes: 50 + text.length,
  })
}

/** Polls `probe` until it returns something other than undefined, for at most 5 s. */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('not within 5 s')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Polls `probe` until it holds, for at most 5 s. */
const holds = (probe: () => Promise<boolean>) => until(async () => ((await probe()) ? true : undefined))

describe.skipIf(!available)('ResponseStore shared through Redis (real Redis)', () => {
  it('a response kept on one replica is found, with its items, and deleted on another', async () => {
    const { a, b } = await two()
    keep(a, 'resp_1')
    const found = await until(() => b.find('key:a', 'resp_1'))
    expect(found.input).toEqual([{ role: 'user', content: 'hello' }])
    expect(found.response).toMatchObject({ id: 'resp_1', object: 'response' })
    expect(found.output).toEqual([expect.objectContaining({ id: 'msg_resp_1', type: 'message' })])
    // B keeps it as a local copy now.
    expect(b.response('key:a', 'resp_1')).toBeDefined()
    expect((await b.findItem('key:a', 'msg_resp_1'))?.item).toMatchObject({ role: 'assistant' })

    // An item whose response B does not hold yet: found through its pointer.
    keep(a, 'resp_2')
    const item = await until(() => b.findItem('key:a', 'msg_resp_2'))
    expect(item.item).toMatchObject({ id: 'msg_resp_2' })

    await a.find('key:a', 'resp_1')
    expect(await b.forget('key:a', 'resp_1')).toBe(true)
    expect(await b.find('key:a', 'resp_1')).toBeUndefined()
    // A held it in memory: the deletion on B holds there too (once A knows its write landed).
    await holds(async () => (await a.find('key:a', 'resp_1')) === undefined)
    expect(await a.findItem('key:a', 'msg_resp_1')).toBeUndefined()
    expect(await a.forget('key:a', 'resp_1')).toBe(false)
  })

  it('another client key’s ids stay unknown on every replica', async () => {
    const { a, b } = await two()
    keep(a, 'resp_1', 'key:a')
    await until(() => b.find('key:a', 'resp_1'))
    expect(await b.find('key:b', 'resp_1')).toBeUndefined()
    expect(await b.findItem('key:b', 'msg_resp_1')).toBeUndefined()
    expect(await b.forget('key:b', 'resp_1')).toBe(false)
    expect(await a.find('key:a', 'resp_1')).toBeDefined()
  })

  it('writes with a TTL: the retention', async () => {
    const { a, prefix } = await two()
    keep(a, 'resp_1', 'key:a')
    const key = `${prefix}resp:key%3Aa:resp_1`
    await holds(async () => (await raw.exists(key)) === 1)
    for (const k of [key, `${prefix}resp-item:key%3Aa:msg_resp_1`]) {
      const ttl = await raw.pttl(k)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(LIMITS.retentionMs)
    }
  })

  it('keeps a response larger than shared_max_bytes on its replica only', async () => {
    const { a, b } = await two({ sharedMaxBytes: 2000 })
    keep(a, 'resp_big', 'key:a', 'x'.repeat(3000))
    keep(a, 'resp_small', 'key:a')
    // Written in order: once the small one is there, the big one would have been too.
    await until(() => b.find('key:a', 'resp_small'))
    expect(await b.find('key:a', 'resp_big')).toBeUndefined()
    expect(await a.find('key:a', 'resp_big')).toBeDefined()
  })

  it('reads what another process wrote defensively: malformed or mis-scoped values are unknown ids', async () => {
    const { b, prefix } = await two()
    await raw.set(`${prefix}resp:key%3Aa:resp_bad`, '{not json', 'PX', 60_000)
    await raw.set(`${prefix}resp:key%3Aa:resp_odd`, JSON.stringify({ id: 'resp_odd', scope: 'key:a' }), 'PX', 60_000)
    const other = { scope: 'key:b', id: 'resp_x', input: [], response: { output: [] }, inputBytes: 1, outputBytes: 1 }
    await raw.set(`${prefix}resp:key%3Aa:resp_x`, JSON.stringify({ ...other, expiresAt: Date.now() + 60_000 }))
    await raw.set(`${prefix}resp-item:key%3Aa:msg_1`, '../../etc', 'PX', 60_000)
    for (const id of ['resp_bad', 'resp_odd', 'resp_x']) expect(await b.find('key:a', id)).toBeUndefined()
    expect(await b.findItem('key:a', 'msg_1')).toBeUndefined()
    // Ids outside the grammar never reach a key.
    expect(await b.find('key:a', 'a:b\nc')).toBeUndefined()
  })
})

describe.skipIf(!available)('ResponseStore when Redis goes away', () => {
  it('serves from memory: what it kept is found, what another replica kept is unknown, nothing throws', async () => {
    const prefix = testPrefix()
    prefixes.push(prefix)
    const cutA = await relay()
    const cutB = await relay()
    const a = await replica(prefix, `redis://127.0.0.1:${cutA.port}`)
    const b = await replica(prefix, `redis://127.0.0.1:${cutB.port}`)
    keep(a.store, 'resp_1')
    await until(() => b.store.find('key:a', 'resp_1'))
    keep(a.store, 'resp_2')
    await until(() => b.store.find('key:a', 'resp_2'))
    await cutA.cut()
    await cutB.cut()
    keep(a.store, 'resp_3') // its write fails: local only
    expect(await a.store.find('key:a', 'resp_1')).toBeDefined()
    expect(await a.store.find('key:a', 'resp_3')).toBeDefined()
    expect(await a.store.findItem('key:a', 'msg_resp_3')).toBeDefined()
    expect(await b.store.find('key:a', 'resp_3')).toBeUndefined()
    expect(await b.store.find('key:a', 'resp_2')).toBeDefined() // B's copy
    expect(await b.store.forget('key:a', 'resp_2')).toBe(true)
    expect(a.link.health().degraded).toBe(true)
    expect(a.log.warns).toHaveLength(1)
  })
})
