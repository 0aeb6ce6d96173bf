/**
 * Anthropic Messages requests passed through, against a small Anthropic-shaped server on 127.0.0.1 that
 * answers with the recorded bodies and streams of __fixtures__: the body goes up untouched but for the model,
 * the answer comes back byte for byte, and what the call cost is read on the way.
 */
import { describe, expect, it } from 'vitest'
import { nativeFrames, rejection, useRecordedUpstream } from '../__fixtures__/recorded-upstream.ts'
import type { NativeRequest, Target } from '../types.ts'
import { fixture, json, MESSAGE, RATE_HEADERS, sse, testTarget } from './__fixtures__/upstream.ts'
import { createAnthropicAdapter } from './index.ts'

const { upstream, base } = useRecordedUpstream()

const KEY = 'sk-ant-api03-test-key-123'
const target = (over: Partial<Target> = {}): Target =>
  testTarget({ apiKey: KEY, baseUrl: base(), timeoutMs: 2000, ...over })

/** A body with fields Headroom has no schema for: all must reach the upstream exactly. */
const BODY = {
  model: 'claude',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather?', cache_control: { type: 'ephemeral' } }] }],
  thinking: { type: 'enabled', budget_tokens: 2048 },
  top_k: 5,
  metadata: { user_id: 'u-42' },
  service_tier: 'standard_only',
  some_future_field: { nested: [1, 'two', null] },
}

const request = (stream: boolean, headers: Record<string, string> = {}): NativeRequest => ({
  api: 'anthropic-messages',
  body: stream ? { ...BODY, stream: true } : BODY,
  stream,
  headers,
})

const signal = () => new AbortController().signal

describe('native() JSON', () => {
  it('sends the body as it came but for the model, with the key; returns the body as it came, usage with cache', async () => {
    const sent = JSON.stringify(MESSAGE)
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...RATE_HEADERS })
      res.end(sent)
    }
    const adapter = createAnthropicAdapter()
    expect([...adapter.nativeApis!]).toEqual(['anthropic-messages'])
    const up = await adapter.native!(request(false), target(), signal())

    const s = upstream.seen[0]!
    expect([s.method, s.url]).toEqual(['POST', '/v1/messages'])
    expect(s.body).toEqual({ ...BODY, model: 'claude-haiku-4-5' })
    expect(Object.keys(s.body)).toEqual(Object.keys(BODY))
    expect(s.headers['x-api-key']).toBe(KEY)
    expect(s.headers['anthropic-version']).toBe('2023-06-01')
    expect(s.headers.accept).toBe('application/json')

    expect(up.body).toMatchObject({ kind: 'json', body: sent })
    expect(up.body.text()).toBe('Sunny, 21 °C.')
    expect(up.meta).toEqual({
      usage: { promptTokens: 120, cachedTokens: 100, cacheWriteTokens: 0, completionTokens: 7, reasoningTokens: 0 },
      usageFinal: true,
      model: 'claude-haiku-4-5-20251001',
      finishReasons: ['end_turn'],
      requestId: 'req_011CSHoEeqs5C35K2UUqR7Fy',
      warnings: [],
    })
    expect(up.limits?.requests).toEqual({ limit: 50, remaining: 49, resetAt: Date.parse('2030-01-01T00:00:01Z') })
  })

  it('the client’s anthropic-version wins; its anthropic-beta joins the target’s', async () => {
    upstream.handler = json(200, MESSAGE)
    const headers = {
      'anthropic-version': '2024-01-01',
      'anthropic-beta': 'context-1m-2025-08-07, files-api-2025-04-14',
    }
    const t = target({ headers: { 'anthropic-beta': 'files-api-2025-04-14', 'x-proxy': 'p' } })
    await createAnthropicAdapter().native!(request(false, headers), t, signal())
    const h = upstream.seen[0]!.headers
    expect(h['anthropic-version']).toBe('2024-01-01')
    expect(h['anthropic-beta']).toBe('files-api-2025-04-14,context-1m-2025-08-07')
    expect(h['x-proxy']).toBe('p')
    expect(h['x-api-key']).toBe(KEY)
  })

  it('a header value no header can carry is a 400 naming it, before anything is sent', async () => {
    const req = request(false, { 'anthropic-beta': 'a\r\nx-api-key: stolen' })
    const err = await rejection(createAnthropicAdapter().native!(req, target(), signal()))
    expect([err.status, err.kind, err.param]).toEqual([400, 'bad_request', 'anthropic-beta'])
    expect(upstream.seen).toEqual([])
  })

  it.each([
    [401, 'authentication_error', 'invalid x-api-key', {}, 401, 'auth'],
    [
      429,
      'rate_limit_error',
      'Number of requests has exceeded your rate limit',
      { 'retry-after': '3' },
      429,
      'rate_limit',
    ],
    [529, 'overloaded_error', 'Overloaded', {}, 503, 'overloaded'],
  ] as const)(
    'HTTP %i %s → ProviderError (status %i, kind %s)',
    async (status, type, message, headers, clientStatus, kind) => {
      upstream.handler = json(status, { type: 'error', error: { type, message } }, headers)
      const err = await rejection(createAnthropicAdapter().native!(request(false), target(), signal()))
      expect([err.status, err.upstreamStatus, err.kind, err.message]).toEqual([clientStatus, status, kind, message])
      if (status === 429) expect(err.retryAfterMs).toBe(3000)
      expect(err.message).not.toContain(KEY)
    },
  )
})

