/**
 * Routing end to end: the real server and simulator, and the `openai` SDK. Each scenario asserts what
 * the client saw and which targets served (x-headroom-target, the simulator's own counters).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { startHeadroom } from '../src/start.ts'
import { drainText, SIM_KEY, useServers, useSimulator } from './harness.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function providers(sim: string, extra = ''): string {
  return `providers:
  openai: { type: openai, base_url: "${sim}/v1", api_key: ${SIM_KEY}, breaker: { volume_threshold: 4, reset_timeout_ms: 600, rolling_window_ms: 5000 } }
  anthropic: { type: anthropic, base_url: "${sim}", api_key: ${SIM_KEY} }
  google: { type: gemini, base_url: "${sim}", api_key: ${SIM_KEY} }
${extra}`
}

const sim = useSimulator({ validKeys: [SIM_KEY, 'key-a', 'key-b', 'key-c'] })
const track = useServers()

async function headroom(configText: string) {
  const hr = track(
    await startHeadroom({ dbPath: ':memory:', configText, port: 0, env: {}, log: silentLogger, simulatorUrl: sim.url }),
  )
  return { hr, client: new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 15_000 }) }
}

async function ask(client: OpenAI, model: string, content = 'reply: ok', extra: Record<string, unknown> = {}) {
  const { data, response } = await client.chat.completions
    .create({ model, messages: [{ role: 'user', content }], ...extra })
    .withResponse()
  return {
    data,
    target: response.headers.get('x-headroom-target'),
    attempts: Number(response.headers.get('x-headroom-attempts')),
    decision: response.headers.get('x-headroom-decision') ?? '',
  }
}

describe('rate limits', () => {
  it('a 429 with Retry-After moves requests to the next target, and they come back after the reset', async () => {
    const { client } = await headroom(
      providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n`),
    )
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'rate_limit', retryAfterMs: 1000 }]) // retry-after: 1
    const first = await ask(client, 'r')
    expect(first.target).toBe('anthropic/claude-haiku-4-5')
    expect(first.attempts).toBe(2)
    const during = await ask(client, 'r')
    expect(during.target).toBe('anthropic/claude-haiku-4-5')
    expect(during.attempts).toBe(1) // openai was skipped, not tried
    expect(during.decision).toMatch(/openai#1\/gpt-4.1-mini \(rate-limited for/)
    await sleep(1100)
    expect((await ask(client, 'r')).target).toBe('openai/gpt-4.1-mini')
    expect(sim.stats({ api: 'openai', status: 429 })).toBe(1)
  })

  // The hour as each API says it: OpenAI retry-after: 3600 and x-ratelimit-reset-requests: 1h0m0s at 0 left;
  // Anthropic retry-after and an anthropic-ratelimit-requests-reset an hour away; Gemini RetryInfo "3600s".
  it.each([
    ['openai', 'openai/gpt-4.1-mini'],
    ['anthropic', 'anthropic/claude-haiku-4-5'],
    ['gemini', 'google/gemini-2.5-flash'],
  ] as const)('%s: an hour-long 429 cools %s for max_cooldown_ms only, then it is re-probed', async (api, target) => {
    const provider = target.split('/')[0]!
    const fallback = provider === 'openai' ? 'anthropic/claude-haiku-4-5' : 'openai/gpt-4.1-mini'
    const { client } = await headroom(
      providers(sim.url, `routes:\n  r: { targets: [${target}, ${fallback}] }\n`).replace(
        `  ${provider}: { type: `,
        `  ${provider}: { max_cooldown_ms: 500, type: `,
      ),
    )
    sim.script(api, target.split('/')[1]!, [
      { kind: 'rate_limit', retryAfterMs: 3_600_000 },
      { kind: 'rate_limit', retryAfterMs: 3_600_000 },
    ])
    const served = async () => {
      const r = await ask(client, 'r')
      return [r.target, r.attempts]
    }
    expect(await served()).toEqual([fallback, 2]) // the 429, then failover
    expect(await served()).toEqual([fallback, 1]) // cooling: skipped
    await sleep(600)
    expect(await served()).toEqual([fallback, 2]) // re-probed: a new 429
    expect(await served()).toEqual([fallback, 1])
    await sleep(600)
    expect(await served()).toEqual([target, 1]) // re-probed: back
    expect(sim.stats({ api, status: 429 })).toBe(2)
  })

  it('stops sending before the provider says 429 when its headroom headers reach zero', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 10 })
    const { client } = await headroom(
      providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n`),
    )
    const served: Record<string, number> = {}
    // Twice openai's limit, two at a time.
    for (let i = 0; i < 10; i++) {
      const pair = await Promise.all([ask(client, 'r'), ask(client, 'r')])
      for (const r of pair) served[r.target!] = (served[r.target!] ?? 0) + 1
    }
    expect(sim.stats({ status: 429 })).toBe(0)
    expect(served['openai/gpt-4.1-mini']).toBeGreaterThanOrEqual(8)
    expect(served['openai/gpt-4.1-mini']).toBeLessThanOrEqual(10)
    expect(served['anthropic/claude-haiku-4-5']).toBe(20 - served['openai/gpt-4.1-mini']!)
  })

  it('key rotation: two keys double the usable throughput against a rate-limited provider', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 5 })
    const { client } = await headroom(
      providers(
        sim.url,
        `  one: { type: openai, base_url: "${sim.url}/v1", api_key: key-c }\n  two: { type: openai, base_url: "${sim.url}/v1", keys: [key-a, key-b] }\n`,
      ),
    )
    const count = async (model: string) => {
      let ok = 0
      const keys = new Set<string>()
      for (let i = 0; i < 14; i++) {
        try {
          const r = await ask(client, model)
          ok++
          keys.add(r.decision.split(' ')[1]!.split('/')[0]!)
        } catch (err) {
          expect(err).toBeInstanceOf(OpenAI.RateLimitError) // Headroom's own 429, with Retry-After
          expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toMatch(/^\d+$/)
        }
      }
      return { ok, keys }
    }
    const one = await count('one/gpt-4.1-mini')
    const two = await count('two/gpt-4.1-mini')
    expect(one.ok).toBe(5)
    expect(two.ok).toBe(10)
    expect(two.keys).toEqual(new Set(['two#1', 'two#2']))
    expect(sim.stats({ status: 429 })).toBe(0)
  })
})

describe('faults', () => {
  it('a 5xx storm opens the breaker, traffic fails over, a half-open probe finds recovery', async () => {
    const { client, hr } = await headroom(
      providers(
        sim.url,
        `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n    retry: { attempts_per_target: 1 }\n`,
      ),
    )
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: { server_error: 1 } })
    const targets: string[] = []
    for (let i = 0; i < 8; i++) targets.push((await ask(client, 'r')).target!)
    expect(targets.every((t) => t === 'anthropic/claude-haiku-4-5')).toBe(true) // every failure failed over
    const openaiCalls = sim.stats({ api: 'openai' })
    expect(openaiCalls).toBeLessThan(8) // the breaker opened and stopped the calls
    const open = await ask(client, 'r')
    expect(open.decision).toMatch(/breaker open/)
    expect(sim.stats({ api: 'openai' })).toBe(openaiCalls)
    const state = (await (await fetch(`${hr.url}/v1/routing/state`)).json()) as {
      targets: Array<{ id: string; state: { breaker: string } }>
    }
    expect(state.targets.find((t) => t.id === 'openai#1/gpt-4.1-mini')!.state.breaker).toBe('open')

    sim.configure('openai', 'gpt-4.1-mini', { faultRates: {} }) // recovered
    await sleep(700) // reset_timeout_ms: 600 → half-open
    const probe = await ask(client, 'r')
    expect(probe.target).toBe('openai/gpt-4.1-mini')
    expect(sim.stats({ api: 'openai' })).toBe(openaiCalls + 1)
    expect((await ask(client, 'r')).target).toBe('openai/gpt-4.1-mini') // closed again
  })

  it('a stream cut before its first token fails over invisibly', async () => {
    const { client } = await headroom(
      providers(
        sim.url,
        `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n    retry: { attempts_per_target: 1 }\n`,
      ),
    )
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'cut', afterChunks: 1 }])
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'r', stream: true, messages: [{ role: 'user', content: 'reply: still whole' }] })
      .withResponse()
    let text = ''
    for await (const c of stream) text += c.choices[0]?.delta.content ?? ''
    expect(text).toBe('still whole')
    expect(response.headers.get('x-headroom-target')).toBe('anthropic/claude-haiku-4-5')
    expect(response.headers.get('x-headroom-attempts')).toBe('2')
  })

  it('a stream cut after its first token ends with an error frame, without failover', async () => {
    const { client } = await headroom(
      providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n`),
    )
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'cut', afterChunks: 4 }])
    const stream = await client.chat.completions.create({
      model: 'r',
      stream: true,
      messages: [{ role: 'user', content: `reply: ${'word '.repeat(30)}` }],
    })
    const { text, error } = await drainText(stream)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(text.length).toBeGreaterThan(0)
    expect(sim.stats({ api: 'anthropic' })).toBe(0)
  })

  it('a client that goes away cancels the upstream call and frees the slot', async () => {
    const { client, hr } = await headroom(providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`))
    sim.configure('openai', 'gpt-4.1-mini', { ttftMs: 3000 })
    const ac = new AbortController()
    const p = client.chat.completions
      .create({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }, { signal: ac.signal })
      .catch((e: unknown) => e)
    await sleep(200)
    const inFlight = () => hr.states.peek('openai#1/gpt-4.1-mini')?.limits.inFlight
    expect(inFlight()).toBe(1)
    ac.abort()
    await p
    await sleep(100)
    expect(inFlight()).toBe(0)
  })
})

describe('stalled upstreams', () => {
  /** openai stalls (or is slow to its first content); anthropic is healthy. The breaker opens after 2 faults. */
  function stalled(openaiExtra: string, routeExtra = '') {
    return `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, ${openaiExtra}breaker: { volume_threshold: 2, reset_timeout_ms: 30000 } }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
routes:
  r:
    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]
${routeExtra}`
  }

  it('a stall costs one first-byte timeout and fails over; once the breaker opens it is skipped without a call', async () => {
    const { client } = await headroom(stalled('first_byte_timeout_ms: 500, '))
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: { stall: 1 } }) // no response headers, ever
    for (let i = 0; i < 2; i++) {
      const r = await ask(client, 'r', 'reply: served')
      expect([r.target, r.attempts, r.data.choices[0]!.message.content]).toEqual([
        'anthropic/claude-haiku-4-5',
        2,
        'served',
      ])
      expect(r.decision).toMatch(/failed: openai#1\/gpt-4.1-mini 504 timeout/)
    }
    expect(sim.stats({ api: 'openai' })).toBe(2)
    const skipped = await ask(client, 'r')
    expect([skipped.target, skipped.attempts]).toEqual(['anthropic/claude-haiku-4-5', 1])
    expect(skipped.decision).toMatch(/skipped: openai#1\/gpt-4.1-mini \(breaker open/)
    expect(sim.stats({ api: 'openai' })).toBe(2) // no more calls to the stalled target
  })

  it('a stream whose headers come but whose first content never does fails over (route-level first_byte_timeout_ms)', async () => {
    const { client } = await headroom(stalled('', '    first_byte_timeout_ms: 500\n'))
    sim.configure('openai', 'gpt-4.1-mini', { ttftMs: 60_000 })
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'r', stream: true, messages: [{ role: 'user', content: 'reply: still whole' }] })
      .withResponse()
    expect((await drainText(stream)).text).toBe('still whole')
    expect(response.headers.get('x-headroom-target')).toBe('anthropic/claude-haiku-4-5')
    expect(response.headers.get('x-headroom-attempts')).toBe('2')
    expect(response.headers.get('x-headroom-decision')).toMatch(/failed: openai#1\/gpt-4.1-mini 504 timeout/)
    expect(sim.stats({ api: 'openai', status: 200 })).toBe(1) // its headers did come
  })

  it("the route's deadline aborting a stalled call is not the target's fault: the breaker stays closed", async () => {
    const { client, hr } = await headroom(stalled('', '    timeout_ms: 300\n'))
    sim.configure('openai', 'gpt-4.1-mini', { faultRates: { stall: 1 } })
    for (let i = 0; i < 3; i++) {
      const err = (await ask(client, 'r').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
      expect([err.status, err.code]).toEqual([504, 'timeout'])
    }
    expect(sim.stats({ api: 'openai' })).toBe(3)
    expect(hr.states.peek('openai#1/gpt-4.1-mini')!.health.breakerState()).toBe('closed')
  })
})

