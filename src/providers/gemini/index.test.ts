import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChatChunk, type ChatRequest, ChatRequestSchema } from '../openai-schema.ts'
import { type ProviderAdapter, ProviderError, type Target } from '../types.ts'
import { event, type FakeGemini, googleError, json, sse, startFakeGemini } from './__fixtures__/fake-gemini.ts'
import { apiBaseUrl, createGeminiAdapter, geminiCalls } from './index.ts'

const KEY = 'AIzaSy-test-key-0123456789abcdef'
const MODEL_VERSION = 'gemini-2.5-flash-001'
const usage = { promptTokenCount: 11, candidatesTokenCount: 4, totalTokenCount: 15 }
const text = (t: string, finishReason?: string) => ({
  candidates: [
    { content: { role: 'model', parts: [{ text: t }] }, index: 0, ...(finishReason ? { finishReason } : {}) },
  ],
  usageMetadata: finishReason ? usage : { promptTokenCount: 11, totalTokenCount: 11 },
  modelVersion: MODEL_VERSION,
  responseId: 'resp-1',
})
const RETRY_429 = [
  {
    '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
    violations: [
      {
        quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
        quotaMetric: 'x/generate_content_free_tier_requests',
        quotaValue: '10',
      },
    ],
  },
  { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '15s' },
]

let fake: FakeGemini
let adapter: ProviderAdapter
let upstreamClosed: Promise<void>
let markClosed: () => void = () => undefined

beforeAll(async () => {
  upstreamClosed = new Promise((r) => (markClosed = r))
  fake = await startFakeGemini({
    ok: (res, req) => {
      if (req.url.endsWith(':generateContent')) return json(res, 200, text('Hello!', 'STOP'))
      return sse(res, [event(text('Hel')), event(text('lo')), event(text('!', 'STOP'))])
    },
    'bad-key': (res) =>
      googleError(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
      ]),
    quota: (res) =>
      googleError(res, 429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota. Please retry in 14.6s.', RETRY_429),
    boom: (res) => googleError(res, 500, 'INTERNAL', 'Internal error encountered.'),
    busy: (res) => googleError(res, 503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
    html: (res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html>proxy</html>')
    },
    cut: (res) => sse(res, [event(text('Hel')), 'data: {"candidates":[{"content":'], 'cut'),
    'event-line': (res) => sse(res, [event(text('Hel')), `event: message\r\n${event(text('lo', 'STOP'))}`]),
    done: (res) => sse(res, [event(text('Hel', 'STOP')), 'data: [DONE]\r\n\r\n']),
    'no-finish': (res) => sse(res, [event(text('Hel')), event(text('lo'))]),
    'error-event': (res) =>
      sse(res, [
        event(text('Hel')),
        event({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } }),
      ]),
    hang: () => undefined,
    stall: (res) => sse(res, [event(text('Hel'))], 'hang'),
    'cut-json': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"candidates":[')
      setTimeout(() => res.socket?.destroy(), 5)
    },
    endless: async (res) => {
      res.on('close', () => markClosed())
      await sse(res, [event(text('a')), event(text('b'))], 'hang')
    },
  })
  adapter = createGeminiAdapter({ now: () => 1_760_000_000_000 })
})

afterAll(async () => {
  await adapter.close?.()
  await fake.close()
})

function target(model: string, over: Partial<Target> = {}): Target {
  return {
    id: `google/${model}`,
    provider: 'google',
    type: 'gemini',
    model,
    keyAlias: 'google#1',
    stateId: `google#1/${model}`,
    apiKey: KEY,
    baseUrl: fake.baseUrl,
    timeoutMs: 5_000,
    ...over,
  }
}

const request = (over: Record<string, unknown> = {}): ChatRequest =>
  ChatRequestSchema.parse({
    model: 'fast',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ],
    ...over,
  })

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p
  } catch (err) {
    if (err instanceof ProviderError) return err
    throw err
  }
  throw new Error('expected a ProviderError')
}

