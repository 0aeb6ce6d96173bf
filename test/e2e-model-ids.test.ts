/**
 * A client's model id must never change where Headroom sends the operator's key. Every provider type,
 * through the real server, against a recording upstream: each hostile id is either refused at the edge
 * (4xx, nothing sent upstream) or reaches the upstream at exactly the path its provider documents — no
 * `..` resolved, no query or fragment added, no other method.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { useRecordedUpstream } from '../src/providers/__fixtures__/recorded-upstream.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost } from './harness.ts'

const HOSTILE = [
  '..',
  '../..',
  '.',
  '%2e%2e',
  '%2E%2E/',
  'a/../../b',
  'a/./b',
  'x?y=1',
  'x#frag',
  'x\\y',
  '%2F',
  'a%2fb',
  '．．',
  '\u2024\u2024',
  '\u3002',
  'x:streamGenerateContent',
  'x:countTokens?alt=sse',
  'x y',
  ' x',
  'x\u0000y',
  'x\r\ny',
  'x\ty',
  'x/',
  '/x',
  'a//b',
  'a'.repeat(300),
  '../../v1beta/cachedContents#',
  'x/../../upload/v1beta/files?uploadType=media#',
  'models/../../v1beta/files',
  'tunedModels/../../v1beta/files',
  'tunedModels/a/b',
]

/** What each provider type answers, so that a request that gets through completes. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? ''
  const json = (body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const gemini = {
    candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
  }
  if (url.endsWith(':generateContent')) return json(gemini)
  if (url.endsWith(':streamGenerateContent?alt=sse')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(`data: ${JSON.stringify(gemini)}\r\n\r\n`)
    return
  }
  if (url === '/v1/chat/completions') {
    return json({
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    })
  }
  if (url === '/v1/messages') {
    return json({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 1 },
    })
  }
  res.writeHead(404, { 'content-type': 'application/json' })
  res.end('{"error":{"message":"no such path"}}')
}

const { upstream, base } = useRecordedUpstream()
let hr: Running

beforeAll(async () => {
  upstream.handler = answer
  const up = base()
  hr = await startHeadroom({
    dbPath: ':memory:',
    configText: `providers:
  openai: { type: openai, base_url: "${up}/v1", api_key: sk-test-openai-000000 }
  compat: { type: openai-compatible, base_url: "${up}/v1", api_key: test-compat-key }
  anthropic: { type: anthropic, base_url: "${up}", api_key: sk-ant-test-000000 }
  google: { type: gemini, base_url: "${up}", api_key: AIzaTestKey0000000000 }
`,
    port: 0,
    env: {},
    log: silentLogger,
  })
})
afterAll(async () => {
  await hr?.close()
})

/** The Gemini model path segment for an id that got through: a leading `models/` is the default collection. */
function geminiPath(id: string, stream: boolean): string {
  const name = id.startsWith('tunedModels/')
    ? `tunedModels/${encodeURIComponent(id.slice(12))}`
    : `models/${encodeURIComponent(id.replace(/^models\//, ''))}`
  return `/v1beta/${name}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`
}

interface Case {
  provider: string
  /** The exact path the upstream may receive for a model id. */
  path: (id: string, stream: boolean) => string
}

const CASES: Case[] = [
  { provider: 'openai', path: () => '/v1/chat/completions' },
  { provider: 'compat', path: () => '/v1/chat/completions' },
  { provider: 'anthropic', path: () => '/v1/messages' },
  { provider: 'google', path: geminiPath },
]

async function send(model: string, stream: boolean) {
  const before = upstream.seen.length
  const r = await rawPost(
    `${hr.url}/v1/chat/completions`,
    JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  )
  return { ...r, seen: upstream.seen.slice(before) }
}

/** Either refused at the edge with nothing sent, or sent to exactly `path` (once) and answered. */
function expectContained(r: Awaited<ReturnType<typeof send>>, path: string, model: string): void {
  const what = `${JSON.stringify(model)} → ${r.status} ${r.seen.map((s) => s.url).join(', ')}`
  expect(r.status, what).toBeLessThan(500)
  if (r.status >= 400) {
    expect(r.json?.error?.message, what).toBeTruthy()
    expect(r.seen, what).toEqual([])
    return
  }
  expect(
    r.seen.map((s) => `${s.method} ${s.url}`),
    what,
  ).toEqual([`POST ${path}`])
}