describe('clients that stop reading', () => {
  /** A raw HTTP/1.1 client that sends one request and reads nothing (until resumed). */
  function nonReader(port: number, body: object) {
    const text = JSON.stringify(body)
    const socket = connect(port, '127.0.0.1').pause()
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    )
    return socket
  }

  it('a stream the client stops reading ends after stream_idle_timeout_ms: the slot comes back, the row says cancelled', async () => {
    const { client, hr } = await headroom(`providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, limits: { concurrency: 1 } }
routes:
  r: { targets: [openai/gpt-4.1-mini] }
server: { stream_idle_timeout_ms: 500 }
`)
    // Megabytes of answer, read by no one: the socket buffers fill and Headroom's writes block.
    const socket = nonReader(hr.port, {
      model: 'r',
      stream: true,
      messages: [{ role: 'user', content: 'tokens: 20000' }],
    })
    const inFlight = () => hr.states.peek('openai#1/gpt-4.1-mini')?.limits.inFlight
    for (let i = 0; i < 200 && inFlight() !== 1; i++) await sleep(25)
    expect(inFlight()).toBe(1)

    const next = await ask(client, 'r', 'reply: my turn') // waits for the only slot
    expect(next.data.choices[0]!.message.content).toBe('my turn')
    // What the stuck client had been sent ends without [DONE]: its stream was cut, not finished.
    let received = ''
    socket.setEncoding('utf8').on('data', (t: string) => (received += t))
    await new Promise((resolve) => socket.on('close', resolve).resume())
    expect(received).toMatch(/^HTTP\/1.1 200/)
    expect(received).not.toMatch(/\[DONE\]/)
    hr.spend.flush()
    const row = hr.db.sqlite
      .prepare('SELECT outcome, completion_tokens, usage_source FROM spend WHERE stream = 1')
      .get() as { outcome: string; completion_tokens: number; usage_source: string }
    expect([row.outcome, row.usage_source]).toEqual(['cancelled', 'estimated'])
    expect(row.completion_tokens).toBeGreaterThan(0) // the tokens so far
    expect(inFlight()).toBe(0)
  })

  it('a JSON answer the client does not take within stream_idle_timeout_ms is dropped with its connection', async () => {
    const { hr } = await headroom(
      `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\nserver: { stream_idle_timeout_ms: 500 }\n`,
    )
    const socket = nonReader(hr.port, {
      model: 'openai/gpt-4.1-mini',
      messages: [{ role: 'user', content: 'tokens: 2000000' }],
    }) // ~13 MB of JSON
    const rows = () => {
      hr.spend.flush()
      return (hr.db.sqlite.prepare('SELECT COUNT(*) AS n FROM spend').get() as { n: number }).n
    }
    for (let i = 0; i < 200 && rows() === 0; i++) await sleep(25) // answered (the row is written just before the answer)
    await sleep(1500)
    const parts: Buffer[] = []
    socket.on('data', (b: Buffer) => parts.push(b))
    await new Promise((resolve) => socket.on('close', resolve).resume())
    const received = Buffer.concat(parts).toString('latin1')
    expect(received).toMatch(/^HTTP\/1.1 200.*\r\ntransfer-encoding: chunked\r\n/is)
    expect(received.length).toBeGreaterThan(0)
    expect(received.endsWith('\r\n0\r\n\r\n')).toBe(false) // cut: the rest was dropped with the connection
  })
})

