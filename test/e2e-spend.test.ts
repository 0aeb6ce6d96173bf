/**
 * The spend ledger end to end: real server, real simulator, the `openai` SDK. Every upstream attempt is a
 * row whose tokens are what the provider reported and whose cost is tokens × catalog price, exactly.
 */

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { BUILTIN_PROVIDERS } from '../src/providers/registry.ts'
import { corruptSpendTable } from '../src/spend/__fixtures__/spend-rows.ts'
import { spendCommand } from '../src/spend/cli.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, useServers, useSimulator } from './harness.ts'

interface Row {
  request_id: string
  virtual_key: string | null
  end_user: string | null
  route: string
  provider: string
  key_alias: string
  model_requested: string
  model_served: string
  stream: number
  outcome: string
  http_status: number
  error_code: string | null
  attempt: number
  prompt_tokens: number
  cached_tokens: number
  cache_write_tokens: number
  completion_tokens: number
  reasoning_tokens: number
  cost_microcents: number
  usage_source: string
  price_entry: string | null
  ttft_ms: number | null
}

// gpt-4o-search-preview: a real OpenAI model the catalog leaves unpriced (it bills per search too).
const UNPRICED = 'gpt-4o-search-preview'
const sim = useSimulator({
  validKeys: [SIM_KEY, 'team-a-secret-123', 'admin-secret-123'],
  models: { openai: { [UNPRICED]: {} } },
})
const track = useServers()

function config(extra = ''): string {
  return `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
  google: { type: gemini, base_url: "${sim.url}", api_key: ${SIM_KEY} }
${extra}`
}

async function start(extra = '', opts: { now?: () => number; dbPath?: string } = {}) {
  const hr = await startHeadroom({
    dbPath: ':memory:',
    configText: config(extra),
    port: 0,
    env: {},
    log: silentLogger,
    simulatorUrl: sim.url,
    ...opts,
  })
  return track(hr)
}

function client(hr: Running, apiKey = 'k') {
  return new OpenAI({ baseURL: `${hr.url}/v1`, apiKey, maxRetries: 0, timeout: 15_000 })
}

function rows(hr: Running, requestId?: string): Row[] {
  hr.spend.flush()
  const sql = requestId
    ? 'SELECT * FROM spend WHERE request_id = ? ORDER BY attempt'
    : 'SELECT * FROM spend ORDER BY id'
  return hr.db.sqlite.prepare(sql).all(...(requestId ? [requestId] : [])) as Row[]
}

/** Independent reference: decimal USD-per-1M strings → exact micro-cents, rounded half up once. */
function expectedCost(hr: Running, provider: string, model: string, r: Row): number {
  const family = BUILTIN_PROVIDERS.catalogFamily(hr.config.current().providers.get(provider)!.type)
  const info = hr.config.current().catalog.lookup({ provider, family, model })!
  const src = info.priceSource!
  const scaled = (dec: string | undefined) => {
    const [w, f = ''] = dec!.split('.')
    return BigInt(w!) * 100_000_000n + BigInt(f.padEnd(8, '0'))
  }
  const input = scaled(src.input)
  const parts =
    BigInt(r.prompt_tokens - r.cached_tokens - r.cache_write_tokens) * input +
    BigInt(r.cached_tokens) * (src.cachedInput ? scaled(src.cachedInput) : input) +
    BigInt(r.cache_write_tokens) * (src.cacheWrite ? scaled(src.cacheWrite) : input) +
    BigInt(r.completion_tokens) * scaled(src.output)
  return Number((parts + 500_000n) / 1_000_000n)
}

const LONG = 'The quick brown fox jumps over the lazy dog while the band plays on. '.repeat(120)