describe.each(CASES)('$provider: no model id changes the upstream URL', ({ provider, path }) => {
  it.each(HOSTILE)('%j', async (id) => {
    for (const stream of provider === 'google' ? [false, true] : [false]) {
      const model = `${provider}/${id}`
      expectContained(await send(model, stream), path(id, stream), model)
    }
  })
})

describe('bare ids resolved by family', () => {
  it.each(HOSTILE)('gemini-%j', async (id) => {
    const model = `gemini-${id}`
    expectContained(await send(model, false), geminiPath(model, false), model)
  })
})

describe('ids that are fine reach the upstream intact', () => {
  it('a plain Gemini id, with models/ stripped, and a tuned model', async () => {
    for (const [model, url] of [
      ['google/gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['google/models/gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['google/tunedModels/my-tuned-7x', '/v1beta/tunedModels/my-tuned-7x:generateContent'],
    ] as const) {
      const r = await send(model, false)
      expect(r.status, model).toBe(200)
      expect(r.seen.map((s) => s.url)).toEqual([url])
    }
  })

  it('several slashes after the provider stay legal for OpenAI-compatible servers (in the body, not the URL)', async () => {
    const r = await send('compat/meta-llama/Llama-3.1-8B-Instruct', false)
    expect(r.status).toBe(200)
    expect(r.seen.map((s) => s.url)).toEqual(['/v1/chat/completions'])
    expect(r.seen[0]!.body['model']).toBe('meta-llama/Llama-3.1-8B-Instruct')
  })
})

describe('the answer to a bad id', () => {
  it('is a 400 invalid_value on model that says what is allowed, with nothing of the id in a header', async () => {
    const model = 'google/../../v1beta/cachedContents#\r\nx-evil: 1'
    const r = await send(model, false)
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'model' })
    expect(r.json.error!.message).toContain('it contains "#"')
    expect(r.json.error!.message).toContain('letters, digits')
    expect(r.headers.get('x-headroom-route')).toBeNull()
    expect(r.headers.get('x-evil')).toBeNull()
    expect(r.seen).toEqual([])
  })

  it('a Gemini id with ":" passes the grammar but not the Gemini adapter: 400 on model, nothing sent', async () => {
    const r = await send('google/gemini-2.5-flash:streamGenerateContent', false)
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ code: 'invalid_value', param: 'model' })
    expect(r.json.error!.message).toContain('":"')
    expect(r.seen).toEqual([])
  })

  it('GET /v1/models/{id} applies the same grammar before resolving', async () => {
    // node:http sends the path as written (fetch would resolve `%2e%2e` itself).
    const get = (path: string) =>
      new Promise<{ status: number; body: { id?: string; error?: { code: string; param: string } } }>(
        (resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port: hr.port, path: `/v1/models/${path}` }, (res) => {
              let text = ''
              res.on('data', (b: Buffer) => (text += b.toString()))
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }))
            })
            .on('error', reject)
        },
      )
    for (const path of [
      'google/x%3Fy',
      'google/x%23y',
      'google/%20x',
      'google/%E3%80%82',
      'google/.x',
      'google//x',
      'a'.repeat(300),
    ]) {
      const r = await get(path)
      expect(r.status, path).toBe(400)
      expect(r.body.error, path).toMatchObject({ code: 'invalid_value', param: 'model' })
    }
    // The URL parser resolves these before routing: they never reach the handler.
    for (const path of ['google/%2e%2e', '%2E%2E']) expect((await get(path)).status, path).toBe(404)
    expect((await get('google/gemini-2.5-flash')).body.id).toBe('google/gemini-2.5-flash')
    expect((await get('compat/meta-llama/Llama-3.1-8B')).body.id).toBe('compat/meta-llama/Llama-3.1-8B')
  })
})
