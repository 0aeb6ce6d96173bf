import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, googleError, json, sse, startFakeGemini, type FakeGemini } from './__fixtures__/fake-gemini.ts'
import { apiBaseUrl, GeminiClientPool, httpFailure } from './client.ts'
import { GeminiCallError, type GeminiFailure, type GeminiRequest } from './gemini-types.ts'

const KEY = 'AIzaSy-client-test-key-000000000'
let fake: FakeGemini
let upstreamClosed: Promise<void>
let markClosed: () => void = () => undefined

beforeAll(async () => {
  upstreamClosed = new Promise((r) => (markClosed = r))
  fake = await startFakeGemini({
    echo: (res) => json(res, 200, { candidates: [{ content: { parts: [{ text: 'ok' }] }, finishReason: 'STOP' }] }),
    'tuned/one': (res) => json(res, 200, { candidates: [] }),
    quota: (res) => googleError(res, 429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }]),
    'empty-details': (res) => googleError(res, 400, 'INVALID_ARGUMENT', 'Bad thing.', []),
    'no-json': (res) => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end('<html>bad gateway</html>')
    },
    'cut-json': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"candidates":[')
      setTimeout(() => res.socket?.destroy(), 5)
    },
    endless: async (res) => {
      res.on('close', () => markClosed())
      await sse(res, [event({ candidates: [{ content: { parts: [{ text: 'a' }] } }] }), event({ candidates: [{ content: { parts: [{ text: 'b' }] } }] })], 'hang')
    },
  })
})

afterAll(() => fake.close())

const body: GeminiRequest = {
  contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
  systemInstruction: { parts: [{ text: 'Be brief.' }] },
  generationConfig: { maxOutputTokens: 5 },
}
const signal = () => new AbortController().signal

async function failureOf(p: Promise<unknown>): Promise<GeminiFailure> {
  try {
    await p
  } catch (err) {
    if (err instanceof GeminiCallError) return err.failure
    throw err
  }
  throw new Error('expected a GeminiCallError')
}

describe('GeminiClient', () => {
  it('sends the body it is given, the key in x-goog-api-key, and returns the plain response data', async () => {
    const pool = new GeminiClientPool()
    const before = fake.received.length
    const c = pool.get({ baseUrl: `${fake.baseUrl}/`, apiKey: KEY, timeoutMs: 2000 })
    const res = await c.generate(body, c.endpoints('echo'), { signal: signal() })
    expect(res).toEqual({ candidates: [{ content: { parts: [{ text: 'ok' }] }, finishReason: 'STOP' }] })
    const sent = fake.received[before]!
    expect(sent.url).toBe('/v1beta/models/echo:generateContent')
    expect(sent.headers['x-goog-api-key']).toBe(KEY)
    expect(sent.headers['content-type']).toBe('application/json')
    expect(sent.body).toEqual(body)
    expect(sent.url).not.toContain(KEY)
  })

  it('builds each URL from the model id as one encoded path segment, in models/ or tunedModels/', () => {
    const c = new GeminiClientPool().get({ baseUrl: 'https://g.example/prefix', apiKey: KEY, timeoutMs: 2000 })
    expect(c.endpoints('gemini-2.5-flash')).toEqual({
      json: { origin: 'https://g.example', path: '/prefix/v1beta/models/gemini-2.5-flash:generateContent' },
      sse: { origin: 'https://g.example', path: '/prefix/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse' },
    })
    expect(c.endpoints('models/gemini-2.5-flash').json.path).toBe('/prefix/v1beta/models/gemini-2.5-flash:generateContent')
    expect(c.endpoints('tunedModels/my-model-7').json.path).toBe('/prefix/v1beta/tunedModels/my-model-7:generateContent')
    // Characters the model id grammar refuses upstream of here are still encoded, never interpreted.
    expect(c.endpoints('a%2e?b#c').json.path).toBe('/prefix/v1beta/models/a%252e%3Fb%23c:generateContent')
    expect(c.endpoints('gemini-..').json.path).toBe('/prefix/v1beta/models/gemini-..:generateContent')
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
  ])('refuses %j before sending anything', async (model, problem) => {
    const c = new GeminiClientPool().get({ baseUrl: fake.baseUrl, apiKey: KEY, timeoutMs: 2000 })
    let failure: GeminiFailure | undefined
    try {
      c.endpoints(model)
    } catch (err) {
      if (err instanceof GeminiCallError) failure = err.failure
    }
    expect(failure).toMatchObject({ type: 'invalid_model' })
    expect((failure as { message: string }).message).toContain(problem)
  })

  it('reports HTTP errors with Google\'s message and details, without the URL', async () => {
    const c = new GeminiClientPool().get({ baseUrl: fake.baseUrl, apiKey: KEY, timeoutMs: 2000 })
    expect(await failureOf(c.generate(body, c.endpoints('quota'), { signal: signal() }))).toEqual({
      type: 'http',
      status: 429,
      statusText: 'Too Many Requests',
      message: 'Quota exceeded.',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
    })
    expect(await failureOf(c.generate(body, c.endpoints('empty-details'), { signal: signal() }))).toMatchObject({ status: 400, message: 'Bad thing.', details: [] })
    expect(await failureOf(c.generateStream(body, c.endpoints('no-json'), { signal: signal() }))).toEqual({ type: 'http', status: 502, statusText: 'Bad Gateway', message: '', details: [] })
  })

  it('reports a 2xx body cut while being read as broken', async () => {
    const c = new GeminiClientPool().get({ baseUrl: fake.baseUrl, apiKey: KEY, timeoutMs: 2000 })
    expect(await failureOf(c.generate(body, c.endpoints('cut-json'), { signal: signal() }))).toMatchObject({ type: 'broken' })
  })

  it('aborts the upstream call when the consumer leaves a stream early', async () => {
    const c = new GeminiClientPool().get({ baseUrl: fake.baseUrl, apiKey: KEY, timeoutMs: 10_000 })
    const events = await c.generateStream(body, c.endpoints('endless'), { signal: signal() })
    for await (const e of events) {
      expect(e).toEqual({ candidates: [{ content: { parts: [{ text: 'a' }] } }] })
      break
    }
    await expect(Promise.race([upstreamClosed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 2000))])).resolves.toBe('closed')
  })
})

