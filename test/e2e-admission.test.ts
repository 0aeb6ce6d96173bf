/**
 * Admission end to end: bursts beyond every target's rate limit wait in the route's queue instead of
 * failing, in priority order, and are let through as fast as the providers' limits allow — without a
 * single upstream 429. The simulator's limits run on short windows here (windowMs) so that minutes of
 * provider behaviour fit in seconds.
 */
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY, 'key-a', 'key-b', 'team-secret-123'] })
const track = useServers()

async function start(extra: string) {
  const hr = await startHeadroom({
    dbPath: ':memory:',
    configText: `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\n  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }\n${extra}`,
    port: 0,
    env: {},
    log: silentLogger,
    simulatorUrl: sim.url,
  })
  return track(hr)
}

function post(hr: Running, body: object, headers: Record<string, string> = {}) {
  return fetch(`${hr.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

describe('admission queue', () => {
  it('a burst of 5× the route’s capacity completes with zero upstream 429s, at the providers’ rate', async () => {
    // Each target: 20 requests per 2 s window (10/s); the route: 40 per window, 20/s sustained.
    for (const [api, model] of [
      ['openai', 'gpt-4.1-mini'],
      ['anthropic', 'claude-haiku-4-5'],
    ] as const)
      sim.configure(api, model, { rpm: 20, windowMs: 2000 })
    const hr = await start(
      `routes:\n  r:\n    strategy: headroom\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n    queue: { max_length: 1000, max_wait_ms: 30000 }\n    timeout_ms: 60000\n`,
    )
    const t0 = Date.now()
    const done: number[] = []
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const res = await post(hr, { model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] })
        await res.text()
        done.push(Date.now() - t0)
        return res.status
      }),
    )
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    expect(sim.stats({ status: 429 })).toBe(0)
    // After the first window's 40, the rest drain at the providers' sustained 20/s.
    done.sort((a, b) => a - b)
    const rate = (160 / (done[199]! - done[39]!)) * 1000
    expect(rate).toBeGreaterThan(20 * 0.9)
    expect(rate).toBeLessThan(20 * 1.1)
    hr.spend.flush()
    expect((hr.db.sqlite.prepare('SELECT MAX(queued_ms) AS q FROM spend').get() as { q: number }).q).toBeGreaterThan(
      1000,
    )
  }, 40_000)

  it('under contention, high priority waits less than low, and low still completes', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10, windowMs: 1000 })
    const hr = await start(
      `routes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n    queue: { max_length: 1000, max_wait_ms: 30000 }\n`,
    )
    const levels = ['high', 'normal', 'low'] as const
    const statuses = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const level = levels[i % 3]!
        const res = await post(
          hr,
          { model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] },
          { 'x-headroom-priority': level, 'x-request-id': `${level}-${i}` },
        )
        await res.text()
        return res.status
      }),
    )
    expect(statuses.every((s) => s === 200)).toBe(true)
    hr.spend.flush()
    const wait: Record<string, number[]> = { high: [], normal: [], low: [] }
    for (const r of hr.db.sqlite.prepare('SELECT client_request_id, queued_ms FROM spend').all() as Array<{
      client_request_id: string
      queued_ms: number
    }>) {
      wait[r.client_request_id.split('-')[0]!]!.push(r.queued_ms)
    }
    const summary = Object.fromEntries(levels.map((l) => [l, { p50: pct(wait[l]!, 50), p95: pct(wait[l]!, 95) }]))
    console.log('queue wait per priority (ms):', JSON.stringify(summary))
    expect(summary['high']!.p50).toBeLessThan(summary['normal']!.p50)
    expect(summary['normal']!.p50).toBeLessThan(summary['low']!.p50)
    expect(wait['low']).toHaveLength(20)
    expect(sim.stats({ status: 429 })).toBe(0)
  }, 30_000)

  it('a queue overflow gets 429 with a correct Retry-After, and retrying after it succeeds', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 2, windowMs: 2000 }) // one request a second
    const hr = await start(
      `routes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n    queue: { max_length: 1, max_wait_ms: 5000 }\n`,
    )
    const ask = () => post(hr, { model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] })
    await (await ask()).text() // learns the limits
    await (await ask()).text()
    const [a, b] = await Promise.all([ask(), new Promise((r) => setTimeout(r, 50)).then(ask)])
    expect(a.status).toBe(200) // waited in the queue
    expect(b.status).toBe(429) // the queue was full
    const body = (await b.json()) as { error: { code: string } }
    expect(body.error.code).toBe('queue_full')
    const retryAfter = Number(b.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(2)
    await new Promise((r) => setTimeout(r, retryAfter * 1000))
    expect((await ask()).status).toBe(200)
    expect(sim.stats({ status: 429 })).toBe(0)
  }, 20_000)

  it('a target’s concurrency cap holds: requests beyond it wait, then complete', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { ttftMs: 150 })
    const hr = await start(
      `  capped: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, limits: { concurrency: 2 } }\nroutes:\n  r:\n    targets: [capped/gpt-4.1-mini]\n`,
    )
    let peak = 0
    const sampler = setInterval(
      () => (peak = Math.max(peak, hr.states.peek('capped#1/gpt-4.1-mini')?.limits.inFlight ?? 0)),
      5,
    )
    const t0 = Date.now()
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        post(hr, { model: 'r', messages: [{ role: 'user', content: 'hi' }] }).then((r) => r.status),
      ),
    )
    clearInterval(sampler)
    expect(statuses).toEqual(Array(6).fill(200))
    expect(peak).toBe(2)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3 * 150 - 20)
  })

  it('spreads a burst over several keys so that none hits its limit while another has room', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10, windowMs: 2000 })
    const hr = await start(
      `  multi: { type: openai, base_url: "${sim.url}/v1", keys: [key-a, key-b] }\nroutes:\n  r:\n    targets: [multi/gpt-4.1-mini]\n    queue: { max_wait_ms: 20000 }\n`,
    )
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        post(hr, { model: 'r', messages: [{ role: 'user', content: 'hi' }] }).then((r) => r.status),
      ),
    )
    expect(statuses.every((s) => s === 200)).toBe(true)
    expect(sim.stats({ status: 429 })).toBe(0)
    hr.spend.flush()
    const perKey = hr.db.sqlite
      .prepare('SELECT key_alias, COUNT(*) AS n FROM spend GROUP BY key_alias')
      .all() as Array<{ key_alias: string; n: number }>
    expect(perKey.map((k) => k.n).sort()).toEqual([20, 20])
  }, 20_000)
})

describe('broken targets are not waited for', () => {
  const breaker = 'breaker: { volume_threshold: 2, reset_timeout_ms: 60000 }'
  const ask = (hr: Running) => post(hr, { model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] })

  it('every target broken: 503 no_available_target at once, Retry-After at the soonest half-open, no call made', async () => {
    for (const [api, model] of [
      ['openai', 'gpt-4.1-mini'],
      ['anthropic', 'claude-haiku-4-5'],
    ] as const)
      sim.configure(api, model, { faultRates: { server_error: 1 } })
    const hr = await start(
      `  ob: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, ${breaker} }\n  ab: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY}, ${breaker} }\n` +
        `routes:\n  r:\n    targets: [ob/gpt-4.1-mini, ab/claude-haiku-4-5]\n    retry: { attempts_per_target: 1 }\n    queue: { max_wait_ms: 120000 }\n    timeout_ms: 120000\n`,
    )
    for (let i = 0; i < 2; i++) expect((await ask(hr)).status).toBe(500) // both fail, twice: both breakers open
    const calls = sim.stats()
    // The half-opens are a minute away, within the queue's wait: the request must not wait for them.
    const res = await ask(hr)
    expect(res.status).toBe(503)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_available_target')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(50)
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    expect(res.headers.get('x-headroom-decision')).toMatch(
      /skipped: ob#1\/gpt-4.1-mini \(breaker open, probe in \d.*ab#1\/claude-haiku-4-5 \(breaker open/,
    )
    expect(sim.stats()).toBe(calls)
  })

  it('while the half-open probe is in flight, other requests get 503 at once instead of waiting on it', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: { server_error: 1 } })
    const hr = await start(
      `  ob: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, breaker: { volume_threshold: 2, reset_timeout_ms: 300 } }\nroutes:\n  r:\n    targets: [ob/gpt-4.1-mini]\n    retry: { attempts_per_target: 1 }\n`,
    )
    for (let i = 0; i < 2; i++) expect((await ask(hr)).status).toBe(500)
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: {}, ttftMs: 1500 }) // recovered, but slow: the probe stays in flight
    const health = hr.states.peek('ob#1/gpt-4.1-mini')!.health
    for (let i = 0; i < 100 && health.breakerState() !== 'half-open'; i++) await new Promise((r) => setTimeout(r, 20))
    const probe = ask(hr)
    for (let i = 0; i < 100 && health.breakerState() !== 'probing'; i++) await new Promise((r) => setTimeout(r, 10))
    const other = await ask(hr)
    expect(other.status).toBe(503)
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('no_available_target')
    expect(Number(other.headers.get('retry-after'))).toBe(1)
    expect(health.breakerState()).toBe('probing') // answered before the probe settled
    expect((await probe).status).toBe(200)
  })

  it('a mix waits for the rate-limited target that comes back within the wait, not for the broken one', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: { server_error: 1 } })
    const hr = await start(
      `  ob: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, ${breaker} }\nroutes:\n  r:\n    targets: [ob/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n    retry: { attempts_per_target: 1 }\n`,
    )
    for (let i = 0; i < 2; i++) expect((await ask(hr)).status).toBe(200) // served by anthropic; ob's breaker opens
    sim.configure('anthropic', 'claude-haiku-4-5', { rpm: 1, windowMs: 1000 })
    expect((await ask(hr)).status).toBe(200) // anthropic's headers now say 0 left until the window refills
    const res = await ask(hr)
    expect([res.status, res.headers.get('x-headroom-target')]).toEqual([200, 'anthropic/claude-haiku-4-5'])
    hr.spend.flush()
    expect((hr.db.sqlite.prepare('SELECT MAX(queued_ms) AS q FROM spend').get() as { q: number }).q).toBeGreaterThan(0)
  })
})

/** The openai SDK (3 retries) with its fetch wrapped to see each answer it gets, its retries included. */
function sdkSeen(hr: Running, apiKey: string): { client: OpenAI; statuses: number[] } {
  const statuses: number[] = []
  const fetchSeen: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    statuses.push(res.status)
    return res
  }
  return { client: new OpenAI({ baseURL: `${hr.url}/v1`, apiKey, maxRetries: 3, fetch: fetchSeen }), statuses }
}

describe('inbound limits per key', () => {
  it('sends OpenAI-style x-ratelimit headers that the openai SDK’s own retry honours', async () => {
    const hr = await start(
      `keys:\n  - { name: team, key: team-secret-123, limits: { rpm: 60, tpm: 100000 } }\nroutes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`,
    )
    const { client, statuses } = sdkSeen(hr, 'team-secret-123')
    const t0 = Date.now()
    const first = await client.chat.completions
      .create({ model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] })
      .withResponse()
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('60')
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('59')
    expect(first.response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$/)
    expect(first.response.headers.get('x-ratelimit-limit-tokens')).toBe('100000')
    await Promise.all(
      Array.from({ length: 59 }, () =>
        client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] }),
      ),
    )
    const used = Date.now() - t0
    // The 61st is over the key's limit (one request a second comes back): Headroom answers 429 with
    // retry-after(-ms); the SDK waits as told and retries, and the retry is served.
    statuses.length = 0
    const r = await client.chat.completions
      .create({ model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] })
      .withResponse()
    expect(r.data.choices[0]!.message.content).toBe('ok')
    // (Unless this machine took most of a second for the first 60, so that a slot came back already.)
    if (used < 800) expect(statuses).toEqual([429, 200])
    const raw = await post(
      hr,
      { model: 'r', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: 'Bearer team-secret-123' },
    )
    expect(raw.status).toBe(429)
    expect(raw.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(Number(raw.headers.get('retry-after-ms'))).toBeGreaterThan(0)
  }, 20_000)

  it('a request larger than the key’s tpm is refused at once as too large, and the SDK does not retry it', async () => {
    const hr = await start(
      `keys:\n  - { name: team, key: team-secret-123, limits: { tpm: 10000 } }\nroutes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`,
    )
    const { client, statuses } = sdkSeen(hr, 'team-secret-123')
    const err = await client.chat.completions
      .create({ model: 'r', max_tokens: 20_000, messages: [{ role: 'user', content: 'reply: ok' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    expect(statuses).toEqual([429])
    const e = err as InstanceType<typeof OpenAI.RateLimitError>
    expect(e.message).toMatch(
      /Request too large for key "team": it needs ~200\d\d tokens, more than its limit of 10000 per minute/,
    )
    expect(e.headers.get('x-should-retry')).toBe('false')
    expect(e.headers.get('retry-after')).toBeNull()
    expect(e.headers.get('x-ratelimit-limit-tokens')).toBe('10000')
    expect(sim.stats()).toBe(0)
    // One that fits is served.
    const ok = await client.chat.completions.create({
      model: 'r',
      max_tokens: 5000,
      messages: [{ role: 'user', content: 'reply: ok' }],
    })
    expect(ok.choices[0]!.message.content).toBe('ok')
  })
})
