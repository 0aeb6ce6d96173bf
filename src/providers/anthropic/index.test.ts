/**
 * The adapter end to end, against a small Anthropic-shaped server on 127.0.0.1 that answers with
 * recorded bodies, errors and streams (the fixtures in __fixtures__).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { useRecordedUpstream } from '../__fixtures__/recorded-upstream.ts'
import { type ChatChunk, ChatRequestSchema } from '../openai-schema.ts'
import { ProviderError, type Target } from '../types.ts'
import { expectedChunks, fixture, json, MESSAGE, RATE_HEADERS, sse, testTarget } from './__fixtures__/upstream.ts'
import { createAnthropicAdapter } from './index.ts'

const { upstream, base } = useRecordedUpstream()

const KEY = 'sk-ant-api03-test-key-123'
const target = (over: Partial<Target> = {}): Target =>
  testTarget({ apiKey: KEY, baseUrl: base(), timeoutMs: 2000, ...over })
const request = (over: Record<string, unknown> = {}) =>
  ChatRequestSchema.parse({
    model: 'anthropic/claude-haiku-4-5',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather?' },
    ],
    ...over,
  })

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ProviderError)
  return err as ProviderError
}

async function drain(it: AsyncIterable<ChatChunk>): Promise<{ chunks: ChatChunk[]; error: ProviderError | null }> {
  const chunks: ChatChunk[] = []
  try {
    for await (const c of it) chunks.push(c)
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError)
    return { chunks, error: err as ProviderError }
  }
  return { chunks, error: null }
}

const withoutCreated = (cs: ChatChunk[]) => cs.map(({ created: _c, ...rest }) => rest)

describe('complete()', () => {
  it('sends a Messages request with x-api-key and returns the completion, limits and meta', async () => {
    upstream.handler = json(200, MESSAGE, RATE_HEADERS)
    const adapter = createAnthropicAdapter()
    const up = await adapter.complete(request({ seed: 1 }), target(), new AbortController().signal)

    expect(upstream.seen).toHaveLength(1)
    const s = upstream.seen[0]!
    expect([s.method, s.url]).toEqual(['POST', '/v1/messages'])
    expect(s.headers['x-api-key']).toBe(KEY)
    expect(s.headers['authorization']).toBeUndefined()
    expect(s.headers['anthropic-version']).toBe('2023-06-01')
    expect(s.headers['content-type']).toBe('application/json')
    expect(s.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 4096,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather?' }] }],
    })

    expect(up.body.choices[0]!.message.content).toBe('Sunny, 21 °C.')
    expect(up.body.usage).toMatchObject({
      prompt_tokens: 120,
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: 100 },
    })
    expect(up.limits).toMatchObject({
      requests: { limit: 50, remaining: 49, resetAt: Date.parse('2030-01-01T00:00:01Z') },
      tokens: { remaining: 39000 },
    })
    expect(up.meta).toEqual({
      usage: { promptTokens: 120, cachedTokens: 100, cacheWriteTokens: 0, completionTokens: 7, reasoningTokens: 0 },
      usageFinal: true,
      model: 'claude-haiku-4-5-20251001',
      requestId: 'req_011CSHoEeqs5C35K2UUqR7Fy',
      warnings: ['seed is not supported by Anthropic and was ignored'],
    })
  })

  it('JSON mode: forces the JSON tool and returns its input as content', async () => {
    upstream.handler = json(200, {
      ...MESSAGE,
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'json_tool_call', input: { temp_c: 21 } }],
      stop_reason: 'tool_use',
    })
    const up = await createAnthropicAdapter().complete(
      request({ response_format: { type: 'json_object' } }),
      target(),
      new AbortController().signal,
    )
    expect(upstream.seen[0]!.body['tool_choice']).toEqual({
      type: 'tool',
      name: 'json_tool_call',
      disable_parallel_tool_use: true,
    })
    expect(up.body.choices[0]).toMatchObject({ message: { content: '{"temp_c":21}' }, finish_reason: 'stop' })
  })

  it('a request Anthropic cannot serve is a 400 before anything is sent (another target may serve it)', async () => {
    const e = await rejection(
      createAnthropicAdapter().complete(request({ temperature: 1.5 }), target(), new AbortController().signal),
    )
    expect([e.status, e.kind, e.param]).toEqual([400, 'unsupported', 'temperature'])
    expect(upstream.seen).toHaveLength(0)
  })

  it.each([
    [400, 'invalid_request_error', 'max_tokens: Field required', {}, 400, 'bad_request'],
    [401, 'authentication_error', 'invalid x-api-key', {}, 401, 'auth'],
    [404, 'not_found_error', 'model: claude-nope', {}, 404, 'unsupported'],
    [
      429,
      'rate_limit_error',
      'Number of requests has exceeded your per-minute rate limit',
      { 'retry-after': '3' },
      429,
      'rate_limit',
    ],
    [500, 'api_error', 'Internal server error', {}, 500, 'server'],
    [529, 'overloaded_error', 'Overloaded', {}, 503, 'overloaded'],
  ])('HTTP %i %s → ProviderError', async (status, type, message, headers, clientStatus, kind) => {
    upstream.handler = json(
      status,
      { type: 'error', error: { type, message }, request_id: 'req_err' },
      { 'request-id': 'req_err', ...headers },
    )
    const e = await rejection(createAnthropicAdapter().complete(request(), target(), new AbortController().signal))
    expect({ status: e.status, upstream: e.upstreamStatus, kind: e.kind, message: e.message }).toEqual({
      status: clientStatus,
      upstream: status,
      kind,
      message,
    })
    expect(upstream.seen).toHaveLength(1) // maxRetries: 0 — retries belong to routing
    if (status === 429)
      expect([e.retryAfterMs, e.code, e.limits?.retryAfterMs]).toEqual([3000, 'rate_limit_exceeded', 3000])
  })

  it('times out when no answer comes within timeoutMs', async () => {
    upstream.handler = () => {} // never answers
    const e = await rejection(
      createAnthropicAdapter().complete(request(), target({ timeoutMs: 200 }), new AbortController().signal),
    )
    expect([e.kind, e.status]).toEqual(['timeout', 504])
  })

  it('times out when the body goes silent for timeoutMs', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' })
      res.write('{"id":"msg_01",')
    }
    const e = await rejection(
      createAnthropicAdapter().complete(request(), target({ timeoutMs: 200 }), new AbortController().signal),
    )
    expect([e.kind, e.status, e.message]).toEqual(['timeout', 504, 'anthropic went silent: no data for 200 ms'])
  })

  it('aborting the signal cancels the call', async () => {
    upstream.handler = () => {}
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    const e = await rejection(createAnthropicAdapter().complete(request(), target(), ac.signal))
    expect([e.kind, e.status]).toEqual(['cancelled', 499])
  })

  it('a refused connection is a connection error', async () => {
    const closed = http.createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    const e = await rejection(
      createAnthropicAdapter().complete(
        request(),
        target({ baseUrl: `http://127.0.0.1:${port}` }),
        new AbortController().signal,
      ),
    )
    expect([e.kind, e.message]).toEqual(['connection', 'could not reach anthropic: ECONNREFUSED'])
  })
})

describe('stream()', () => {
  it('yields the OpenAI chunks, ends with usage, fills meta and ttft when the stream ends', async () => {
    upstream.handler = sse(fixture('tool-call'))
    const up = await createAnthropicAdapter().stream(request(), target(), new AbortController().signal)
    expect(upstream.seen[0]!.body['stream']).toBe(true)
    expect(up.limits?.requests?.remaining).toBe(49)
    expect(up.meta.requestId).toBe('req_011CSHoEeqs5C35K2UUqR7Fy')
    expect(up.meta.usage).toBeNull()
    const { chunks, error } = await drain(up.body)
    expect(error).toBeNull()
    expect(withoutCreated(chunks)).toEqual(withoutCreated(expectedChunks('tool-call')))
    expect(chunks.at(-1)!.choices).toEqual([])
    expect(up.meta.usage).toEqual({
      promptTokens: 377,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      completionTokens: 41,
      reasoningTokens: 0,
    })
    expect(up.meta.usageFinal).toBe(true)
    expect(up.meta.model).toBe('claude-haiku-4-5-20251001')
    expect(up.latency.ttftMs).toBeGreaterThanOrEqual(0)
  })

  it('works with a server that sends no `event:` lines', async () => {
    upstream.handler = sse(fixture('data-only'))
    const up = await createAnthropicAdapter().stream(request(), target(), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(error).toBeNull()
    expect(withoutCreated(chunks)).toEqual(withoutCreated(expectedChunks('text')))
  })

  it('HTTP errors reject stream() itself', async () => {
    upstream.handler = json(
      429,
      { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
      { 'retry-after': '2' },
    )
    const e = await rejection(createAnthropicAdapter().stream(request(), target(), new AbortController().signal))
    expect([e.kind, e.retryAfterMs]).toEqual(['rate_limit', 2000])
  })

  it('an error event mid-stream throws kind stream after the chunks before it', async () => {
    upstream.handler = sse(fixture('error-mid-stream'))
    const up = await createAnthropicAdapter().stream(request(), target(), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual(['', 'Once upon'])
    expect([error?.kind, error?.message, error?.code]).toEqual(['stream', 'Overloaded', 'overloaded'])
    // What is known of a broken stream still reaches the spend table, as message_start's partial count.
    expect(up.meta.usage?.promptTokens).toBe(25)
    expect(up.meta.usageFinal).toBe(false)
  })

  it('an `event: error` whose data has no type still fails the stream', async () => {
    const start = fixture('truncated').toString('utf8').split('\n\n')[0]!
    upstream.handler = sse(
      `${start}\n\nevent: error\ndata: {"error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`,
    )
    const up = await createAnthropicAdapter().stream(request(), target(), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(chunks).toHaveLength(1)
    expect([error?.kind, error?.code, error?.status]).toEqual(['stream', 'overloaded', 503])
  })

  it('a body that ends before message_stop throws kind stream', async () => {
    upstream.handler = sse(fixture('truncated'))
    const up = await createAnthropicAdapter().stream(request(), target(), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(chunks).toHaveLength(2)
    expect([error?.kind, error?.message]).toEqual([
      'stream',
      'anthropic stream broke: the body ended before message_stop',
    ])
  })

  it('a cut connection throws kind stream', async () => {
    upstream.handler = sse(fixture('truncated'), 'destroy')
    const up = await createAnthropicAdapter().stream(request(), target(), new AbortController().signal)
    const { error } = await drain(up.body)
    expect(error?.kind).toBe('stream')
  })

  it('a stream that goes silent for timeoutMs throws kind stream', async () => {
    upstream.handler = sse(fixture('truncated'), false)
    const up = await createAnthropicAdapter().stream(
      request(),
      target({ timeoutMs: 300 }),
      new AbortController().signal,
    )
    const { chunks, error } = await drain(up.body)
    expect(chunks).toHaveLength(2)
    expect([error?.kind, error?.message]).toEqual(['stream', 'anthropic stream broke: no data for 300 ms'])
  })

  it('aborting mid-stream throws kind cancelled', async () => {
    upstream.handler = sse(fixture('truncated'), false)
    const ac = new AbortController()
    const up = await createAnthropicAdapter().stream(request(), target(), ac.signal)
    setTimeout(() => ac.abort(), 50)
    const { error } = await drain(up.body)
    expect([error?.kind, error?.status]).toEqual(['cancelled', 499])
  })

  it('a 200 that is not an event stream is a bad upstream response', async () => {
    upstream.handler = json(200, MESSAGE)
    const e = await rejection(createAnthropicAdapter().stream(request(), target(), new AbortController().signal))
    expect([e.kind, e.code]).toEqual(['server', 'bad_upstream_response'])
  })
})

describe('headers', () => {
  it('each target sends its own key', async () => {
    upstream.handler = json(200, MESSAGE)
    const adapter = createAnthropicAdapter()
    await adapter.complete(request(), target(), new AbortController().signal)
    await adapter.complete(request(), target({ apiKey: 'sk-ant-other-key' }), new AbortController().signal)
    expect(upstream.seen.map((s) => s.headers['x-api-key'])).toEqual([KEY, 'sk-ant-other-key'])
  })

  it("the target's headers are sent, and may set their own Authorization", async () => {
    upstream.handler = json(200, MESSAGE)
    await createAnthropicAdapter().complete(
      request(),
      target({
        headers: {
          'anthropic-beta': 'prompt-caching-2024-07-31',
          Authorization: 'Bearer proxy-token',
          'Anthropic-Version': '2026-10-21',
        },
      }),
      new AbortController().signal,
    )
    expect(upstream.seen[0]!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31')
    expect(upstream.seen[0]!.headers['anthropic-version']).toBe('2026-10-21')
    expect(upstream.seen[0]!.headers['authorization']).toBe('Bearer proxy-token')
    expect(upstream.seen[0]!.headers['x-api-key']).toBe(KEY)
  })
})