describe('GeminiClientPool', () => {
  it('keeps one client per (base URL, key, timeout, headers) and drops them on clear()', () => {
    const pool = new GeminiClientPool()
    const a = pool.get({ baseUrl: 'https://g', apiKey: 'k1', timeoutMs: 1000 })
    expect(pool.get({ baseUrl: 'https://g', apiKey: 'k1', timeoutMs: 1000 })).toBe(a)
    expect(pool.get({ baseUrl: 'https://g', apiKey: 'k2', timeoutMs: 1000 })).not.toBe(a)
    expect(pool.get({ baseUrl: 'https://g', apiKey: 'k1', timeoutMs: 2000 })).not.toBe(a)
    expect(pool.get({ baseUrl: 'https://g', apiKey: 'k1', timeoutMs: 1000, headers: { a: 'b' } })).not.toBe(a)
    expect(pool.size).toBe(4)
    pool.clear()
    expect(pool.size).toBe(0)
    expect(pool.get({ baseUrl: 'https://g', apiKey: 'k1', timeoutMs: 1000 })).not.toBe(a)
  })
})

describe('helpers', () => {
  it('httpFailure takes Google\'s message and details, and copes with a body that is not JSON', () => {
    const details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '15s' }]
    const body = JSON.stringify({ error: { code: 429, message: 'You exceeded your quota.', status: 'RESOURCE_EXHAUSTED', details } })
    expect(httpFailure(429, body)).toEqual({ type: 'http', status: 429, statusText: 'Too Many Requests', message: 'You exceeded your quota.', details })
    expect(httpFailure(502, '<html>bad gateway</html>')).toEqual({ type: 'http', status: 502, statusText: 'Bad Gateway', message: '', details: [] })
    expect(httpFailure(500, 'null')).toEqual({ type: 'http', status: 500, statusText: 'Internal Server Error', message: '', details: [] })
  })

  it('apiBaseUrl drops trailing slashes and a version the client adds itself', () => {
    expect(apiBaseUrl('https://generativelanguage.googleapis.com/')).toBe('https://generativelanguage.googleapis.com')
    expect(apiBaseUrl('https://proxy.example/gemini/v1beta/')).toBe('https://proxy.example/gemini')
    expect(apiBaseUrl('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000')
  })
})