describe('native() stream', () => {
  it('yields the upstream’s bytes exactly, whole events per frame; usage from message_delta, final at message_stop', async () => {
    const bytes = fixture('usage')
    upstream.handler = sse(bytes)
    const up = await createAnthropicAdapter().native!(request(true), target(), signal())
    expect(upstream.seen[0]!.body).toEqual({ ...BODY, stream: true, model: 'claude-haiku-4-5' })
    expect(upstream.seen[0]!.headers.accept).toBe('text/event-stream')
    const { frames: fs, error } = await nativeFrames(up.body)
    expect(error).toBeNull()
    expect(fs.map((f) => f.data).join('')).toBe(bytes.toString('utf8'))
    for (const f of fs) expect(f.data.endsWith('\n\n')).toBe(true)
    // The first frame with output is the one with the text delta; none before it has any.
    const first = fs.findIndex((f) => f.content)
    expect(fs[first]!.data).toContain('"text_delta"')
    expect(fs.slice(0, first).some((f) => f.data.includes('_delta'))).toBe(false)
    expect(up.latency.ttftMs).toBeGreaterThanOrEqual(0)
    expect(up.meta).toMatchObject({
      usage: { promptTokens: 12 + 512 + 2048, cachedTokens: 2048, cacheWriteTokens: 512, completionTokens: 30 },
      usageFinal: true,
      model: 'claude-sonnet-4-5-20250929',
      finishReasons: ['end_turn'],
      requestId: 'req_011CSHoEeqs5C35K2UUqR7Fy',
    })
    expect(up.body.text()).toBe('Cached answer.')
  })

  it.each(['text', 'tool-call', 'thinking', 'parallel-tools', 'data-only'])(
    '%s: the bytes come back exactly',
    async (name) => {
      const bytes = fixture(name)
      upstream.handler = sse(bytes)
      const up = await createAnthropicAdapter().native!(request(true), target(), signal())
      const { frames: fs, error } = await nativeFrames(up.body)
      expect(error).toBeNull()
      expect(fs.map((f) => f.data).join('')).toBe(bytes.toString('utf8'))
      expect(fs.some((f) => f.content)).toBe(true)
      expect(up.meta.usageFinal).toBe(true)
      expect(up.body.text().length).toBeGreaterThan(0)
    },
  )

  it('a tool call’s name and arguments are its text', async () => {
    upstream.handler = sse(fixture('tool-call'))
    const up = await createAnthropicAdapter().native!(request(true), target(), signal())
    await nativeFrames(up.body)
    expect(up.body.text()).toMatch(/get_weather.*\{.*\}/s)
  })

  it('an error event mid-stream: the frames before it, then a ProviderError; the event itself is not passed on', async () => {
    upstream.handler = sse(fixture('error-mid-stream'))
    const up = await createAnthropicAdapter().native!(request(true), target(), signal())
    const { frames: fs, error } = await nativeFrames(up.body)
    expect(error?.kind).toBe('stream')
    expect(error?.code).toBe('overloaded')
    expect(error?.message).toBe('Overloaded')
    const sent = fs.map((f) => f.data).join('')
    expect(sent).toContain('Once upon')
    expect(sent).not.toContain('event: error')
    expect(up.meta.usageFinal).toBe(false)
    expect(up.meta.usage?.promptTokens).toBe(25)
  })

  it('a stream cut before message_stop: ProviderError kind stream, usage not final', async () => {
    upstream.handler = sse(fixture('cut-before-stop'))
    const up = await createAnthropicAdapter().native!(request(true), target(), signal())
    const { error } = await nativeFrames(up.body)
    expect([error?.kind, error?.status]).toEqual(['stream', 502])
    expect(up.meta.usageFinal).toBe(false)
  })

  it('a socket cut mid-stream: ProviderError kind stream', async () => {
    upstream.handler = sse(fixture('text').subarray(0, 300), 'destroy')
    const up = await createAnthropicAdapter().native!(request(true), target(), signal())
    const { error } = await nativeFrames(up.body)
    expect(error?.kind).toBe('stream')
  })
})