describe('strategies', () => {
  it('cost picks the cheaper model for this request: cheap input wins a long prompt, cheap output a long answer', async () => {
    const { client } = await headroom(
      providers(
        sim.url,
        `models:\n  openai/gpt-4.1-mini: { input: 0.10, output: 20 }\n  anthropic/claude-haiku-4-5: { input: 20, output: 0.10 }\nroutes:\n  r:\n    strategy: cost\n    targets: [anthropic/claude-haiku-4-5, openai/gpt-4.1-mini]\n`,
      ),
    )
    const long = await ask(client, 'r', `${'lorem ipsum dolor sit amet '.repeat(2000)}\nreply: ok`, { max_tokens: 50 })
    expect(long.target).toBe('openai/gpt-4.1-mini')
    expect(long.decision).toMatch(/^cost: openai#1\/gpt-4.1-mini \(est \$/)
    const short = await ask(client, 'r', 'reply: ok', { max_tokens: 4000 })
    expect(short.target).toBe('anthropic/claude-haiku-4-5')
  })

  it('latency shifts away from a slowed target within seconds', async () => {
    const { client } = await headroom(
      providers(
        sim.url,
        `routes:\n  r:\n    strategy: latency\n    explore: 0\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n`,
      ),
    )
    for (let i = 0; i < 4; i++) await ask(client, 'r') // both measured
    sim.configure('openai', 'gpt-4.1-mini', { ttftMs: 250 })
    sim.configure('anthropic', 'claude-haiku-4-5', { ttftMs: 20 })
    const started = Date.now()
    const seen: string[] = []
    for (let i = 0; i < 8; i++) seen.push((await ask(client, 'r')).target!)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(seen.slice(-4)).toEqual(Array(4).fill('anthropic/claude-haiku-4-5'))
  })

  it('cascade sends easy requests to the cheap tier and hard ones to the strong tier', async () => {
    const { client } = await headroom(
      providers(
        sim.url,
        `routes:\n  r:\n    strategy: cascade\n    tiers:\n      - [google/gemini-2.5-flash-lite]\n      - [anthropic/claude-sonnet-4-5]\n    thresholds: { prompt_tokens: 1000 }\n`,
      ),
    )
    expect((await ask(client, 'r', 'reply: hi')).target).toBe('google/gemini-2.5-flash-lite')
    const code = await ask(client, 'r', 'Why does this fail?\n```js\nconst x = 1;\nx = 2;\n```')
    expect(code.target).toBe('anthropic/claude-sonnet-4-5')
    expect(code.decision).toMatch(/cascade hard\(code\)/)
    expect((await ask(client, 'r', 'word '.repeat(2000))).target).toBe('anthropic/claude-sonnet-4-5')
  })

  it('with nothing left to try, 429 lists each target and why', async () => {
    sim.configure('openai', 'gpt-4.1-mini', { rpm: 1 })
    const { client } = await headroom(providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`))
    await ask(client, 'r')
    const err = (await ask(client, 'r').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
    expect(err.status).toBe(429)
    expect(err.message).toMatch(/openai#1\/gpt-4.1-mini: (rate-limited|no rate-limit headroom)/)
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0)
    expect(sim.stats({ status: 429 })).toBe(0)
  })
})

describe('live reload', () => {
  it('a valid edit swaps the config; a broken one is rejected and the old config keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-reload-'))
    const file = join(dir, 'routes.yaml')
    writeFileSync(file, providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`))
    const lines: string[] = []
    const log = {
      info: () => {},
      warn: () => {},
      error: (m: string, f?: Record<string, unknown>) => lines.push(`${m} ${JSON.stringify(f)}`),
    }
    const hr = track(
      await startHeadroom({ dbPath: ':memory:', configPath: file, port: 0, env: {}, log, simulatorUrl: sim.url }),
    )
    const client = new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0 })
    expect((await ask(client, 'r')).target).toBe('openai/gpt-4.1-mini')
    hr.states.peek('openai#1/gpt-4.1-mini')!.health.coolUntil(Date.now() + 60_000)

    writeFileSync(file, providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini\n`)) // broken YAML
    await hr.config.reload()
    expect(lines.join('\n')).toMatch(/config reload rejected.*routes\.yaml:\d+/)
    const r1 = await ask(client, 'r', 'reply: ok').catch((e: unknown) => e) // old config, openai still cooling
    expect((r1 as InstanceType<typeof OpenAI.APIError>).status).toBe(429)

    writeFileSync(
      file,
      providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n`),
    )
    await hr.config.reload()
    const r2 = await ask(client, 'r')
    expect(r2.target).toBe('anthropic/claude-haiku-4-5') // new route; openai kept its cooldown across the reload
  })

  it('names the unpriced route targets in one warn line at start-up and again at each reload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-unpriced-'))
    const file = join(dir, 'routes.yaml')
    writeFileSync(
      file,
      providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, openai/o1-mini, anthropic/claude-next]\n`),
    )
    const warned: unknown[] = []
    const log = {
      info: () => {},
      error: () => {},
      warn: (m: string, f?: Record<string, unknown>) =>
        void (m.startsWith('unpriced route targets') && warned.push(f?.['targets'])),
    }
    const hr = track(
      await startHeadroom({
        dbPath: ':memory:',
        configPath: file,
        port: 0,
        env: {},
        log,
        simulatorUrl: sim.url,
        watch: false,
      }),
    )
    expect(warned).toEqual([['openai/o1-mini', 'anthropic/claude-next']])

    writeFileSync(
      file,
      providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, google/gemini-2.5-pro-preview]\n`),
    )
    expect(await hr.config.reload()).toBe(true)
    expect(warned).toEqual([['openai/o1-mini', 'anthropic/claude-next'], ['google/gemini-2.5-pro-preview']])

    writeFileSync(
      file,
      providers(
        sim.url,
        `models:\n  google/gemini-2.5-pro-preview: { input: 1.25, output: 10 }\nroutes:\n  r:\n    targets: [openai/gpt-4.1-mini, google/gemini-2.5-pro-preview]\n`,
      ),
    )
    expect(await hr.config.reload()).toBe(true)
    expect(warned).toHaveLength(2) // all priced now: nothing to say
  })

  it('picks up an edit by itself through the file watcher', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-watch-'))
    const file = join(dir, 'routes.yaml')
    writeFileSync(file, providers(sim.url, `routes:\n  r:\n    targets: [openai/gpt-4.1-mini]\n`))
    const hr = track(
      await startHeadroom({
        dbPath: ':memory:',
        configPath: file,
        port: 0,
        env: {},
        log: silentLogger,
        simulatorUrl: sim.url,
      }),
    )
    writeFileSync(file, providers(sim.url, `routes:\n  r:\n    targets: [google/gemini-2.5-flash]\n`))
    const client = new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0 })
    for (let i = 0; i < 50 && hr.config.current().routes.get('r')!.members[0]!.target.provider !== 'google'; i++)
      await sleep(50)
    expect((await ask(client, 'r')).target).toBe('google/gemini-2.5-flash')
  })
})
