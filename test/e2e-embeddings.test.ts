/**
 * `POST /v1/embeddings` end to end: the real server and simulator, the `openai` SDK's
 * `client.embeddings.create` (which asks for base64 unless told otherwise), against OpenAI, Gemini and an
 * OpenAI-compatible server; failover between two keys of one model; the spend rows; hostile bodies.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createOpenAI } from '@ai-sdk/openai'
import { embed, embedMany } from 'ai'
import { getEncoding } from 'js-tiktoken'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost, SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY, 'second-key-123'] })
const track = useServers()

function config(extra = ''): string {
  return `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", keys: [${SIM_KEY}, second-key-123] }
  google: { type: gemini, base_url: "${sim.url}", api_key: ${SIM_KEY} }
  compat: { type: openai-compatible, base_url: "${sim.url}/compatible/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
routes:
  vectors: { targets: [openai/text-embedding-3-small] }
  gvectors: { targets: [google/gemini-embedding-001] }
  chat: { targets: [openai/gpt-4.1-mini] }
${extra}`
}

async function start(extra = ''): Promise<Running> {
  const hr = await startHeadroom({ dbPath: ':memory:', configText: config(extra), port: 0, env: {}, log: silentLogger })
  return track(hr)
}

const client = (hr: Running) => new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 15_000 })

interface Row {
  request_id: string
  route: string
  key_alias: string
  outcome: string
  attempt: number
  prompt_tokens: number
  completion_tokens: number
  cost_microcents: number
  usage_source: string
  model_served: string
}

function rows(hr: Running): Row[] {
  hr.spend.flush()
  return hr.db.sqlite.prepare('SELECT * FROM spend ORDER BY id').all() as Row[]
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))

describe('embeddings through the openai SDK', () => {
  it.each([
    ['vectors', 'openai/text-embedding-3-small', 1536],
    ['openai/text-embedding-3-small', 'openai/text-embedding-3-small', 1536],
    ['text-embedding-3-small', 'openai/text-embedding-3-small', 1536],
    ['gvectors', 'google/gemini-embedding-001', 3072],
    ['compat/text-embedding-3-small', 'compat/text-embedding-3-small', 1536],
  ])('%s: float, base64 (the SDK default) and a batch, with the target in the headers', async (model, target, dims) => {
    const hr = await start()
    const c = client(hr)
    const float = await c.embeddings.create({ model, input: 'hello world', encoding_format: 'float' }).withResponse()
    expect(float.data.data).toHaveLength(1)
    expect(float.data.data[0]!.embedding).toHaveLength(dims)
    expect(float.response.headers.get('x-headroom-target')).toBe(target)
    expect(float.response.headers.get('x-headroom-attempts')).toBe('1')
    expect(float.response.headers.get('x-request-id')).toMatch(/.+/)
    expect(float.data.usage.prompt_tokens).toBeGreaterThan(0)
    // The SDK asks for base64 and decodes it: the very same float32 values as the float answer.
    const b64 = await c.embeddings.create({ model, input: 'hello world' })
    expect(b64.data[0]!.embedding).toEqual(float.data.data[0]!.embedding)
    const batch = await c.embeddings.create({ model, input: ['one', 'two', 'three'], dimensions: 256 })
    expect(batch.data.map((d) => [d.index, d.embedding.length])).toEqual([
      [0, 256],
      [1, 256],
      [2, 256],
    ])
    for (const d of batch.data) expect(norm(d.embedding)).toBeCloseTo(1, 4)
    const floats = await c.embeddings.create({
      model,
      input: ['one', 'two', 'three'],
      dimensions: 256,
      encoding_format: 'float',
    })
    expect(floats.data).toEqual(batch.data)
    for (const d of floats.data) for (const x of d.embedding) expect(Math.fround(x)).toBe(x)
  })

  // Servers without base64 ignore it (mudler/LocalAI#9135, sgl-project/sglang#28803: the openai SDK would decode
  // the float array as base64, a quarter-length vector of garbage, silently) or refuse it (vllm-project/vllm#6174).
  it.each(['ignored', 'refused'] as const)(
    'a compatible server that has no base64 (%s): the SDK still gets its base64',
    async (base64) => {
      sim.configure('openai', 'text-embedding-3-small', { base64 })
      try {
        const c = client(await start())
        const model = 'compat/text-embedding-3-small'
        const float = await c.embeddings.create({ model, input: ['one', 'two'], encoding_format: 'float' })
        const b64 = await c.embeddings.create({ model, input: ['one', 'two'] })
        expect(b64.data.map((d) => d.embedding.length)).toEqual([1536, 1536])
        expect(b64.data).toEqual(float.data)
      } finally {
        sim.configure('openai', 'text-embedding-3-small', { base64: undefined })
      }
    },
  )

  it('token ids go to OpenAI, and are a 400 naming input on Gemini', async () => {
    const hr = await start()
    const c = client(hr)
    const ok = await c.embeddings.create({
      model: 'vectors',
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      encoding_format: 'float',
    })
    expect(ok.data).toHaveLength(2)
    expect(ok.usage.prompt_tokens).toBe(5)
    const r = await rawPost(`${hr.url}/v1/embeddings`, JSON.stringify({ model: 'gvectors', input: [1, 2, 3] }))
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ param: 'input', type: 'invalid_request_error' })
  })

  it('on an interchangeable route, token ids Gemini cannot take move on to a target that can', async () => {
    const hr = await start(
      '  mixed: { interchangeable: true, targets: [google/gemini-embedding-001, openai/text-embedding-3-small] }\n',
    )
    const r = await client(hr)
      .embeddings.create({ model: 'mixed', input: [1, 2, 3], encoding_format: 'float' })
      .withResponse()
    expect(r.response.headers.get('x-headroom-target')).toBe('openai/text-embedding-3-small')
    expect(r.response.headers.get('x-headroom-decision')).toMatch(/failed: google#1\/gemini-embedding-001 400/)
  })

  it('an input the estimate puts just over the 8192-token limit, but really under it, is sent', async () => {
    // 12 copies of a numbers table: 7,800 cl100k tokens (the text-embedding-3 tokenizer), estimated at ~8,650.
    const table = readFileSync(
      join(import.meta.dirname, '../src/routing/__fixtures__/token-samples/numbers-table.txt'),
      'utf8',
    )
    const input = table.repeat(12)
    expect(getEncoding('cl100k_base').encode(input).length).toBeLessThan(8192)
    const hr = await start()
    const r = await client(hr).embeddings.create({ model: 'vectors', input, encoding_format: 'float' })
    expect(r.data[0]!.embedding).toHaveLength(1536)
    // One really too long is refused by the provider, in OpenAI's words, naming the input.
    const long = await rawPost(
      `${hr.url}/v1/embeddings`,
      JSON.stringify({ model: 'vectors', input: ['a', 'word '.repeat(9000)] }),
    )
    expect([long.status, long.json.error?.param]).toEqual([400, 'input[1]'])
    expect(long.json.error?.message).toMatch(/maximum input length is 8192 tokens/)
    // One surely too long is refused before any call, naming input too.
    const huge = await rawPost(
      `${hr.url}/v1/embeddings`,
      JSON.stringify({ model: 'vectors', input: 'word '.repeat(20_000) }),
    )
    expect([huge.status, huge.json.error?.param, huge.json.error?.type]).toEqual([
      400,
      'input',
      'invalid_request_error',
    ])
    expect(huge.json.error?.message).toMatch(/an input of at least ~\d+ tokens exceeds its input limit of 8192/)
    expect(rows(hr).map((r) => r.outcome)).toEqual(['ok', 'error'])
  })

  it('Gemini takes more than its 100 inputs per batch, in order', async () => {
    const hr = await start()
    const input = Array.from({ length: 230 }, (_, i) => `text number ${i}`)
    const r = await client(hr).embeddings.create({ model: 'gvectors', input, encoding_format: 'float' })
    expect(r.data.map((d) => d.index)).toEqual(input.map((_, i) => i))
    const single = await client(hr).embeddings.create({
      model: 'gvectors',
      input: input[150]!,
      encoding_format: 'float',
    })
    expect(r.data[150]!.embedding.slice(0, 4)).toEqual(single.data[0]!.embedding.slice(0, 4))
  })
})

describe('through the Vercel AI SDK', () => {
  const ai = (hr: Running) => createOpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k' })

  it.each([
    ['vectors', 1536],
    ['gvectors', 3072],
  ])('%s: embed and embedMany, with dimensions and usage', async (model, dims) => {
    const hr = await start()
    const one = await embed({ model: ai(hr).embedding(model), value: 'hello', maxRetries: 0 })
    expect(one.embedding).toHaveLength(dims)
    expect(one.usage.tokens).toBeGreaterThan(0)
    const many = await embedMany({
      model: ai(hr).embedding(model),
      values: ['a', 'b', 'c'],
      maxRetries: 0,
      providerOptions: { openai: { dimensions: 64 } },
    })
    expect(many.embeddings.map((e) => e.length)).toEqual([64, 64, 64])
    for (const e of many.embeddings) expect(norm(e)).toBeCloseTo(1, 4)
  })

  it("an upstream answering out of order: the vectors come back in the inputs' order (embedMany reads no index)", async () => {
    const hr = await start()
    const data = [
      { object: 'embedding', index: 1, embedding: [0, 1] },
      { object: 'embedding', index: 0, embedding: [1, 0] },
    ]
    const body = { object: 'list', data, model: 'text-embedding-3-small' }
    sim.script('openai', 'text-embedding-3-small', [{ kind: 'custom', status: 200, body }])
    const many = await embedMany({ model: ai(hr).embedding('vectors'), values: ['first', 'second'], maxRetries: 0 })
    expect(many.embeddings).toEqual([
      [1, 0],
      [0, 1],
    ])
  })

  it('an upstream answering fewer vectors than inputs is a bad response (502), not a misaligned 200', async () => {
    const hr = await start()
    const body = { embeddings: [{ values: [0.6, 0.8] }] }
    const fault = { kind: 'custom' as const, status: 200, body }
    sim.script('gemini', 'gemini-embedding-001', [fault, fault, fault])
    const r = await rawPost(`${hr.url}/v1/embeddings`, JSON.stringify({ model: 'gvectors', input: ['a', 'b', 'c'] }))
    expect([r.status, r.json.error?.code]).toEqual([502, 'bad_upstream_response'])
    expect(r.json.error?.message).toMatch(/1 embedding.* 3 inputs/)
  })
})

describe('spend and failover', () => {
  it('one row per attempt: a 429 on the first key fails over to the second, tokens and cost from the catalog', async () => {
    const hr = await start()
    sim.script('openai', 'text-embedding-3-small', [{ kind: 'rate_limit', retryAfterMs: 5000 }])
    const res = await client(hr)
      .embeddings.create({ model: 'vectors', input: ['alpha beta', 'gamma'], encoding_format: 'float' })
      .withResponse()
    expect(res.response.headers.get('x-headroom-attempts')).toBe('2')
    const all = rows(hr)
    expect(all.map((r) => [r.outcome, r.attempt])).toEqual([
      ['failed_over', 1],
      ['ok', 2],
    ])
    expect(all[0]!.key_alias).not.toBe(all[1]!.key_alias)
    const ok = all[1]!
    expect(ok).toMatchObject({ route: 'vectors', completion_tokens: 0, usage_source: 'provider' })
    expect(ok.prompt_tokens).toBe(res.data.usage.prompt_tokens)
    // text-embedding-3-small: $0.02 per 1M input tokens = 2 micro-cents per token (1e-8 USD).
    expect(ok.cost_microcents).toBe(ok.prompt_tokens * 2)
  })

  it('a 500 fails over too', async () => {
    const hr = await start()
    sim.script('openai', 'text-embedding-3-small', [{ kind: 'server_error' }, { kind: 'server_error' }])
    const r = await client(hr).embeddings.create({ model: 'vectors', input: 'x', encoding_format: 'float' })
    expect(r.data).toHaveLength(1)
    // A plain 500 is retried once on its key, then the other key serves.
    const all = rows(hr).map((r) => [r.key_alias, r.outcome])
    const [first, other] = all[0]![0] === 'openai#1' ? ['openai#1', 'openai#2'] : ['openai#2', 'openai#1']
    expect(all).toEqual([
      [first, 'failed_over'],
      [first, 'failed_over'],
      [other, 'ok'],
    ])
  })

  it("Gemini batches served before one failed are billed: the failed attempt's row counts them", async () => {
    const hr = await start()
    // 250 inputs: three batchEmbedContents calls; one fails, the two others are served (and billed by Google).
    sim.script('gemini', 'gemini-embedding-001', [{ kind: 'server_error' }])
    const input = Array.from({ length: 250 }, (_, i) => `text number ${i} `.repeat(10))
    const r = await client(hr).embeddings.create({ model: 'gvectors', input, encoding_format: 'float' })
    expect(r.data).toHaveLength(250)
    const [failed, ok] = rows(hr)
    expect([failed!.outcome, ok!.outcome]).toEqual(['failed_over', 'ok'])
    expect(failed!.usage_source).toBe('estimated')
    // Two batches of the three: 150 or 200 of the 250 inputs.
    expect(failed!.prompt_tokens / ok!.prompt_tokens).toBeGreaterThanOrEqual(0.59)
    expect(failed!.prompt_tokens / ok!.prompt_tokens).toBeLessThanOrEqual(0.81)
    expect(failed!.cost_microcents).toBe(failed!.prompt_tokens * 15)
  })

  it('Gemini counts no tokens: the row and the answer carry the estimate, marked so', async () => {
    const hr = await start()
    const r = await client(hr).embeddings.create({
      model: 'gvectors',
      input: 'some words to count',
      encoding_format: 'float',
    })
    const row = rows(hr).at(-1)!
    expect(row).toMatchObject({ usage_source: 'estimated', completion_tokens: 0 })
    expect(row.prompt_tokens).toBeGreaterThan(0)
    expect(r.usage).toEqual({ prompt_tokens: row.prompt_tokens, total_tokens: row.prompt_tokens })
    // gemini-embedding-001: $0.15 per 1M input tokens = 15 micro-cents per token.
    expect(row.cost_microcents).toBe(row.prompt_tokens * 15)
  })
})

describe('refusals, in OpenAI shape', () => {
  const post = (hr: Running, body: unknown) =>
    rawPost(`${hr.url}/v1/embeddings`, typeof body === 'string' ? body : JSON.stringify(body))

  it.each([
    ['empty string', { model: 'vectors', input: '' }, 'input'],
    ['empty array', { model: 'vectors', input: [] }, 'input'],
    ['an empty string in a list', { model: 'vectors', input: ['a', ''] }, 'input[1]'],
    ['10,000 inputs', { model: 'vectors', input: Array.from({ length: 10_000 }, () => 'x') }, 'input'],
    ['nested arrays', { model: 'vectors', input: [[[1]]] }, 'input[0][0]'],
    ['mixed list', { model: 'vectors', input: ['a', 1] }, 'input[1]'],
    ['an object', { model: 'vectors', input: { text: 'a' } }, 'input'],
    ['null input', { model: 'vectors', input: null }, 'input'],
    ['no input', { model: 'vectors' }, 'input'],
    ['a decimal token', { model: 'vectors', input: [1, 2.5] }, 'input[1]'],
    ['a negative token', { model: 'vectors', input: [[1, -2]] }, 'input[0][1]'],
    ['an empty token list', { model: 'vectors', input: [[1], []] }, 'input[1]'],
    ['dimensions 0', { model: 'vectors', input: 'a', dimensions: 0 }, 'dimensions'],
    ['huge dimensions', { model: 'vectors', input: 'a', dimensions: 1e12 }, 'dimensions'],
    ['dimensions as a string', { model: 'vectors', input: 'a', dimensions: '256' }, 'dimensions'],
    ['an unknown encoding', { model: 'vectors', input: 'a', encoding_format: 'int8' }, 'encoding_format'],
    ['no model', { input: 'a' }, 'model'],
    ['a model id with a newline', { model: 'vec\ntors', input: 'a' }, 'model'],
    ['a chat route', { model: 'chat', input: 'a' }, 'model'],
    ['a chat model', { model: 'openai/gpt-4.1-mini', input: 'a' }, 'model'],
    ['a bare chat model', { model: 'claude-haiku-4-5', input: 'a' }, 'model'],
  ])('%s → 400 naming the parameter', async (_name, body, param) => {
    const hr = await start()
    const r = await post(hr, body)
    expect(r.status, r.text).toBe(400)
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param })
    expect(rows(hr)).toHaveLength(0)
  })

  it('a number beyond what a double holds (1e400 reads as infinity) → 400 saying so, not "expected a decimal, got a decimal"', async () => {
    const hr = await start()
    for (const n of ['1e400', '-1e400']) {
      const r = await post(hr, `{"model":"vectors","input":"a","dimensions":${n}}`)
      expect([r.status, r.json.error?.param]).toEqual([400, 'dimensions'])
      expect(r.json.error?.message).toMatch(/out of range.*finite/)
    }
  })

  it('bodies that are not an object → 400', async () => {
    const hr = await start()
    for (const body of ['[]', '"x"', 'null', '{', '']) expect((await post(hr, body)).status).toBe(400)
  })

  it('an embedding model on chat completions → 400 naming model', async () => {
    const hr = await start()
    const r = await rawPost(
      `${hr.url}/v1/chat/completions`,
      JSON.stringify({ model: 'vectors', messages: [{ role: 'user', content: 'hi' }] }),
    )
    expect(r.status).toBe(400)
    expect(r.json.error?.param).toBe('model')
  })

  it("Gemini's errors as on the chat path: its 400 on a vector too long, its 429 with retry-after", async () => {
    const hr = await start()
    const long = await post(hr, { model: 'gvectors', input: 'a', dimensions: 4000 })
    expect([long.status, long.json.error?.type]).toEqual([400, 'invalid_request_error'])
    sim.script('gemini', 'gemini-embedding-001', [{ kind: 'rate_limit', retryAfterMs: 7000 }])
    const limited = await post(hr, { model: 'gvectors', input: 'a' })
    expect([limited.status, limited.json.error?.type]).toEqual([429, 'rate_limit_error'])
    expect(limited.headers.get('retry-after')).toBe('7')
    expect(limited.headers.get('x-headroom-route')).toBe('gvectors')
    expect(limited.headers.get('x-headroom-attempts')).toBe('1')
  })

  it('a model unknown to a provider: its 404, as the provider said it', async () => {
    const hr = await start()
    const r = await post(hr, { model: 'openai/text-embedding-9', input: 'a' })
    expect(r.status).toBe(404)
  })

  it("a model id that matches nothing is a 404, not vectors of the default_route's model under its name", async () => {
    // Vectors of two models cannot be compared: a typo must not quietly fill an index with another model's.
    const hr = await start('default_route: vectors\n')
    const r = await post(hr, { model: 'my-embedder-v2', input: 'a' })
    expect([r.status, r.json.error?.code, r.json.error?.param]).toEqual([404, 'model_not_found', 'model'])
    expect(r.json.error?.message).toMatch(/my-embedder-v2/)
    expect(rows(hr)).toHaveLength(0)
  })

  it('/embeddings without /v1 is served too', async () => {
    const hr = await start()
    const r = await rawPost(`${hr.url}/embeddings`, JSON.stringify({ model: 'vectors', input: 'a' }))
    expect(r.status).toBe(200)
  })
})

describe('admission and config, as for chat', () => {
  const keys = `keys:
  - { name: chat-only, key: chat-only-key-123, routes: [chat] }
  - { name: slow, key: slow-key-123, routes: [vectors], limits: { rpm: 1 } }
`
  const post = (hr: Running, key: string, model = 'vectors') =>
    rawPost(`${hr.url}/v1/embeddings`, JSON.stringify({ model, input: 'a' }), {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
    })

  it("a key's routes, its limits (with x-ratelimit-* headers) and priority header apply", async () => {
    const hr = await start(keys)
    expect((await post(hr, 'chat-only-key-123')).status).toBe(403)
    expect((await post(hr, 'nobody-123')).status).toBe(401)
    const first = await post(hr, 'slow-key-123')
    expect(first.status).toBe(200)
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(first.headers.get('x-headroom-route')).toBe('vectors')
    const second = await post(hr, 'slow-key-123')
    expect([second.status, second.json.error?.code]).toEqual([429, 'rate_limit_exceeded'])
    const bad = await rawPost(`${hr.url}/v1/embeddings`, JSON.stringify({ model: 'vectors', input: 'a' }), {
      'content-type': 'application/json',
      authorization: 'Bearer slow-key-123',
      'x-headroom-priority': 'urgent',
    })
    expect([bad.status, bad.json.error?.param]).toEqual([400, 'x-headroom-priority'])
  })

  it("a route's budget counts embeddings spend", async () => {
    const hr = await start('  capped: { targets: [openai/text-embedding-3-small], budget: { daily_usd: 0.000001 } }\n')
    const c = client(hr)
    await c.embeddings.create({
      model: 'capped',
      input: 'spend a little money on this '.repeat(50),
      encoding_format: 'float',
    })
    hr.spend.flush()
    const r = await rawPost(`${hr.url}/v1/embeddings`, JSON.stringify({ model: 'capped', input: 'more' }))
    expect([r.status, r.json.error?.code]).toEqual([429, 'budget_exceeded'])
  })

  it('a reload that would mix two vector spaces in a route is refused; the old config keeps serving', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'headroom-emb-')), 'routes.yaml')
    writeFileSync(file, config())
    const hr = track(
      await startHeadroom({ dbPath: ':memory:', configPath: file, port: 0, env: {}, log: silentLogger, watch: false }),
    )
    writeFileSync(
      file,
      config().replace(
        '[openai/text-embedding-3-small]',
        '[openai/text-embedding-3-small, google/gemini-embedding-001]',
      ),
    )
    expect(await hr.config.reload()).toBe(false)
    const r = await client(hr).embeddings.create({ model: 'vectors', input: 'still here', encoding_format: 'float' })
    expect(r.data[0]!.embedding).toHaveLength(1536)
    writeFileSync(
      file,
      config().replace(
        'vectors: { targets: [openai/text-embedding-3-small] }',
        'vectors: { interchangeable: true, targets: [google/gemini-embedding-001, openai/text-embedding-3-small] }',
      ),
    )
    expect(await hr.config.reload()).toBe(true)
    const after = await client(hr).embeddings.create({ model: 'vectors', input: 'moved', encoding_format: 'float' })
    expect(after.data[0]!.embedding).toHaveLength(3072)
  })
})