describe.each([
  { provider: 'openai', model: 'gpt-4.1-mini' },
  { provider: 'anthropic', model: 'claude-haiku-4-5' },
  { provider: 'google', model: 'gemini-2.5-flash' },
])('spend rows: $provider', ({ provider, model }) => {
  const id = `${provider}/${model}`

  it('non-streamed: tokens are the provider’s, cost is tokens × price to the micro-cent, cached tokens included', async () => {
    const hr = await start()
    const c = client(hr)
    for (let i = 0; i < 2; i++) {
      // The second call repeats a long prefix: every simulated provider reports it as cached.
      const { data, response } = await c.chat.completions
        .create({
          model: id,
          user: 'alice',
          messages: [
            { role: 'system', content: LONG },
            { role: 'user', content: 'reply: one two three' },
          ],
        })
        .withResponse()
      const [row] = rows(hr, response.headers.get('x-request-id')!)
      expect(row).toMatchObject({
        outcome: 'ok',
        attempt: 1,
        http_status: 200,
        usage_source: 'provider',
        end_user: 'alice',
        provider,
        key_alias: `${provider}#1`,
        stream: 0,
      })
      expect(row!.prompt_tokens).toBe(data.usage!.prompt_tokens)
      expect(row!.completion_tokens).toBe(data.usage!.completion_tokens)
      expect(row!.cached_tokens).toBe(data.usage!.prompt_tokens_details?.cached_tokens ?? 0)
      expect(row!.reasoning_tokens).toBe(data.usage!.completion_tokens_details?.reasoning_tokens ?? 0)
      if (i === 1 && provider !== 'anthropic') expect(row!.cached_tokens).toBeGreaterThan(0)
      expect(row!.cost_microcents).toBe(expectedCost(hr, provider, model, row!))
      expect(row!.cost_microcents).toBeGreaterThan(0)
      expect(row!.price_entry).toBe(model)
    }
  })

  it('streamed: the row has the provider’s usage even when the client did not ask for it', async () => {
    const hr = await start()
    const c = client(hr)
    const { data: stream, response } = await c.chat.completions
      .create({
        model: id,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'reply: a b c d e' }],
      })
      .withResponse()
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const ch of stream) if (ch.usage) usage = ch.usage
    const [row] = rows(hr, response.headers.get('x-request-id')!)
    expect(row).toMatchObject({
      outcome: 'ok',
      stream: 1,
      usage_source: 'provider',
      prompt_tokens: usage!.prompt_tokens,
      completion_tokens: usage!.completion_tokens,
    })
    expect(row!.ttft_ms).not.toBeNull()
    expect(row!.cost_microcents).toBe(expectedCost(hr, provider, model, row!))

    const { data: quiet, response: r2 } = await c.chat.completions
      .create({ model: id, stream: true, messages: [{ role: 'user', content: 'reply: a b c d e' }] })
      .withResponse()
    for await (const _ of quiet) void _
    const [row2] = rows(hr, r2.headers.get('x-request-id')!)
    expect(row2).toMatchObject({
      usage_source: 'provider',
      prompt_tokens: usage!.prompt_tokens,
      completion_tokens: usage!.completion_tokens,
    })
  })
})

