/**
 * OpenAI requests passed through (Responses and chat completions), against a recorded upstream on
 * 127.0.0.1: the body goes up untouched but for the model, the answer comes back byte for byte.
 * The Responses fixtures were recorded from the simulator (src/simulator/responses.ts); the failed and
 * error streams are cut from them, with the events OpenAI documents.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nativeFrames, rejection, sseHandler, useRecordedUpstream } from '../__fixtures__/recorded-upstream.ts'
import { mistral as mistralPreset } from '../openai-compatible/mistral.ts'
import type { NativeRequest, Target } from '../types.ts'
import { createOpenAIAdapter } from './index.ts'
import { openaiNative } from './native.ts'

const { upstream, base } = useRecordedUpstream()
const KEY = 'sk-test-secret'
const adapter = createOpenAIAdapter()

function target(over: Partial<Target> = {}): Target {
  return {
    id: 'openai/gpt-4.1-mini',
    provider: 'openai',
    type: 'openai',
    model: 'gpt-4.1-mini',
    keyAlias: 'openai#1',
    stateId: 'openai#1/gpt-4.1-mini',
    apiKey: KEY,
    baseUrl: `${base()}/v1`,
    timeoutMs: 5000,
    ...over,
  }
}

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '__fixtures__', name), 'utf8')
const HEADERS = {
  'x-request-id': 'req_abc',
  'x-ratelimit-limit-requests': '500',
  'x-ratelimit-remaining-requests': '499',
}

const RESPONSES_BODY = {
  model: 'smart',
  input: [{ role: 'user', content: [{ type: 'input_text', text: 'Say hello' }] }],
  instructions: 'Be brief.',
  max_output_tokens: 64,
  metadata: { user_id: 'u-42' },
  service_tier: 'flex',
  reasoning: { effort: 'low', summary: 'auto' },
  prompt_cache_key: 'k-1',
  include: ['reasoning.encrypted_content'],
  some_future_field: { nested: [1, 'two', null] },
}

const responses = (stream: boolean): NativeRequest => ({
  api: 'openai-responses',
  body: stream ? { ...RESPONSES_BODY, stream: true } : RESPONSES_BODY,
  stream,
  headers: {},
})

const signal = () => new AbortController().signal

describe('openai-responses', () => {
  it('POSTs {base_url}/responses with the body untouched but for the model; the body comes back as it came', async () => {
    const answer = JSON.parse(fixture('responses-text.json')) as Record<string, unknown>
    answer['usage'] = {
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 1024 },
      output_tokens: 40,
      output_tokens_details: { reasoning_tokens: 24 },
      total_tokens: 1240,
    }
    const sent = JSON.stringify(answer)
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...HEADERS })
      res.end(sent)
    }
    expect([...adapter.nativeApis!]).toEqual(['openai-chat', 'openai-responses'])
    const up = await adapter.native!(responses(false), target(), signal())
    const s = upstream.seen[0]!
    expect([s.method, s.url]).toEqual(['POST', '/v1/responses'])
    expect(s.body).toEqual({ ...RESPONSES_BODY, model: 'gpt-4.1-mini' })
    expect(Object.keys(s.body)).toEqual(Object.keys(RESPONSES_BODY))
    expect(s.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(up.body).toMatchObject({ kind: 'json', body: sent })
    expect(up.body.text()).toBe(
      'careful giant brown rapid purple answer lazy happy yellow evening signal purple happy west blue blue',
    )
    expect(up.meta).toEqual({
      usage: { promptTokens: 1200, cachedTokens: 1024, cacheWriteTokens: 0, completionTokens: 40, reasoningTokens: 24 },
      usageFinal: true,
      model: 'gpt-4.1-mini-2025-04-14',
      finishReasons: ['completed'],
      requestId: 'req_abc',
      warnings: [],
    })
    expect(up.limits?.requests).toMatchObject({ limit: 500, remaining: 499 })
  })

  it('an incomplete response: its incomplete_details.reason is the finish reason', async () => {
    const answer = JSON.parse(fixture('responses-text.json')) as Record<string, unknown>
    const sent = JSON.stringify({
      ...answer,
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    })
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(sent)
    }
    const up = await adapter.native!(responses(false), target(), signal())
    expect(up.meta.finishReasons).toEqual(['max_output_tokens'])
  })

  it('a stream: the bytes exactly, output from the first text delta, usage at response.completed', async () => {
    const bytes = fixture('responses-text.chunks.txt')
    upstream.handler = sseHandler(bytes, HEADERS)
    const up = await adapter.native!(responses(true), target(), signal())
    expect(upstream.seen[0]!.body).toEqual({ ...RESPONSES_BODY, stream: true, model: 'gpt-4.1-mini' })
    const { frames: fs, error } = await nativeFrames(up.body)
    expect(error).toBeNull()
    expect(fs.map((f) => f.data).join('')).toBe(bytes)
    for (const f of fs) expect(f.data.endsWith('\n\n')).toBe(true)
    const first = fs.findIndex((f) => f.content)
    expect(fs[first]!.data).toContain('response.output_text.delta')
    expect(fs.slice(0, first).some((f) => f.data.includes('.delta'))).toBe(false)
    expect(up.meta).toMatchObject({
      usage: { promptTokens: 10, cachedTokens: 0, completionTokens: 16, reasoningTokens: 0 },
      usageFinal: true,
      model: 'gpt-4.1-mini-2025-04-14',
      finishReasons: ['completed'],
    })
    expect(up.body.text()).toBe(
      'careful giant brown rapid purple answer lazy happy yellow evening signal purple happy west blue blue',
    )
  })

  it('a function call is output from its output_item.added; its name and arguments are the text', async () => {
    const bytes = fixture('responses-tool-call.chunks.txt')
    upstream.handler = sseHandler(bytes, HEADERS)
    const up = await adapter.native!(responses(true), target(), signal())
    const { frames: fs } = await nativeFrames(up.body)
    expect(fs.map((f) => f.data).join('')).toBe(bytes)
    expect(fs.find((f) => f.content)!.data).toContain('response.output_item.added')
    expect(up.body.text()).toMatch(/^get_weather\{.*\}$/)
  })

  it.each([
    ['responses-failed.chunks.txt', 'response.failed', 'server_error'],
    ['responses-error.chunks.txt', 'event: error', 'rate_limit_exceeded'],
  ])('%s: the frames before it, then ProviderError (kind stream, code from the event)', async (name, mark, code) => {
    upstream.handler = sseHandler(fixture(name), HEADERS)
    const up = await adapter.native!(responses(true), target(), signal())
    const { frames: fs, error } = await nativeFrames(up.body)
    expect([error?.kind, error?.code]).toEqual(['stream', code])
    const sent = fs.map((f) => f.data).join('')
    expect(sent).toContain('response.output_text.delta')
    expect(sent).not.toContain(mark)
  })

  it('a stream cut before response.completed: ProviderError kind stream', async () => {
    upstream.handler = sseHandler(fixture('responses-cut.chunks.txt'), HEADERS)
    const up = await adapter.native!(responses(true), target(), signal())
    const { error } = await nativeFrames(up.body)
    expect(error?.kind).toBe('stream')
    expect(up.meta.usageFinal).toBe(false)
  })

  it('HTTP 429 with retry-after → rate_limit with the wait; 401 → auth', async () => {
    const body = {
      error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded', param: null },
    }
    upstream.handler = (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' })
      res.end(JSON.stringify(body))
    }
    const err = await rejection(adapter.native!(responses(true), target(), signal()))
    expect([err.status, err.kind, err.retryAfterMs]).toEqual([429, 'rate_limit', 2000])
    upstream.handler = (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }))
    }
    const auth = await rejection(adapter.native!(responses(false), target(), signal()))
    expect([auth.status, auth.kind]).toEqual([401, 'auth'])
  })

  it('compatible servers pass chat completions through, not Responses', () => {
    expect([...createOpenAIAdapter('groq').nativeApis!]).toEqual(['openai-chat'])
  })
})

const CHAT_BODY = {
  model: 'fast',
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 50,
  temperature: 0.2,
  metadata: { user_id: 'u-42' },
  service_tier: 'flex',
  some_future_field: true,
}

const chat = (stream: boolean, over: Record<string, unknown> = {}): NativeRequest => ({
  api: 'openai-chat',
  body: { ...CHAT_BODY, ...(stream ? { stream: true } : {}), ...over },
  stream,
  headers: {},
})

describe('openai-chat', () => {
  it('POSTs /chat/completions with the body untouched but for the model', async () => {
    const sent = JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4.1-mini-2025-04-14',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 30,
        completion_tokens: 1,
        total_tokens: 31,
        prompt_tokens_details: { cached_tokens: 20 },
      },
    })
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...HEADERS })
      res.end(sent)
    }
    const up = await adapter.native!(chat(false), target(), signal())
    expect(upstream.seen[0]!.url).toBe('/v1/chat/completions')
    expect(upstream.seen[0]!.body).toEqual({ ...CHAT_BODY, model: 'gpt-4.1-mini' })
    expect(up.body).toMatchObject({ kind: 'json', body: sent })
    expect(up.meta.usage).toEqual({
      promptTokens: 30,
      cachedTokens: 20,
      cacheWriteTokens: 0,
      completionTokens: 1,
      reasoningTokens: 0,
    })
    expect(up.body.text()).toBe('Hello')
  })

  it('a reasoning model: max_tokens goes as max_completion_tokens, the refused sampling parameter is dropped, both named', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}')
    }
    const t = target({ model: 'o4-mini', reasoning: { refusesParallelToolCalls: true } })
    const up = await adapter.native!(chat(false), t, signal())
    const { max_tokens: _m, temperature: _t, ...rest } = CHAT_BODY
    expect(upstream.seen[0]!.body).toEqual({ ...rest, model: 'o4-mini', max_completion_tokens: 50 })
    expect(up.meta.warnings).toHaveLength(2)
  })

  it('a stream the client asked no usage of: usage asked upstream, its chunk left out, the rest exactly', async () => {
    const bytes = fixture('usage.chunks.txt')
    upstream.handler = sseHandler(bytes, HEADERS)
    const up = await adapter.native!(chat(true), target(), signal())
    expect(upstream.seen[0]!.body['stream_options']).toEqual({ include_usage: true })
    const { frames: fs, error } = await nativeFrames(up.body)
    expect(error).toBeNull()
    const events = bytes.split(/(?<=\n\n)/)
    const usageEvent = events.find((e) => e.includes('"choices":[]'))!
    expect(fs.map((f) => f.data).join('')).toBe(events.filter((e) => e !== usageEvent).join(''))
    expect(up.meta.usageFinal).toBe(true)
    expect(up.meta.usage?.cachedTokens).toBeGreaterThan(0)
    expect(up.meta.finishReasons).toEqual(['stop'])
  })

  it('a stream the client asked usage of: every byte, its stream_options kept', async () => {
    const bytes = fixture('usage.chunks.txt')
    upstream.handler = sseHandler(bytes, HEADERS)
    const opts = { include_usage: true, include_obfuscation: false }
    const up = await adapter.native!(chat(true, { stream_options: opts }), target(), signal())
    expect(upstream.seen[0]!.body['stream_options']).toEqual(opts)
    const { frames: fs } = await nativeFrames(up.body)
    expect(fs.map((f) => f.data).join('')).toBe(bytes)
    expect(up.body.text()).toBe('Cached answer.')
  })

  it('a compatible server’s quirks apply as on the translated path (Mistral’s random_seed)', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}')
    }
    const mistral = mistralPreset.createAdapter()
    await mistral.native!(
      chat(false, { seed: 7 }),
      target({ type: 'mistral', model: 'mistral-small-latest' }),
      signal(),
    )
    const sent = upstream.seen[0]!.body
    expect([sent['random_seed'], sent['seed'], sent['some_future_field']]).toEqual([7, undefined, true])
  })

  it('an error chunk mid-stream: ProviderError kind stream', async () => {
    upstream.handler = sseHandler(fixture('error-mid-stream.chunks.txt'), HEADERS)
    const up = await adapter.native!(chat(true), target(), signal())
    const { error } = await nativeFrames(up.body)
    expect(error?.kind).toBe('stream')
  })
})

describe('a passed-through chat stream read as it passes', () => {
  // Text deltas after the first chunk are read without JSON.parse when they have its fields
  // (stream-transform.ts, textDelta): each case must read as a JSON.parse of every chunk would.
  const decoder = (includeUsage = true) =>
    openaiNative({
      prepare: () => {
        throw new Error('not called')
      },
      quirksOf: () => undefined,
      responses: false,
    }).streamDecoder('openai-chat', target(), {
      api: 'openai-chat',
      body: includeUsage ? { stream_options: { include_usage: true } } : {},
      stream: true,
      headers: {},
    } as unknown as NativeRequest)
  const head = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1-mini-x","choices":['
  const choice = (index: number, delta: string, finish: string | null = null) =>
    `{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}`
  const chunk = (choices: string, usage = 'null') => `${head}${choices}],"usage":${usage}}`
  const usage = '{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}'

  it('text with escapes, a finish and the usage chunk: the same text, usage and returns', () => {
    const d = decoder()
    const returns = [
      chunk(choice(0, '{"role":"assistant","content":"","refusal":null}')),
      chunk(choice(0, '{"content":"Say \\"hi\\"\\n"}')),
      chunk(choice(0, '{"content":""}')),
      chunk(choice(0, '{"content":"caf\\u00e9 \\ud83d\\ude00\\/\\\\"}')),
      `${head}${choice(0, '{"content":"!"}')}]}`,
      chunk(choice(0, '{}', 'stop')),
      chunk('', usage),
      '[DONE]',
    ].map((data) => d.onEvent(undefined, data))
    expect(returns).toEqual([false, true, false, true, true, false, false, false])
    expect(d.text()).toBe('Say "hi"\ncafé 😀/\\!')
    expect([d.model, d.usage?.completionTokens, d.usageFinal, d.finishReasons, d.done]).toEqual([
      'gpt-4.1-mini-x',
      4,
      true,
      ['stop'],
      true,
    ])
  })

  it('a choice seen only in text deltas that never finishes: the usage is not the closing count', () => {
    const d = decoder()
    d.onEvent(undefined, chunk(choice(0, '{"role":"assistant","content":""}')))
    d.onEvent(undefined, chunk(choice(1, '{"content":"b"}')))
    d.onEvent(undefined, chunk(choice(0, '{"content":"a"}')))
    d.onEvent(undefined, chunk(choice(0, '{}', 'stop')))
    d.onEvent(undefined, chunk('', usage))
    expect([d.usage?.completionTokens, d.usageFinal, d.text()]).toEqual([4, false, 'ba'])
  })

  it('a delta that is not the first chunk’s shape is parsed: usage on it, another id, a bad escape', () => {
    const d = decoder()
    d.onEvent(undefined, chunk(choice(0, '{"role":"assistant","content":""}')))
    expect(d.onEvent(undefined, chunk(choice(0, '{"content":"x"}'), usage))).toBe(true)
    expect(d.usage?.completionTokens).toBe(4)
    expect(d.onEvent(undefined, chunk(choice(0, '{"content":"y"}')).replace('chatcmpl-1', 'chatcmpl-2'))).toBe(true)
    expect(d.text()).toBe('xy')
    expect(() => d.onEvent(undefined, chunk(choice(0, '{"content":"bad \\x"}')))).toThrow(/malformed/)
    expect(() => d.onEvent(undefined, chunk(choice(0, '{"content":"cut')))).toThrow(/malformed/)
  })

  it('the usage chunk only Headroom asked for is still left out', () => {
    const d = decoder(false)
    d.onEvent(undefined, chunk(choice(0, '{"role":"assistant","content":""}')))
    expect(d.onEvent(undefined, chunk(choice(0, '{"content":"x"}')))).toBe(true)
    expect(d.onEvent(undefined, chunk('', usage))).toBe('drop')
  })
})

describe('an API the adapter does not pass through', () => {
  it('is refused before anything is sent, as unsupported (the route moves on)', async () => {
    const err = await rejection(createOpenAIAdapter('groq').native!(responses(false), target(), signal()))
    expect([err.kind, err.code]).toEqual(['unsupported', 'unsupported_api'])
    expect(upstream.seen).toEqual([])
  })
})
