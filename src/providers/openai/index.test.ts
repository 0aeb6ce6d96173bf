/**
 * The OpenAI adapter over real HTTP against a recorded upstream: what the transport does with silence,
 * cuts, aborts and repeated headers. (Conversion is covered from fixtures; the e2e suites cover the rest.)
 */
import { describe, expect, it } from 'vitest'
import { useRecordedUpstream } from '../__fixtures__/recorded-upstream.ts'
import type { ChatChunk, ChatRequest } from '../openai-schema.ts'
import { ProviderError, type Target } from '../types.ts'
import { createOpenAIAdapter } from './index.ts'

const { upstream, base } = useRecordedUpstream()
const adapter = createOpenAIAdapter()
const request = (): ChatRequest =>
  ({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }) as ChatRequest

function target(over: Partial<Target> = {}): Target {
  return {
    id: 'openai/gpt-4.1-mini',
    provider: 'openai',
    type: 'openai',
    model: 'gpt-4.1-mini',
    keyAlias: 'openai#1',
    stateId: 'openai#1/gpt-4.1-mini',
    apiKey: 'sk-test-secret',
    baseUrl: `${base()}/v1`,
    timeoutMs: 5000,
    ...over,
  }
}

const COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4.1-mini-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
}
const CHUNK = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`

async function drain(
  body: AsyncIterable<ChatChunk>,
): Promise<{ chunks: ChatChunk[]; error: ProviderError | undefined }> {
  const chunks: ChatChunk[] = []
  try {
    for await (const c of body) chunks.push(c)
    return { chunks, error: undefined }
  } catch (err) {
    return { chunks, error: err as ProviderError }
  }
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p
  } catch (err) {
    return err as ProviderError
  }
  throw new Error('expected a failure')
}

describe('openai adapter transport', () => {
  it('sends the key as a bearer token and reads the rate-limit headers', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-ratelimit-remaining-requests': '99',
        'x-ratelimit-limit-requests': '100',
        'x-ratelimit-reset-requests': '6m0s',
      })
      res.end(JSON.stringify(COMPLETION))
    }
    const up = await adapter.complete(request(), target(), new AbortController().signal)
    expect(up.body.choices[0]?.message.content).toBe('Hello')
    expect(upstream.seen[0]?.headers.authorization).toBe('Bearer sk-test-secret')
    expect(upstream.seen[0]?.url).toBe('/v1/chat/completions')
    expect(up.limits?.requests?.remaining).toBe(99)
  })

  it("the target's headers are sent once each, and may replace the Authorization", async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(COMPLETION))
    }
    await adapter.complete(
      request(),
      target({ headers: { 'openai-organization': 'org-1', authorization: 'Bearer proxy-token' } }),
      new AbortController().signal,
    )
    expect(upstream.seen[0]?.headers['openai-organization']).toBe('org-1')
    expect(upstream.seen[0]?.headers.authorization).toBe('Bearer proxy-token')
  })

  it('no response headers within timeoutMs → kind timeout (504)', async () => {
    upstream.handler = () => {} // never answers
    const err = await failure(adapter.complete(request(), target({ timeoutMs: 200 }), new AbortController().signal))
    expect([err.kind, err.status, err.message]).toEqual(['timeout', 504, 'openai timed out: no response within 200 ms'])
  })

  it('a JSON body that goes silent for timeoutMs → an error naming the silence', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
      res.write('{"id":')
    }
    const err = await failure(adapter.complete(request(), target({ timeoutMs: 200 }), new AbortController().signal))
    expect(err).toBeInstanceOf(ProviderError)
    expect(err.message).toContain('no data for 200 ms')
  })

  it('a stream that goes silent for timeoutMs → kind stream, after the chunks that came', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(CHUNK('Hel'))
    }
    const up = await adapter.stream(request(), target({ timeoutMs: 200 }), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(chunks).toHaveLength(1)
    expect([error?.kind, error?.message]).toEqual(['stream', 'openai stream broke: no data for 200 ms'])
  })

  it('a cut connection mid-stream → kind stream', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(CHUNK('Hel'), () => setTimeout(() => res.socket?.destroy(), 20))
    }
    const up = await adapter.stream(request(), target(), new AbortController().signal)
    const { chunks, error } = await drain(up.body)
    expect(chunks).toHaveLength(1)
    expect(error?.kind).toBe('stream')
  })

  it('a stream that ends without [DONE] → kind stream', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.end(CHUNK('Hel'))
    }
    const up = await adapter.stream(request(), target(), new AbortController().signal)
    const { error } = await drain(up.body)
    expect([error?.kind, error?.message]).toEqual(['stream', 'openai stream ended before [DONE]'])
  })

  it('aborting before the headers and mid-stream → kind cancelled', async () => {
    upstream.handler = () => {}
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    expect((await failure(adapter.complete(request(), target(), ac.signal))).kind).toBe('cancelled')

    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(CHUNK('Hel'))
    }
    const ac2 = new AbortController()
    const up = await adapter.stream(request(), target(), ac2.signal)
    setTimeout(() => ac2.abort(), 50)
    const { error } = await drain(up.body)
    expect(error?.kind).toBe('cancelled')
  })

  it('an abort with a reason (the route deadline) is a cancel too, never a fault for the breaker', async () => {
    upstream.handler = () => {}
    const ac = new AbortController()
    setTimeout(() => ac.abort(new Error('the route deadline passed')), 50)
    expect((await failure(adapter.complete(request(), target(), ac.signal))).kind).toBe('cancelled')

    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(CHUNK('Hel'))
    }
    const ac2 = new AbortController()
    const up = await adapter.stream(request(), target(), ac2.signal)
    setTimeout(() => ac2.abort(new Error('the route deadline passed')), 50)
    expect((await drain(up.body)).error?.kind).toBe('cancelled')
  })

  it('a stream answered with HTML → a bad-response error, and the unread body is dropped quietly', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.write('<html>'.repeat(10_000))
    }
    const err = await failure(adapter.stream(request(), target(), new AbortController().signal))
    expect([err.status, err.message]).toEqual([502, expect.stringContaining('content-type "text/html"')])
  })

  it('a refused connection → kind connection (502)', async () => {
    const err = await failure(
      adapter.complete(request(), target({ baseUrl: 'http://127.0.0.1:9/v1' }), new AbortController().signal),
    )
    expect([err.kind, err.status]).toEqual(['connection', 502])
  })

  it('an HTTP error keeps its status and message; the keep-alive socket stays usable', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' })
      res.end(
        JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }),
      )
    }
    const err = await failure(adapter.complete(request(), target(), new AbortController().signal))
    expect([err.status, err.message, err.retryAfterMs]).toEqual([429, 'Rate limit reached', 2000])
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(COMPLETION))
    }
    for (let i = 0; i < 3; i++)
      expect((await adapter.complete(request(), target(), new AbortController().signal)).body.id).toBe('chatcmpl-1')
  })
})