describe('countTokens()', () => {
  it('POSTs /v1/messages/count_tokens with the body and the target’s model, the client’s headers, the key', async () => {
    upstream.handler = json(200, { input_tokens: 2095 }, RATE_HEADERS)
    const body = { model: 'claude', system: 'Be brief.', messages: BODY.messages, thinking: BODY.thinking }
    const headers = { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'token-counting-2024-11-01' }
    const n = await createAnthropicAdapter().countTokens!('anthropic-messages', body, headers, target(), signal())
    const s = upstream.seen[0]!
    expect([s.method, s.url]).toEqual(['POST', '/v1/messages/count_tokens'])
    expect(s.body).toEqual({ ...body, model: 'claude-haiku-4-5' })
    expect([s.headers['x-api-key'], s.headers['anthropic-beta']]).toEqual([KEY, 'token-counting-2024-11-01'])
    expect(n.inputTokens).toBe(2095)
    expect(n.limits?.requests?.remaining).toBe(49)
  })

  it('an answer without input_tokens is a bad response; an error answer is the provider’s error', async () => {
    upstream.handler = json(200, { tokens: 1 })
    const bad = await rejection(
      createAnthropicAdapter().countTokens!('anthropic-messages', BODY, {}, target(), signal()),
    )
    expect(bad.code).toBe('bad_upstream_response')
    upstream.handler = json(
      429,
      { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
      { 'retry-after': '1' },
    )
    const limited = await rejection(
      createAnthropicAdapter().countTokens!('anthropic-messages', BODY, {}, target(), signal()),
    )
    expect([limited.kind, limited.retryAfterMs]).toEqual(['rate_limit', 1000])
  })
})

describe('native() stream, ended early', () => {
  it('the consumer leaves after the first frame: the upstream call ends (its socket closes), usage so far in meta', async () => {
    let closed!: () => void
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve))
    const hang = sse(fixture('text'), false)
    upstream.handler = (req, res) => {
      res.on('close', closed)
      hang(req, res)
    }
    const up = await createAnthropicAdapter().native!(request(true), target(), signal())
    if (up.body.kind !== 'stream') throw new Error('not a stream')
    const it = up.body.frames[Symbol.asyncIterator]()
    expect((await it.next()).done).toBe(false)
    await it.return!()
    await upstreamClosed
    expect(up.meta.usage?.promptTokens).toBeGreaterThan(0)
    expect(up.meta.usageFinal).toBe(false)
  })

  it('an upstream gone silent mid-stream for the target’s timeout: ProviderError kind stream', async () => {
    upstream.handler = sse(fixture('text').subarray(0, 400), false)
    const up = await createAnthropicAdapter().native!(request(true), target({ timeoutMs: 300 }), signal())
    const { error } = await nativeFrames(up.body)
    expect([error?.kind, error?.code]).toEqual(['stream', 'stream_error'])
  })

  it('a 200 that is not an event stream: a bad response (kind server), nothing yielded', async () => {
    upstream.handler = json(200, MESSAGE)
    const err = await rejection(createAnthropicAdapter().native!(request(true), target(), signal()))
    expect([err.kind, err.code]).toEqual(['server', 'bad_upstream_response'])
  })

  it('the call’s signal aborted mid-stream: ProviderError kind cancelled', async () => {
    upstream.handler = sse(fixture('text'), false)
    const ac = new AbortController()
    const up = await createAnthropicAdapter().native!(request(true), target(), ac.signal)
    if (up.body.kind !== 'stream') throw new Error('not a stream')
    const it = up.body.frames[Symbol.asyncIterator]()
    await it.next()
    ac.abort()
    const err = await rejection(
      (async () => {
        for (;;) if ((await it.next()).done) return
      })(),
    )
    expect(err.kind).toBe('cancelled')
  })
})
