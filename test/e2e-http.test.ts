/**
 * End to end over real HTTP: bad client input always gets an OpenAI-shaped 4xx that names the
 * problem; the other endpoints answer in their documented shapes.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawPost, type Stack, startStack, testConfig } from './harness.ts'

let stack: Stack
let url: string
beforeAll(async () => {
  stack = await startStack({
    config: (sim) =>
      testConfig(
        sim,
        `routes:\n  fast:\n    targets: [openai/gpt-4.1-nano, anthropic/claude-haiku-4-5]\nserver:\n  max_body_bytes: 65536\n`,
      ),
  })
  url = `${stack.hr.url}/v1/chat/completions`
})
afterAll(async () => {
  await stack?.close()
})

function expectOpenAIError(r: Awaited<ReturnType<typeof rawPost>>, status: number) {
  expect(r.status).toBe(status)
  expect(r.headers.get('content-type')).toMatch(/application\/json/)
  expect(r.headers.get('x-request-id')).toBeTruthy()
  const e = r.json.error!
  expect(Object.keys(e).sort()).toEqual(['code', 'message', 'param', 'type'])
  expect(e.message.length).toBeGreaterThan(10)
  return e
}

describe('bad input', () => {
  it('invalid JSON → 400', async () => {
    const e = expectOpenAIError(await rawPost(url, '{"model": "fast", "messages": ['), 400)
    expect(e.message).toMatch(/JSON/)
  })

  it('a body that is not an object → 400', async () => {
    expectOpenAIError(await rawPost(url, '[1,2]'), 400)
    expectOpenAIError(await rawPost(url, ''), 400)
  })

  it('missing messages → 400 naming it', async () => {
    const e = expectOpenAIError(await rawPost(url, JSON.stringify({ model: 'fast' })), 400)
    expect(e.param).toBe('messages')
    expect(e.code).toBe('missing_required_parameter')
  })

  it('wrong types → 400 naming the field', async () => {
    const e = expectOpenAIError(
      await rawPost(
        url,
        JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], temperature: 'warm' }),
      ),
      400,
    )
    expect(e.param).toBe('temperature')
    const e2 = expectOpenAIError(
      await rawPost(url, JSON.stringify({ model: 'fast', messages: [{ role: 'wizard', content: 'hi' }] })),
      400,
    )
    expect(e2.param).toBe('messages[0].role')
    const e3 = expectOpenAIError(
      await rawPost(url, JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 42 }] })),
      400,
    )
    expect(e3.param).toBe('messages[0].content')
  })

  it('empty messages → 400', async () => {
    expectOpenAIError(await rawPost(url, JSON.stringify({ model: 'fast', messages: [] })), 400)
  })

  it('unknown model → 404 model_not_found', async () => {
    const e = expectOpenAIError(
      await rawPost(url, JSON.stringify({ model: 'no-such-route', messages: [{ role: 'user', content: 'hi' }] })),
      404,
    )
    expect(e.code).toBe('model_not_found')
    expect(e.param).toBe('model')
  })

  it('oversized body → 413, whether announced or not', async () => {
    const big = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x'.repeat(100_000) }] })
    expectOpenAIError(await rawPost(url, big), 413)
    // Chunked, with no content-length: the limit still holds while reading.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big))
        c.close()
      },
    })
    const res = await fetch(url, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(413)
  })

  it('a model id that would reach a header (CR/LF, non-ASCII, 20 kB) → 400, never a broken answer', async () => {
    for (const model of ['openai/gpt\r\nX-Injected: 1', 'openai/模型', `openai/${'x'.repeat(20_000)}`]) {
      const r = await rawPost(url, JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }))
      const e = expectOpenAIError(r, 400)
      expect(e.param).toBe('model')
      expect(r.headers.get('x-injected')).toBeNull()
    }
  })

  it('deeply nested JSON and 2,000 messages are answered, not crashed on', async () => {
    const deep = `{"model":"fast","messages":[{"role":"user","content":"hi"}],"metadata":${'['.repeat(5000)}${']'.repeat(5000)}}`
    expectOpenAIError(await rawPost(url, deep), 400)
    const many = await rawPost(
      url,
      JSON.stringify({
        model: 'fast',
        messages: Array.from({ length: 2_000 }, () => ({ role: 'user', content: 'x' })),
      }),
    )
    expect(many.status).toBe(200)
  })

  it('unknown URL → 404 in OpenAI shape', async () => {
    expectOpenAIError(await rawPost(`${stack.hr.url}/v1/nope`, '{}'), 404)
  })

  it('the SDK sees these as typed errors', async () => {
    const err = await stack.client.chat.completions
      .create({ model: 'no-such-route', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
  })

  it('answers with its own x-request-id, and echoes a sane incoming one as x-client-request-id', async () => {
    const r = await rawPost(url, '{', { 'content-type': 'application/json', 'x-request-id': 'my-trace-123' })
    expect(r.headers.get('x-request-id')).toMatch(/^req_/)
    expect(r.headers.get('x-client-request-id')).toBe('my-trace-123')
  })

  it('accepts a body without a JSON content-type (curl -d)', async () => {
    const r = await rawPost(
      url,
      JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'reply: hi' }] }),
      { 'content-type': 'application/x-www-form-urlencoded' },
    )
    expect(r.status).toBe(200)
  })
})

describe('endpoints', () => {
  it('GET /v1/models lists routes and provider/model targets in OpenAI list shape', async () => {
    const list = await stack.client.models.list()
    const ids = list.data.map((m) => m.id)
    expect(ids).toContain('fast')
    expect(ids).toContain('openai/gpt-4.1-nano')
    expect(list.data.every((m) => m.object === 'model')).toBe(true)
  })

  it('answers without the /v1 prefix too (clients whose base URL lacks it)', async () => {
    const r = await rawPost(
      `${stack.hr.url}/chat/completions`,
      JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'reply: hi' }] }),
    )
    expect(r.status).toBe(200)
    expect((await fetch(`${stack.hr.url}/models`)).status).toBe(200)
  })

  it('GET /v1/models/{id} retrieves a listed or resolvable model, 404 otherwise', async () => {
    expect((await stack.client.models.retrieve('fast')).id).toBe('fast')
    expect((await stack.client.models.retrieve('anthropic/claude-sonnet-4-5')).owned_by).toBe('anthropic')
    await expect(stack.client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(OpenAI.NotFoundError)
  })

  it('GET /health says ok', async () => {
    const res = await fetch(`${stack.hr.url}/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok' })
  })

  it('an openai-compatible provider is configuration only, and uses the OpenAI adapter', async () => {
    const r = await stack.client.chat.completions.create({
      model: 'compat/gpt-4o-mini',
      messages: [{ role: 'user', content: 'reply: via compat' }],
    })
    expect(r.choices[0]!.message.content).toBe('via compat')
    const stream = await stack.client.chat.completions.create({
      model: 'compat/gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'reply: streamed too' }],
    })
    let text = ''
    for await (const c of stream) text += c.choices[0]?.delta.content ?? ''
    expect(text).toBe('streamed too')
  })

  it('a route serves from its first target', async () => {
    const { response } = await stack.client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'reply: hi' }] })
      .withResponse()
    expect(response.headers.get('x-headroom-route')).toBe('fast')
    expect(response.headers.get('x-headroom-target')).toBe('openai/gpt-4.1-nano')
    expect(response.headers.get('x-headroom-attempts')).toBe('1')
  })
})