async function drain(it: AsyncIterable<ChatChunk>): Promise<{ chunks: ChatChunk[]; error: ProviderError | null }> {
  const chunks: ChatChunk[] = []
  try {
    for await (const c of it) chunks.push(c)
  } catch (err) {
    if (err instanceof ProviderError) return { chunks, error: err }
    throw err
  }
  return { chunks, error: null }
}

describe('Gemini adapter against a fake Gemini', () => {
  it('a model id that cannot be one URL segment is a 400 on model, with nothing sent (JSON and streams)', async () => {
    const before = fake.received.length
    for (const model of ['x:streamGenerateContent', 'a/b', 'models/..', '../../v1beta/files']) {
      for (const call of [adapter.complete, adapter.stream]) {
        const e = await failure(call(request(), target(model), new AbortController().signal))
        expect(e).toMatchObject({ status: 400, kind: 'bad_request', param: 'model', code: 'invalid_value' })
        expect(e.message).toContain("Invalid 'model' for google")
      }
    }
    expect(fake.received.length).toBe(before)
  })

  it('complete(): sends the converted body to :generateContent with the key in a header', async () => {
    const before = fake.received.length
    const up = await adapter.complete(
      request({ user: 'u1', temperature: 0.5 }),
      target('ok', { headers: { 'x-team': 'search' } }),
      new AbortController().signal,
    )
    const sent = fake.received[before]!
    expect(sent.method).toBe('POST')
    expect(sent.url).toBe('/v1beta/models/ok:generateContent')
    expect(sent.headers['x-goog-api-key']).toBe(KEY)
    expect(sent.headers['content-type']).toBe('application/json')
    expect(sent.headers['x-team']).toBe('search')
    expect(sent.url).not.toContain(KEY)
    expect(sent.body).toMatchObject({
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { temperature: 0.5 },
    })
    expect(up.body).toMatchObject({
      object: 'chat.completion',
      model: MODEL_VERSION,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
    })
    expect(up.body.id).toMatch(/^chatcmpl-/)
    expect(up.body.created).toBe(1_760_000_000)
    expect(up.limits).toBeNull()
    expect(up.meta).toEqual({
      usage: { promptTokens: 11, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 4, reasoningTokens: 0 },
      usageFinal: true,
      model: MODEL_VERSION,
      requestId: 'resp-1',
      warnings: ['user is not supported by Gemini and was not sent'],
    })
  })

  it('stream(): SSE with CRLF framing → role, content, finish and usage chunks; meta and TTFT filled', async () => {
    const before = fake.received.length
    const up = await adapter.stream(request(), target('ok'), new AbortController().signal)
    expect(fake.received[before]!.url).toBe('/v1beta/models/ok:streamGenerateContent?alt=sse')
    const { chunks, error } = await drain(up.body)
    expect(error).toBeNull()
    expect(chunks.map((c) => [c.choices[0]?.delta ?? null, c.choices[0]?.finish_reason ?? null])).toEqual([
      [{ role: 'assistant', content: 'Hel' }, null],
      [{ content: 'lo' }, null],
      [{ content: '!' }, null],
      [{}, 'stop'],
      [null, null],
    ])
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
    })
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1)
    expect(chunks.every((c) => c.model === MODEL_VERSION)).toBe(true)
    expect(up.meta).toMatchObject({
      model: MODEL_VERSION,
      requestId: 'resp-1',
      usage: { promptTokens: 11, completionTokens: 4 },
      usageFinal: true,
    })
    expect(up.latency.ttftMs).toBeGreaterThanOrEqual(0)
    expect(up.limits).toBeNull()
  })

  it("400 API_KEY_INVALID → 401 invalid_api_key, with Google's message only", async () => {
    for (const call of [adapter.complete, adapter.stream]) {
      const e = await failure(call(request(), target('bad-key'), new AbortController().signal))
      expect(e).toMatchObject({
        status: 401,
        upstreamStatus: 400,
        kind: 'auth',
        code: 'invalid_api_key',
        message: 'API key not valid. Please pass a valid API key.',
      })
    }
  })

  it('404 → unsupported model_not_found (fails over)', async () => {
    const e = await failure(adapter.stream(request(), target('no-such-model'), new AbortController().signal))
    expect(e).toMatchObject({
      status: 404,
      kind: 'unsupported',
      code: 'model_not_found',
      message: 'models/no-such-model is not found for API version v1beta',
    })
  })

  it('429 → rate_limit with RetryInfo as retryAfterMs and limits', async () => {
    const e = await failure(adapter.complete(request(), target('quota'), new AbortController().signal))
    expect(e).toMatchObject({
      status: 429,
      kind: 'rate_limit',
      retryAfterMs: 15_000,
      retryable: true,
      message: 'You exceeded your current quota. Please retry in 14.6s.',
    })
    expect(e.limits).toEqual({
      at: 1_760_000_000_000,
      retryAfterMs: 15_000,
      requests: { limit: 10, remaining: 0, resetAt: 1_760_000_015_000 },
    })
  })

  it('500 → server, 503 → overloaded', async () => {
    expect(await failure(adapter.complete(request(), target('boom'), new AbortController().signal))).toMatchObject({
      status: 500,
      kind: 'server',
      retryable: true,
    })
    expect(await failure(adapter.stream(request(), target('busy'), new AbortController().signal))).toMatchObject({
      status: 503,
      kind: 'overloaded',
    })
  })

  it('a 2xx that is not JSON → bad_upstream_response', async () => {
    expect(await failure(adapter.complete(request(), target('html'), new AbortController().signal))).toMatchObject({
      status: 502,
      kind: 'server',
      code: 'bad_upstream_response',
    })
  })

  it.each([
    ['cut', /connection broke/, false],
    ['done', /not JSON/, true],
    ['no-finish', /ended before a finishReason/, false],
    ['error-event', /^Internal error encountered\.$/, false],
  ])('a stream that breaks (%s) throws kind stream after the chunks it had', async (model, message, usageFinal) => {
    const up = await adapter.stream(request(), target(model), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: 'Hel' })
    expect(chunks.some((c) => c.usage)).toBe(false)
    expect(error).toMatchObject({ kind: 'stream', retryable: true })
    expect(error!.message).toMatch(message)
    expect(error!.message).not.toContain(fake.baseUrl)
    // A running count is not the closing one (the spend row estimates); after the finishReason it is.
    expect(up.meta).toMatchObject({ usage: { promptTokens: 11 }, usageFinal })
  })

  it('a caller abort → cancelled 499, before the answer and mid-stream', async () => {
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    expect(await failure(adapter.complete(request(), target('hang'), ac.signal))).toMatchObject({
      status: 499,
      kind: 'cancelled',
    })

    const already = new AbortController()
    already.abort()
    expect(await failure(adapter.stream(request(), target('ok'), already.signal))).toMatchObject({ kind: 'cancelled' })

    const mid = new AbortController()
    const up = await adapter.stream(request(), target('stall'), mid.signal)
    setTimeout(() => mid.abort(), 50)
    const { chunks, error } = await drain(up.body)
    expect(chunks).toHaveLength(1)
    expect(error).toMatchObject({ status: 499, kind: 'cancelled' })
  })

  it("an event with an `event:` line (which the SDK's parser rejected) is read like any other", async () => {
    const up = await adapter.stream(request(), target('event-line'), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(error).toBeNull()
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello')
  })

  it('the target timeout → 504 timeout before the answer, a broken stream when it goes silent', async () => {
    expect(
      await failure(adapter.complete(request(), target('hang', { timeoutMs: 150 }), new AbortController().signal)),
    ).toMatchObject({ status: 504, kind: 'timeout', message: 'google did not answer within 150 ms' })

    const up = await adapter.stream(request(), target('stall', { timeoutMs: 150 }), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(chunks).toHaveLength(1)
    expect(error).toMatchObject({ kind: 'stream', message: 'google stream broke: no data for 150 ms' })
  })

  it('a slow consumer is not mistaken for a silent upstream', async () => {
    const up = await adapter.stream(request(), target('ok', { timeoutMs: 100 }), new AbortController().signal)
    const deltas: unknown[] = []
    for await (const c of up.body) {
      deltas.push(c.choices[0]?.delta)
      await new Promise((r) => setTimeout(r, 150))
    }
    expect(deltas).toHaveLength(5)
  })

  it('an unreachable host → connection 502', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((r) => server.close(() => r()))
    const e = await failure(
      adapter.complete(request(), target('ok', { baseUrl: `http://127.0.0.1:${port}` }), new AbortController().signal),
    )
    expect(e).toMatchObject({ status: 502, kind: 'connection', message: 'could not reach google: ECONNREFUSED' })
  })

  it('rejects a request it cannot translate before calling Gemini', async () => {
    const before = fake.received.length
    const e = await failure(
      adapter.complete(request({ stop: ['1', '2', '3', '4', '5', '6'] }), target('ok'), new AbortController().signal),
    )
    expect(e).toMatchObject({ status: 400, param: 'stop' })
    expect(fake.received.length).toBe(before)
  })
})

