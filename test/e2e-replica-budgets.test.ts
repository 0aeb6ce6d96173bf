/**
 * Budgets across three replicas sharing one Redis, clients spread round-robin: a route's budget, and a
 * key's budget and its route's at once, cut off across replicas within one request's cost, the refusal
 * naming the budget that is spent. And with one PostgreSQL spend table: Redis emptied mid-way (its keys
 * deleted), the counters are rebuilt from the table and the budget still holds.
 * Skipped without a Redis or a PostgreSQL (except in CI): see src/admission/redis-test-utils.ts and
 * src/spend/__fixtures__/pg.ts.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../src/admission/redis-test-utils.ts'
import { silentLogger } from '../src/lib/logger.ts'
import { dropSchema, PG_TEST_URL, postgresForTests, uniqueSchema } from '../src/spend/__fixtures__/pg.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, useServers, useSimulator } from './harness.ts'

const available = await redisAvailable()
const pgAvailable = available && (await postgresForTests())
const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()
const prefixes: string[] = []
const schemas: string[] = []
afterAll(async () => {
  if (available) for (const p of prefixes) await dropPrefix(p)
  for (const s of schemas) await dropSchema(s)
})

const ADMIN = 'admin-secret-123'
const config = (simUrl: string) => `providers:
  openai: { type: openai, base_url: "${simUrl}/v1", api_key: ${SIM_KEY} }
keys:
  - { name: thrifty, key: sk-thrifty-123456, budget: { daily_usd: 0.00004 } }
  - { name: plain, key: sk-plain-12345678 }
  - { name: saver, key: sk-saver-12345678, budget: { daily_usd: 0.0001 } }
admin_key: ${ADMIN}
routes:
  capped: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 0.00005 } }
  shared: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 0.0001 } }
  r: { targets: [openai/gpt-4.1-mini] }
`

async function three(db = ':memory:'): Promise<Running[]> {
  const prefix = testPrefix()
  prefixes.push(prefix)
  // A shared test machine may stall a replica past the 50 ms that count as Redis down (then each replica
  // admits on its own: docs/scale-out.md); these tests are about the shared counting.
  const env = {
    HEADROOM_REDIS_URL: REDIS_URL,
    HEADROOM_REDIS_PREFIX: prefix,
    HEADROOM_DB: db,
    HEADROOM_REDIS_TIMEOUT_MS: '2000',
  }
  const replica = async () =>
    track(await startHeadroom({ configText: config(sim.url), port: 0, env, log: silentLogger, simulatorUrl: sim.url }))
  return [await replica(), await replica(), await replica()]
}

async function ask(hr: Running, key: string, model: string) {
  const res = await fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'reply: ok' }] }),
  })
  const body = (await res.json()) as { error?: { code?: string; message?: string } }
  return { status: res.status, code: body.error?.code ?? null, message: body.error?.message ?? '' }
}

/** Requests round-robin until `n` are sent; the answers. */
async function spread(hrs: Running[], key: string, model: string, n: number, from = 0) {
  const answers = []
  for (let i = from; i < from + n; i++) answers.push(await ask(hrs[i % hrs.length]!, key, model))
  return answers
}

/** USD in each replica's spend table (filtered), summed; `shared`: one table, counted once. */
async function spentUsd(hrs: Running[], filter: string, shared = false): Promise<number> {
  const one = async (hr: Running) => {
    const res = await fetch(`${hr.url}/v1/spend?${filter}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    const body = (await res.json()) as { total: { cost_microcents: number } }
    return body.total.cost_microcents / 1e8
  }
  if (shared) return one(hrs[0]!)
  return (await Promise.all(hrs.map(one))).reduce((a, b) => a + b, 0)
}

/** Served, then every later answer the same refusal; spend at the cap and below it plus one request's cost. */
function expectCutOff(answers: Awaited<ReturnType<typeof ask>>[], spent: number, cap: number, names: string) {
  const served = answers.filter((a) => a.status === 200).length
  expect(served).toBeGreaterThan(1)
  expect(answers.slice(served).map((a) => a.code)).toEqual(Array(answers.length - served).fill('budget_exceeded'))
  for (const a of answers.slice(served)) expect(a.message).toContain(names)
  expect(spent).toBeGreaterThanOrEqual(cap)
  expect(spent).toBeLessThan(cap + spent / served)
}

describe.skipIf(!available)('budgets across three replicas sharing Redis', () => {
  it('cut a route’s daily budget off across replicas within one request’s cost of it', async () => {
    const hrs = await three()
    const answers = await spread(hrs, 'sk-plain-12345678', 'capped', 24)
    expectCutOff(answers, await spentUsd(hrs, 'route=capped'), 0.00005, 'for route "capped"')
  })

  it('hold a key’s budget and its route’s at once: each cut off when spent, naming itself', async () => {
    const hrs = await three()
    // The key's budget is the smaller: it is spent first, on a route every key spends from.
    const first = await spread(hrs, 'sk-thrifty-123456', 'shared', 18)
    expectCutOff(first, await spentUsd(hrs, 'key=thrifty'), 0.00004, 'for key "thrifty"')
    // Another key (with a larger budget of its own) spends the rest of the route's budget: the route's
    // counter has the first key's rows too.
    const second = await spread(hrs, 'sk-saver-12345678', 'shared', 18)
    expectCutOff(second, await spentUsd(hrs, 'route=shared'), 0.0001, 'for route "shared"')
    expect(await spentUsd(hrs, 'key=saver')).toBeLessThan(0.0001)
  })
})

describe.skipIf(!pgAvailable)('budgets across replicas when Redis is emptied (one PostgreSQL spend table)', () => {
  it('rebuild the counters from the table: the budget still cuts off within one request’s cost', async () => {
    const schema = uniqueSchema()
    schemas.push(schema)
    const hrs = await three(`${PG_TEST_URL}?schema=${schema}`)
    const before = await spread(hrs, 'sk-saver-12345678', 'r', 4)
    expect(before.map((a) => a.status)).toEqual([200, 200, 200, 200])
    // Redis loses everything (a restart without persistence); the rows are in the table.
    for (const hr of hrs) await hr.spend.flushAsync()
    await dropPrefix(prefixes.at(-1)!)
    const after = await spread(hrs, 'sk-saver-12345678', 'r', 24, 4)
    for (const hr of hrs) await hr.spend.flushAsync()
    expectCutOff([...before, ...after], await spentUsd(hrs, 'key=saver', true), 0.0001, 'for key "saver"')
  })
})