describe('spend rows: the hard cases', () => {
  it('Anthropic cache writes and reads are priced at their own rates', async () => {
    const hr = await start()
    const c = client(hr)
    const ask = () =>
      c.chat.completions
        .create({
          model: 'anthropic/claude-haiku-4-5',
          // cache_control on a content part: the LiteLLM-style extension the Anthropic adapter passes through.
          messages: [
            // Haiku 4.5 caches prefixes of 4,096 tokens or more.
            {
              role: 'system',
              content: [
                {
                  type: 'text',
                  text: LONG.repeat(3),
                  cache_control: { type: 'ephemeral' },
                } as OpenAI.Chat.Completions.ChatCompletionContentPartText,
              ],
            },
            { role: 'user', content: 'reply: ok' },
          ],
        })
        .withResponse()
    const first = rows(hr, (await ask()).response.headers.get('x-request-id')!)[0]!
    expect(first.cache_write_tokens).toBeGreaterThan(0)
    expect(first.cached_tokens).toBe(0)
    const second = rows(hr, (await ask()).response.headers.get('x-request-id')!)[0]!
    expect(second.cached_tokens).toBe(first.cache_write_tokens)
    expect(second.cache_write_tokens).toBe(0)
    for (const r of [first, second])
      expect(r.cost_microcents).toBe(expectedCost(hr, 'anthropic', 'claude-haiku-4-5', r))
    expect(first.cost_microcents).toBeGreaterThan(second.cost_microcents) // writing costs more than reading
  })

  it('a failover writes one row per attempt', async () => {
    const hr = await start(
      `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n    retry: { attempts_per_target: 1 }\n`,
    )
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'overloaded' }])
    const { response } = await client(hr)
      .chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'reply: hi' }] })
      .withResponse()
    const r = rows(hr, response.headers.get('x-request-id')!)
    expect(r.map((x) => [x.attempt, x.provider, x.outcome, x.http_status, x.cost_microcents > 0])).toEqual([
      [1, 'openai', 'failed_over', 503, false],
      [2, 'anthropic', 'ok', 200, true],
    ])
    expect(r[0]).toMatchObject({
      usage_source: 'none',
      prompt_tokens: 0,
      completion_tokens: 0,
      route: 'r',
      model_requested: 'r',
    })
  })

  it('a failed request still writes its rows, at no cost', async () => {
    const hr = await start()
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'server_error' }, { kind: 'server_error' }])
    const err = (await client(hr)
      .chat.completions.create({ model: 'openai/gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
    const r = rows(hr, err.headers!.get('x-request-id')!)
    expect(r.map((x) => x.outcome)).toEqual(['failed_over', 'error'])
    expect(r.every((x) => x.cost_microcents === 0 && x.http_status === 500)).toBe(true)
  })

  it('a cancelled stream writes a cancelled row with the tokens so far, estimated and marked so', async () => {
    const hr = await start()
    sim.configure('openai', 'gpt-4.1-mini', { tokenDelayMs: 30 })
    const ac = new AbortController()
    const { data: stream, response } = await client(hr)
      .chat.completions.create(
        {
          model: 'openai/gpt-4.1-mini',
          stream: true,
          messages: [{ role: 'user', content: `reply: ${'word '.repeat(60)}` }],
        },
        { signal: ac.signal },
      )
      .withResponse()
    let n = 0
    try {
      for await (const ch of stream) {
        if (ch.choices[0]?.delta.content) n++
        if (n === 5) ac.abort()
      }
    } catch {
      // aborted
    }
    await new Promise((r) => setTimeout(r, 150))
    sim.configure('openai', 'gpt-4.1-mini', { tokenDelayMs: 0 })
    const [row] = rows(hr, response.headers.get('x-request-id')!)
    expect(row).toMatchObject({ outcome: 'cancelled', usage_source: 'estimated', stream: 1 })
    expect(row!.completion_tokens).toBeGreaterThanOrEqual(4)
    expect(row!.completion_tokens).toBeLessThan(30)
    expect(row!.cost_microcents).toBe(expectedCost(hr, 'openai', 'gpt-4.1-mini', row!))
  })
})