describe('Gemini URLs and transport', () => {
  it('builds each URL from the model id as one encoded path segment, in models/ or tunedModels/', () => {
    const paths = (model: string) => {
      const calls = geminiCalls(target(model, { baseUrl: 'https://g.example/prefix' }))
      return [calls.json.url, calls.sse.url]
    }
    expect(paths('gemini-2.5-flash')).toEqual([
      { origin: 'https://g.example', path: '/prefix/v1beta/models/gemini-2.5-flash:generateContent' },
      { origin: 'https://g.example', path: '/prefix/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse' },
    ])
    expect(paths('models/gemini-2.5-flash')[0]!.path).toBe('/prefix/v1beta/models/gemini-2.5-flash:generateContent')
    expect(paths('tunedModels/my-model-7')[0]!.path).toBe('/prefix/v1beta/tunedModels/my-model-7:generateContent')
    // Characters the model id grammar refuses upstream of here are still encoded, never interpreted.
    expect(paths('a%2e?b#c')[0]!.path).toBe('/prefix/v1beta/models/a%252e%3Fb%23c:generateContent')
    expect(paths('gemini-..')[0]!.path).toBe('/prefix/v1beta/models/gemini-..:generateContent')
  })

  it.each([
    ['models/tuned/one', '"/" may only follow'],
    ['../../v1beta/cachedContents', '"/" may only follow'],
    ['tunedModels/a/b', '"/" may only follow'],
    ['cachedContents/x', '"/" may only follow'],
    ['x:streamGenerateContent', 'may not contain ":"'],
    ['..', 'names a model'],
    ['models/..', 'names a model'],
    ['tunedModels/.', 'names a model'],
    ['', 'names a model'],
  ])('refuses %j before sending anything', (model, problem) => {
    expect(() => geminiCalls(target(model))).toThrow(problem)
  })

  it('apiBaseUrl drops trailing slashes and a version the adapter adds itself', () => {
    expect(apiBaseUrl('https://generativelanguage.googleapis.com/')).toBe('https://generativelanguage.googleapis.com')
    expect(apiBaseUrl('https://proxy.example/gemini/v1beta/')).toBe('https://proxy.example/gemini')
    expect(apiBaseUrl('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000')
  })

  it('a 2xx body cut while being read is a broken connection', async () => {
    const e = await failure(adapter.complete(request(), target('cut-json'), new AbortController().signal))
    expect(e).toMatchObject({ kind: 'connection', status: 502 })
    expect(e.message).toMatch(/connection broke while reading the body/)
  })

  it('aborts the upstream call when the consumer leaves a stream early', async () => {
    const up = await adapter.stream(request(), target('endless', { timeoutMs: 10_000 }), new AbortController().signal)
    for await (const c of up.body) {
      expect(c.choices[0]?.delta.content).toBe('a')
      break
    }
    const stillOpen = new Promise((r) => setTimeout(() => r('still open'), 2000))
    const closed = Promise.race([upstreamClosed.then(() => 'closed'), stillOpen])
    await expect(closed).resolves.toBe('closed')
  })
})