describe('client keys and budgets', () => {
  const KEYS = `keys:
  - { name: team-a, key: team-a-secret-123, routes: [r, "openai/*"], budget: { daily_usd: 0.0001 } }
admin_key: admin-secret-123
routes:
  r:
    targets: [openai/gpt-4.1-mini]
  other:
    targets: [anthropic/claude-haiku-4-5]
`

  it('401 without a key or with a wrong one, 403 for a route the key may not use; admin endpoints need the admin key', async () => {
    const hr = await start(KEYS)
    const ask = (key: string, model = 'r') =>
      client(hr, key).chat.completions.create({ model, messages: [{ role: 'user', content: 'reply: hi' }] })
    const none = await fetch(`${hr.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(none.status).toBe(401)
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('missing_api_key')
    const wrong = (await ask('nope-nope-nope').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
    expect(wrong.status).toBe(401)
    expect(JSON.stringify(wrong.error)).not.toContain('nope-nope-nope')
    expect(
      ((await ask('team-a-secret-123').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>).status ?? 200,
    ).toBe(200)
    expect(
      ((await ask('team-a-secret-123', 'other').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>)
        .status,
    ).toBe(403)
    const spendAs = (key: string) => fetch(`${hr.url}/v1/spend`, { headers: { authorization: `Bearer ${key}` } })
    expect((await spendAs('team-a-secret-123')).status).toBe(403)
    expect((await spendAs('admin-secret-123')).status).toBe(200)
    const [row] = rows(hr).filter((r) => r.outcome === 'ok')
    expect(row!.virtual_key).toBe('team-a')
  })

  it('a budget stops traffic at the request after it is spent, with 429 budget_exceeded, and resets on time', async () => {
    let now = Date.parse('2026-11-28T23:59:00Z')
    const hr = await start(KEYS, { now: () => now })
    const c = client(hr, 'team-a-secret-123')
    let served = 0
    let refusal: InstanceType<typeof OpenAI.APIError> | null = null
    for (let i = 0; i < 50 && !refusal; i++) {
      try {
        await c.chat.completions.create({
          model: 'r',
          messages: [{ role: 'user', content: `reply: ${'token '.repeat(20)}` }],
        })
        served++
      } catch (err) {
        refusal = err as InstanceType<typeof OpenAI.APIError>
      }
    }
    expect(refusal?.status).toBe(429)
    expect(refusal?.code).toBe('budget_exceeded')
    expect(refusal?.message).toMatch(/daily budget of \$0\.0001.*key "team-a".*resets at 2026-11-29T00:00:00\.000Z/)
    expect(refusal?.headers?.get('retry-after')).toBe('60')
    // Exactly the request after the spend crossed the cap was refused.
    const spent = rows(hr).reduce((s, r) => s + r.cost_microcents, 0)
    expect(spent).toBeGreaterThanOrEqual(10_000) // $0.0001 = 10,000 micro-cents
    expect(spent - rows(hr).at(-1)!.cost_microcents).toBeLessThan(10_000)
    expect(served).toBe(rows(hr).length)

    now = Date.parse('2026-11-29T00:00:01Z') // a new UTC day
    await expect(
      c.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'reply: hi' }] }),
    ).resolves.toBeTruthy()
  })
})

describe('unpriced models under a budget', () => {
  const KEYS = `keys:
  - { name: tiny, key: team-a-secret-123, routes: ["openai/*", mixed], budget: { daily_usd: 0.0002 } }
admin_key: admin-secret-123
routes:
  mixed:
    targets: [openai/${UNPRICED}, openai/gpt-4.1-mini]
  capped:
    targets: [openai/${UNPRICED}]
    budget: { daily_usd: 5 }
`
  type ApiError = InstanceType<typeof OpenAI.APIError>
  const ask = (hr: Running, key: string, model: string) =>
    client(hr, key)
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'reply: hello there' }] })
      .withResponse()

  it('refuses an unpriced model with 403 unpriced_model, naming the model, the budget and what to add to routes.yaml; nothing reaches the provider', async () => {
    const hr = await start(KEYS)
    const err = (await ask(hr, 'team-a-secret-123', `openai/${UNPRICED}`).catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(403)
    expect(err.code).toBe('unpriced_model')
    expect(err.type).toBe('permission_error')
    expect(err.message).toContain(`"openai/${UNPRICED}" has no price`)
    expect(err.message).toContain('the budget of $0.000200 a day for key "tiny"')
    expect(err.message).toContain(`models: { openai/${UNPRICED}: { input: …, output: … } }`)
    // The route's own budget applies too, to any caller.
    const routeErr = (await ask(hr, 'admin-secret-123', 'capped').catch((e: unknown) => e)) as ApiError
    expect([routeErr.status, routeErr.code]).toEqual([403, 'unpriced_model'])
    expect(routeErr.message).toContain(`"capped" (openai/${UNPRICED})`)
    expect(routeErr.message).toContain('route "capped"')
    expect(sim.stats({ model: UNPRICED })).toBe(0)
    expect(rows(hr)).toEqual([])
  })

  it('serves a priced model (o1-pro, the reproduction) and counts its cost until the budget stops it', async () => {
    const hr = await start(KEYS)
    let served = 0
    let refusal: ApiError | null = null
    for (let i = 0; i < 50 && !refusal; i++) {
      try {
        await ask(hr, 'team-a-secret-123', 'openai/o1-pro')
        served++
      } catch (err) {
        refusal = err as ApiError
      }
    }
    expect(refusal?.code).toBe('budget_exceeded')
    expect(served).toBeGreaterThan(0)
    expect(served).toBeLessThan(50)
    const ok = rows(hr).filter((r) => r.outcome === 'ok')
    expect(ok).toHaveLength(served)
    for (const r of ok) {
      expect(r.price_entry).toBe('o1-pro')
      expect(r.cost_microcents).toBe(expectedCost(hr, 'openai', 'o1-pro', r))
      expect(r.cost_microcents).toBeGreaterThan(0)
    }
    expect(ok.reduce((s, r) => s + r.cost_microcents, 0)).toBeGreaterThanOrEqual(20_000) // $0.0002
  })

  it('serves a route that mixes priced and unpriced targets from the priced one, and says why in x-headroom-decision', async () => {
    const hr = await start(KEYS)
    const { data, response } = await ask(hr, 'team-a-secret-123', 'mixed')
    expect(data.choices[0]!.message.content).toBe('hello there')
    expect(response.headers.get('x-headroom-target')).toBe('openai/gpt-4.1-mini')
    expect(response.headers.get('x-headroom-decision')).toContain(
      `skipped: openai#1/${UNPRICED} (no price for its model, and a budget applies)`,
    )
    expect(sim.stats({ model: UNPRICED })).toBe(0)
    // Without a budget the route is served as before, by its first target.
    const free = await ask(hr, 'admin-secret-123', 'mixed')
    expect(free.response.headers.get('x-headroom-target')).toBe(`openai/${UNPRICED}`)
    expect(rows(hr, free.response.headers.get('x-request-id')!)[0]).toMatchObject({
      price_entry: null,
      cost_microcents: 0,
    })
    // The reports count it apart.
    const report = (format: string) =>
      fetch(`${hr.url}/v1/spend?group_by=model&format=${format}`, {
        headers: { authorization: 'Bearer admin-secret-123' },
      })
    const json = (await (await report('json')).json()) as {
      unpriced_calls: number
      data: Array<{ model: string; unpriced_calls: number }>
    }
    expect(json.unpriced_calls).toBe(1)
    expect(json.data.find((d) => d.model === UNPRICED)?.unpriced_calls).toBe(1)
    expect(json.data.find((d) => d.model === 'gpt-4.1-mini-2025-04-14')?.unpriced_calls).toBe(0)
    expect(await (await report('table')).text()).toMatch(/\n1 call unpriced: /)
    expect((await (await report('csv')).text()).split('\n')[0]).toMatch(/,unpriced_calls$/)
  })
})

describe('reports', () => {
  it('GET /v1/spend, the headroom spend CLI and a raw SQL sum agree', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'headroom-spend-report-')), 'spend.db')
    const hr = await start(
      `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, google/gemini-2.5-flash]\n    strategy: weighted\n`,
      { dbPath },
    )
    const c = client(hr)
    for (let i = 0; i < 12; i++)
      await c.chat.completions.create({
        model: i % 3 === 0 ? 'anthropic/claude-haiku-4-5' : 'r',
        user: `u${i % 2}`,
        messages: [{ role: 'user', content: `reply: ${'x '.repeat(i + 1)}` }],
      })
    hr.spend.flush() // every row on disk before the raw SQL reads them
    const raw = hr.db.sqlite
      .prepare('SELECT model_served AS g, SUM(cost_microcents) AS c, COUNT(*) AS n FROM spend GROUP BY model_served')
      .all() as Array<{ g: string; c: number; n: number }>
    const res = await fetch(`${hr.url}/v1/spend?group_by=model&since=1h`)
    const body = (await res.json()) as {
      data: Array<{ model: string; cost_microcents: number; attempts: number }>
      total: { cost_microcents: number; requests: number }
    }
    const rawTotal = (hr.db.sqlite.prepare('SELECT SUM(cost_microcents) AS c FROM spend').get() as { c: number }).c
    expect(body.data.reduce((s, r) => s + r.cost_microcents, 0)).toBe(rawTotal)
    expect(body.total).toMatchObject({ cost_microcents: rawTotal, requests: 12 })
    for (const r of raw)
      expect(body.data.find((d) => d.model === r.g)).toMatchObject({ cost_microcents: r.c, attempts: r.n })
    const byUser = (await (await fetch(`${hr.url}/v1/spend?group_by=user`)).json()) as {
      data: Array<{ user: string; requests: number }>
    }
    expect(byUser.data.reduce((s, r) => s + r.requests, 0)).toBe(12)
    const csv = await (await fetch(`${hr.url}/v1/spend?group_by=day&format=csv`)).text()
    expect(csv.split('\n')[0]).toMatch(/^day,requests,/)
    let printed = ''
    await spendCommand(['--db', dbPath, '--group-by', 'model', '--since', '1h', '--format', 'json'], {
      out: (t) => (printed += t),
    })
    // The CLI prints the endpoint's document, but for since/until, which the CLI's clock reads a moment later.
    const cli = JSON.parse(printed) as typeof body & { since: string }
    expect({ ...cli, since: null }).toEqual({ ...(body as object), since: null })
  })

  it('GET /v1/spend?since=today&group_by=day,model: a row per day and model, snake_case throughout, a total of every column', async () => {
    const noon = Date.UTC(2026, 10, 28, 12)
    const hr = await start(
      `routes:\n  r:\n    targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5]\n    retry: { attempts_per_target: 1 }\n`,
      { now: () => noon },
    )
    const c = client(hr)
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'overloaded' }]) // the first request fails over: it is in both models' rows
    for (let i = 0; i < 3; i++)
      await c.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: 'reply: hi' }] })
    const report = async (query: string) => {
      const res = await fetch(`${hr.url}/v1/spend?${query}`)
      expect(res.status).toBe(200)
      return (await res.json()) as {
        group_by: string[]
        since: string | null
        until: string | null
        data: Array<Record<string, unknown>>
        total: Record<string, unknown>
      }
    }
    const today = await report('since=today&group_by=day,model')
    expect(today.group_by).toEqual(['day', 'model'])
    expect(today.since).toBe('2026-11-28T00:00:00.000Z')
    // The failed attempt names the model asked for; the others the model that answered.
    expect(today.data.map((r) => [r['day'], r['model'], r['requests']])).toEqual([
      ['2026-11-28', 'claude-haiku-4-5-20251001', 1],
      ['2026-11-28', 'gpt-4.1-mini-2025-04-14', 2],
      ['2026-11-28', 'gpt-4.1-mini', 1],
    ])
    const keys = [
      'requests',
      'attempts',
      'prompt_tokens',
      'cached_tokens',
      'cache_write_tokens',
      'completion_tokens',
      'reasoning_tokens',
      'cost_microcents',
      'cost_usd',
      'unpriced_calls',
    ]
    expect(Object.keys(today.data[0]!)).toEqual(['day', 'model', ...keys])
    expect(Object.keys(today.total)).toEqual(keys)
    expect(today.total).toMatchObject({ requests: 3, attempts: 4 }) // the rows' requests add up to 4
    expect((await report('since=yesterday&until=today')).data).toEqual([])
    expect((await report('since=this-month')).data).toHaveLength(3)
    const table = await (await fetch(`${hr.url}/v1/spend?since=today&group_by=day,model&format=table`)).text()
    expect(table.trimEnd().split('\n').at(-1)).toMatch(/^total\s+3\s+4\s/)
    for (const [query, param] of [
      ['since=last+week', 'since'],
      ['group_by=day,colour', 'group_by'],
      ['since=today&until=yesterday', 'until'],
    ]) {
      const res = await fetch(`${hr.url}/v1/spend?${query}`)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({
        code: 'invalid_value',
        param,
      })
    }
  })
})

describe('a spend database that breaks while running', () => {
  it('is logged at error naming the file and what to do; /health says degraded (still 200); requests are still served', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'headroom-spend-corrupt-')), 'spend.db')
    const errors: string[] = []
    const log = { ...silentLogger, error: (m: string) => void errors.push(m) }
    const hr = track(
      await startHeadroom({ dbPath, configText: config(), port: 0, env: {}, log, simulatorUrl: sim.url }),
    )
    const c = client(hr)
    const health = async () => {
      const res = await fetch(`${hr.url}/health`)
      expect(res.status).toBe(200)
      return (await res.json()) as {
        status: string
        providers: object
        routes: string[]
        spend: { ok: boolean; pending: number; dropped: number; lastError: string | null }
      }
    }
    await c.chat.completions.create({
      model: 'openai/gpt-4.1-mini',
      messages: [{ role: 'user', content: 'reply: ok' }],
    })
    hr.spend.flush()
    expect(await health()).toMatchObject({ status: 'ok', spend: { ok: true, pending: 0, dropped: 0, lastError: null } })

    corruptSpendTable(hr.db)
    const r = await c.chat.completions.create({
      model: 'openai/gpt-4.1-mini',
      messages: [{ role: 'user', content: 'reply: still served' }],
    })
    expect(r.choices[0]!.message.content).toBe('still served')
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 5_000, interval: 20 })
    expect(errors[0]).toBe(
      `spend database ${dbPath} cannot be written: the database file is corrupt. Spend cannot be recorded into it again: stop Headroom, move the file aside (\`sqlite3 ${dbPath} .recover\` salvages its rows) and start again; rows queued in memory until then are lost at the stop.`,
    )
    const h = await health()
    expect(h).toMatchObject({
      status: 'degraded',
      spend: { ok: false, pending: 1, dropped: 0, lastError: expect.stringMatching(/^SQLITE_CORRUPT/) },
    })
    expect(Object.keys(h.providers)).toContain('openai') // the existing fields stay
  })
})
