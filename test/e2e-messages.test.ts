/**
 * `POST /v1/messages` and `/v1/messages/count_tokens` end to end: the real `@anthropic-ai/sdk` against the
 * real server and simulator, with Anthropic, OpenAI and Gemini targets behind it — text, streams, tool use
 * and its result, token counts, failover across providers, spend rows and Headroom's headers — and
 * hostile input answered in Anthropic's error shape (https://docs.anthropic.com/en/api/errors), never a 500.
 */
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { rawPost, type Stack, startStack, testConfig } from './harness.ts'

const CLIENT_KEY = 'client-secret-msg-123'
const LIMITED_KEY = 'client-secret-lim-456'
const MODELS = ['anthropic/claude-haiku-4-5', 'openai/gpt-4.1-mini', 'google/gemini-2.5-flash']

let stack: Stack
let client: Anthropic

const ROUTES = `keys:
  - { name: team, key: ${CLIENT_KEY} }
  - { name: narrow, key: ${LIMITED_KEY}, routes: [to-openai] }
routes:
  to-openai: { targets: [openai/gpt-4.1-mini] }
  mixed: { strategy: ordered, targets: [openai/gpt-4.1-mini, google/gemini-2.5-flash, anthropic/claude-haiku-4-5] }
${[
  ['', 'claude-haiku-4-5', 'gpt-4.1-mini', 'gemini-2.5-flash'],
  ['-stream', 'claude-sonnet-4-5', 'gpt-4.1-nano', 'gemini-2.5-flash-lite'],
]
  .map(
    ([
      s,
      claude,
      gpt,
      gemini,
    ]) => `  anthropic-first${s}: { strategy: ordered, targets: [anthropic-badkey/${claude}, openai/gpt-4.1-mini] }
  openai-first${s}: { strategy: ordered, targets: [openai-badkey/${gpt}, anthropic/claude-haiku-4-5] }
  gemini-first${s}: { strategy: ordered, targets: [google-badkey/${gemini}, anthropic/claude-haiku-4-5] }`,
  )
  .join('\n')}
`

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, ROUTES) })
  client = new Anthropic({ baseURL: stack.hr.url, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 })
})
afterAll(() => stack.close())

const WEATHER = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}

interface Row {
  request_id: string
  route: string
  provider: string
  outcome: string
  attempt: number
  prompt_tokens: number
  completion_tokens: number
  stream: number
}

function rows(requestId: string): Row[] {
  stack.hr.spend.flush()
  return stack.hr.db.sqlite.prepare('SELECT * FROM spend WHERE request_id = ? ORDER BY attempt').all(requestId) as Row[]
}

describe.each(MODELS)('messages → %s', (model) => {
  it('create(): the answer in Anthropic shape, with Headroom headers and a spend row', async () => {
    const { data, response } = await client.messages
      .create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'reply: Hello from Headroom' }] })
      .withResponse()
    expect(data.type).toBe('message')
    expect(data.role).toBe('assistant')
    // An Anthropic target is passed the client's body and its answer comes back as it came (the model as
    // Anthropic names it); the others' answers are translated, in the model the client asked for.
    expect(data.model).toBe(model.startsWith('anthropic/') ? 'claude-haiku-4-5-20251001' : model)
    expect(data.content).toEqual([{ type: 'text', text: 'Hello from Headroom' }])
    expect(data.stop_reason).toBe('end_turn')
    expect(data.usage.output_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-headroom-target')).toBe(model)
    expect(response.headers.get('x-headroom-route')).toBe(model)
    expect(response.headers.get('x-headroom-attempts')).toBe('1')
    const id = response.headers.get('x-request-id')!
    const r = rows(id)
    expect(r).toHaveLength(1)
    expect(r[0]).toMatchObject({ outcome: 'ok', stream: 0, provider: model.split('/')[0] })
    expect(r[0]!.completion_tokens).toBeGreaterThan(0)
  })

  it('stream(): text deltas in Anthropic SSE, the final message assembled by the SDK', async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'reply: one two three' }],
    })
    let text = ''
    stream.on('text', (t) => {
      text += t
    })
    const final = await stream.finalMessage()
    expect(text).toBe('one two three')
    expect(final.content).toEqual([{ type: 'text', text: 'one two three' }])
    expect(final.stop_reason).toBe('end_turn')
    const { response } = await stream.withResponse()
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    expect(response.headers.get('x-headroom-target')).toBe(model)
    const r = rows(response.headers.get('x-request-id')!)
    expect(r).toHaveLength(1)
    expect(r[0]).toMatchObject({ outcome: 'ok', stream: 1 })
  })

  it('stream(): each event in the documented order, with its fields; message_start already counts the input', async () => {
    // https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
    const stream = await client.messages.create({
      model,
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'reply: one two three' }],
    })
    const events: Anthropic.RawMessageStreamEvent[] = []
    for await (const e of stream) events.push(e)
    const types = events.map((e) => e.type)
    expect(types[0]).toBe('message_start')
    expect(types.slice(1, 2)).toEqual(['content_block_start'])
    expect(new Set(types.slice(2, -3))).toEqual(new Set(['content_block_delta']))
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop'])
    const [start, blockStart] = events
    if (start?.type !== 'message_start') throw new Error('no message_start')
    expect(start.message).toMatchObject({ type: 'message', role: 'assistant', content: [] })
    expect(start.message).toMatchObject({ stop_reason: null, stop_sequence: null })
    expect(start.message.id).toMatch(/^msg_/)
    expect(blockStart).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
    for (const e of events) if (e.type.startsWith('content_block')) expect(e).toMatchObject({ index: 0 })
    const delta = events.at(-2)
    if (delta?.type !== 'message_delta') throw new Error('no message_delta')
    expect(delta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null })
    expect(delta.usage.output_tokens).toBeGreaterThan(0)
    // Anthropic counts the prompt before the first token: a client that reads usage off message_start (the
    // SDKs before message_delta carried input_tokens did) must not see an empty prompt. Translated, the count
    // there is Headroom's estimate; message_delta's is the target's own.
    const input = start.message.usage.input_tokens
    expect(input).toBeGreaterThan(0)
    const exact = delta.usage.input_tokens ?? input
    expect(Math.abs(input - exact)).toBeLessThanOrEqual(Math.max(8, exact / 2))
  })

  it("stream(): on the wire as Anthropic's own: a ping after the first block starts, message_start counting one output token", async () => {
    // Anthropic's streams (and its SDK's fixtures) carry `event: ping` after the first content_block_start,
    // and message_start's usage counts the first output token; the SDK skips the ping and takes message_delta's
    // counts as final. https://docs.anthropic.com/en/docs/build-with-claude/streaming#basic-streaming-request
    const body = { model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'reply: one two' }] }
    const r = await post(JSON.stringify(body))
    expect(r.status).toBe(200)
    const names = [...r.text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])
    expect(names.slice(0, 4)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta'])
    expect(names.filter((n) => n === 'ping')).toHaveLength(1)
    expect(r.text).toMatch(/^data: \{"type": ?"ping"\}$/m)
    const start = JSON.parse(/^data: (.*)$/m.exec(r.text)![1]!) as Anthropic.RawMessageStartEvent
    expect(start.message.usage.output_tokens).toBe(1)

    const stream = client.messages.stream({ ...body, stream: undefined } as Anthropic.MessageCreateParams)
    const deltas: number[] = []
    stream.on('streamEvent', (e) => {
      if (e.type === 'message_delta') deltas.push(e.usage.output_tokens)
    })
    const final = await stream.finalMessage()
    expect(final.content).toEqual([{ type: 'text', text: 'one two' }])
    expect(deltas).toHaveLength(1)
    expect(final.usage.output_tokens).toBe(deltas[0])
  })

  it('stream(): a tool call as tool_use with input_json_delta, and its tool_result back', async () => {
    const question = { role: 'user' as const, content: 'Weather in Paris?' }
    const stream = client.messages.stream({ model, max_tokens: 256, tools: [WEATHER], messages: [question] })
    let partial = ''
    stream.on('inputJson', (delta) => {
      partial += delta
    })
    const first = await stream.finalMessage()
    expect(first.stop_reason).toBe('tool_use')
    const use = first.content.find((b) => b.type === 'tool_use')
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather' })
    if (use?.type !== 'tool_use') throw new Error('no tool_use block')
    expect(JSON.parse(partial)).toEqual(use.input)
    expect(typeof (use.input as { city: unknown }).city).toBe('string')

    const second = await client.messages.create({
      model,
      max_tokens: 256,
      tools: [WEATHER],
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"temp_c":18}' }] },
      ],
    })
    const text = second.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
    expect(text).toContain('18')
    expect(second.stop_reason).toBe('end_turn')
  })

  it("request-id names the request as Anthropic's header does: the SDK's _request_id, streamed or not", async () => {
    // Anthropic answers every request with a `request-id` header, which its SDK reads
    // (https://docs.anthropic.com/en/api/errors#request-id).
    const req = { model, max_tokens: 16, messages: [{ role: 'user' as const, content: 'reply: named' }] }
    const { request_id, response } = await client.messages.create(req).withResponse()
    expect(request_id).toMatch(/^req_/)
    expect(request_id).toBe(response.headers.get('x-request-id'))
    expect((await client.messages.create(req))._request_id).toMatch(/^req_/)
    const streamed = await client.messages.create({ ...req, stream: true }).withResponse()
    expect(streamed.request_id).toBe(streamed.response.headers.get('x-request-id'))
    for await (const _ of streamed.data) {
      // drained
    }
    const err = await client.messages.create({ ...req, model: 'nope/none' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.NotFoundError)
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).requestID).toMatch(/^req_/)
  })

  it('thinking: answered; on a model that does not think, what was not sent named', async () => {
    // Claude Code asks for thinking on every turn. OpenAI's chat models refuse reasoning_effort (its
    // translation) with a 400; Gemini 2.5 takes it as a thinking budget.
    const { data, response } = await client.messages
      .create({
        model,
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'reply: thought about it' }],
      })
      .withResponse()
    expect(data.content.filter((b) => b.type === 'text')).toEqual([{ type: 'text', text: 'thought about it' }])
    const warning = response.headers.get('x-headroom-warning') ?? ''
    if (model.startsWith('openai/')) expect(warning).toContain('reasoning_effort')
    else expect(warning).not.toContain('reasoning_effort')
  })

  it("countTokens(): Anthropic's own count for an Anthropic target, Headroom's estimate for the others", async () => {
    const req = { model, messages: [{ role: 'user' as const, content: 'How many tokens is this sentence?' }] }
    const { data, response } = await client.messages.countTokens({ ...req, tools: [WEATHER] }).withResponse()
    expect(data.input_tokens).toBeGreaterThan(10)
    expect(data.input_tokens).toBeLessThan(200)
    const anthropic = model.startsWith('anthropic/')
    expect(response.headers.get('x-headroom-count')).toBe(anthropic ? 'exact' : 'estimated')
    expect(response.headers.get('x-request-id')).toMatch(/^req_/)
    expect(response.headers.get('request-id')).toBe(response.headers.get('x-request-id'))
    if (!anthropic) return
    // Exact: what the simulator's Anthropic counts, which a message with the same prompt is billed.
    const billed = await client.messages.create({ ...req, tools: [WEATHER], max_tokens: 16 })
    expect(data.input_tokens).toBe(billed.usage.input_tokens)
    expect(rows(response.headers.get('x-request-id')!)).toEqual([])
  })

  it('countTokens() strips what only shapes generation (Anthropic refuses it there)', async () => {
    const body = {
      model,
      messages: [{ role: 'user', content: 'Count me.' }],
      max_tokens: 99,
      stream: true,
      temperature: 0.5,
      stop_sequences: ['x'],
      top_p: 0.9,
      top_k: 4,
      metadata: { user_id: 'u' },
      service_tier: 'auto',
    }
    const r = await post(JSON.stringify(body), {}, '/v1/messages/count_tokens')
    expect(r.status).toBe(200)
    expect((JSON.parse(r.text) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
    // Anthropic's count_tokens (and the simulator's) refuses each of those fields: exact means stripped.
    expect(r.headers.get('x-headroom-count')).toBe(model.startsWith('anthropic/') ? 'exact' : 'estimated')
  })
})

describe('messages: failover across providers', () => {
  it.each([
    ['anthropic-first', 'openai/gpt-4.1-mini'],
    ['openai-first', 'anthropic/claude-haiku-4-5'],
    ['gemini-first', 'anthropic/claude-haiku-4-5'],
  ])('%s: a rejected key fails over to %s, one spend row per attempt', async (route, served) => {
    // A rejected key cools its target for minutes: the stream goes through other bad-key targets.
    for (const stream of [false, true]) {
      const req = {
        model: stream ? `${route}-stream` : route,
        max_tokens: 32,
        messages: [{ role: 'user' as const, content: 'reply: ok then' }],
      }
      const { data, response } = stream
        ? await client.messages.stream(req).withResponse()
        : await client.messages.create(req).withResponse()
      if (stream) expect(await (data as ReturnType<Anthropic['messages']['stream']>).finalText()).toBe('ok then')
      else expect((data as Anthropic.Message).content).toEqual([{ type: 'text', text: 'ok then' }])
      expect(response.headers.get('x-headroom-target')).toBe(served)
      expect(response.headers.get('x-headroom-attempts')).toBe('2')
      const r = rows(response.headers.get('x-request-id')!)
      expect(r.map((x) => x.outcome)).toEqual(['failed_over', 'ok'])
    }
  })
})

/** A raw request to /v1/messages (what the SDK would refuse to send). */
async function post(body: string, headers: Record<string, string> = {}, path = '/v1/messages') {
  return rawPost(`${stack.hr.url}${path}`, body, {
    'content-type': 'application/json',
    'x-api-key': CLIENT_KEY,
    'anthropic-version': '2023-06-01',
    ...headers,
  })
}

const ok = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'openai/gpt-4.1-mini',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  })

/** A request whose tool_use input nests arrays `depth` deep (valid JSON, valid Messages request). */
const deepBody = (model: string, depth = 5000) =>
  `{"model":"${model}","max_tokens":16,"tools":[${JSON.stringify(WEATHER)}],"messages":[` +
  `{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1",` +
  `"name":"get_weather","input":{"city":${'['.repeat(depth)}${']'.repeat(depth)}}}]},` +
  `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]}`

describe('messages: hostile input is a 4xx in Anthropic shape', () => {
  const cases: Array<[string, () => ReturnType<typeof post>, number, string]> = [
    ['invalid JSON', () => post('{"model": '), 400, 'invalid_request_error'],
    ['an empty body', () => post(''), 400, 'invalid_request_error'],
    ['a JSON array', () => post('[1,2]'), 400, 'invalid_request_error'],
    ['messages of the wrong type', () => post(ok({ messages: 'hi' })), 400, 'invalid_request_error'],
    ['max_tokens missing', () => post(ok({ max_tokens: undefined })), 400, 'invalid_request_error'],
    ['max_tokens a string', () => post(ok({ max_tokens: '16' })), 400, 'invalid_request_error'],
    [
      'a role that does not exist',
      () => post(ok({ messages: [{ role: 'tool', content: 'x' }] })),
      400,
      'invalid_request_error',
    ],
    ['a model id with a newline', () => post(ok({ model: 'gpt\n4' })), 400, 'invalid_request_error'],
    ['an unknown model', () => post(ok({ model: 'nope/none' })), 404, 'not_found_error'],
    [
      'a route the key may not use',
      () => post(ok({ model: 'anthropic-first' }), { 'x-api-key': LIMITED_KEY }),
      403,
      'permission_error',
    ],
    ['no key', () => post(ok(), { 'x-api-key': '' }), 401, 'authentication_error'],
    ['a wrong key', () => post(ok(), { 'x-api-key': 'sk-ant-wrong-999' }), 401, 'authentication_error'],
    ['a body over the limit', () => post(ok({ pad: 'x'.repeat(11 * 1024 * 1024) })), 413, 'request_too_large'],
    [
      'a non-ASCII anthropic-version',
      () => post(ok(), { 'anthropic-version': '2023-06-01\u00e9' }),
      400,
      'invalid_request_error',
    ],
    [
      'an oversized anthropic-beta',
      () => post(ok(), { 'anthropic-beta': 'b'.repeat(2000) }),
      400,
      'invalid_request_error',
    ],
    // JSON.parse takes nesting that JSON.stringify (translating or forwarding the body) overflows on.
    ['a body nested 5,000 deep', () => post(deepBody('openai/gpt-4.1-mini')), 400, 'invalid_request_error'],
    [
      'a body nested 5,000 deep, for an Anthropic target',
      () => post(deepBody('anthropic/claude-haiku-4-5')),
      400,
      'invalid_request_error',
    ],
    [
      'a body nested 5,000 deep, counted',
      () => post(deepBody('openai/gpt-4.1-mini'), {}, '/v1/messages/count_tokens'),
      400,
      'invalid_request_error',
    ],
    ['a bad x-headroom-priority', () => post(ok(), { 'x-headroom-priority': 'urgent' }), 400, 'invalid_request_error'],
    [
      'mcp_servers for a non-Anthropic target',
      () => post(ok({ mcp_servers: [{ type: 'url', url: 'https://x.example', name: 'x' }] })),
      400,
      'invalid_request_error',
    ],
  ]
  it.each(cases)('%s', async (_name, send, status, type) => {
    const r = await send()
    expect(r.status).toBe(status)
    const body = JSON.parse(r.text) as { type: string; error: { type: string; message: string }; request_id: string }
    expect(body.type).toBe('error')
    expect(body.error.type).toBe(type)
    expect(body.error.message.length).toBeGreaterThan(0)
    expect(body.request_id).toBe(r.headers.get('x-request-id'))
    expect(r.text).not.toContain(CLIENT_KEY)
  })

  it("count_tokens falls back to the estimate when the route's Anthropic target fails", async () => {
    const body = JSON.stringify({ model: 'anthropic-first', messages: [{ role: 'user', content: 'hi' }] })
    const r = await post(body, {}, '/v1/messages/count_tokens')
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-count')).toBe('estimated')
    expect((JSON.parse(r.text) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
  })

  it('count_tokens refuses the same way', async () => {
    const r = await post('{', {}, '/v1/messages/count_tokens')
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    const unknown = await post(
      JSON.stringify({ model: 'nope/none', messages: [{ role: 'user', content: 'hi' }] }),
      {},
      '/v1/messages/count_tokens',
    )
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.text)).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
  })

  it('a CR/LF in anthropic-version never reaches Headroom as a header value: Node refuses the request', async () => {
    const port = new URL(stack.hr.url).port
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /v1/messages HTTP/1.1\r\nHost: x\r\nanthropic-version: 2023\r-06-01\r\ncontent-length: 2\r\n\r\n{}`,
        )
      })
      let data = ''
      socket.on('data', (b) => {
        data += b.toString()
      })
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400 /)
  })

  it('what translation drops is named in x-headroom-warning; /messages without /v1 is the same endpoint', async () => {
    const r = await post(ok({ top_k: 5, messages: [{ role: 'user', content: 'reply: warned' }] }), {}, '/messages')
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toContain('top_k')
    expect(JSON.parse(r.text)).toMatchObject({ content: [{ type: 'text', text: 'warned' }] })
  })

  it('the path with ?beta=true is the same endpoint', async () => {
    const r = await post(ok({ messages: [{ role: 'user', content: 'reply: beta' }] }), {}, '/v1/messages?beta=true')
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'beta' }] })
  })
})

describe.each(MODELS)("messages → %s: Anthropic's conversation rules, in its words, whatever the target", (model) => {
  // Anthropic's own 400s for a conversation that breaks its rules (https://docs.anthropic.com/en/api/messages):
  // the same answer whichever target the route would pick, before any is called.
  const use = { type: 'tool_use' as const, id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }
  const result = (id: string) => ({ type: 'tool_result' as const, tool_use_id: id, content: '18C' })
  const cases: Array<[string, unknown[], string]> = [
    ['an empty user turn', [{ role: 'user', content: '' }], 'messages.0: all messages must have non-empty content'],
    [
      'a user turn of an empty text block',
      [{ role: 'user', content: [{ type: 'text', text: '' }] }],
      'messages: text content blocks must be non-empty',
    ],
    [
      'tool_use in a user turn',
      [{ role: 'user', content: [use] }],
      'messages.0.content.0: `tool_use` blocks can only be in `assistant` messages',
    ],
    [
      'a tool_result without its tool_use',
      [{ role: 'user', content: [result('toolu_9')] }],
      'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9',
    ],
    [
      'a tool_use without its tool_result',
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [use] },
        { role: 'user', content: 'reply: never mind' },
      ],
      'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1',
    ],
    [
      'a tool_result answering another id',
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [use] },
        { role: 'user', content: [result('toolu_2')] },
      ],
      'messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2',
    ],
  ]
  it.each(cases)('%s', async (_name, messages, message) => {
    const r = await post(JSON.stringify({ model, max_tokens: 16, tools: [WEATHER], messages }))
    expect(r.status).toBe(400)
    const body = JSON.parse(r.text) as { type: string; error: { type: string; message: string } }
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(body.error.message).toContain(message)
  })

  it.each([
    ['a custom tool twice', [WEATHER, { ...WEATHER, description: 'again' }]],
    [
      'a custom tool named as a server tool',
      [
        { type: 'web_search_20250305', name: 'web_search' },
        { ...WEATHER, name: 'web_search' },
      ],
    ],
  ])("tools with one name twice (%s): Anthropic's 400, before any target is called", async (_, tools) => {
    // Anthropic's answer, as its clients report it (e.g. anthropics/claude-code#10687).
    const sent = stack.sim.log.length
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const body = { model, max_tokens: 16, tools, messages: [{ role: 'user', content: 'hi' }] }
      const r = await post(JSON.stringify(body), {}, path)
      expect(r.status).toBe(400)
      expect(JSON.parse(r.text)).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'tools: Tool names must be unique.' },
      })
    }
    expect(stack.sim.log.length).toBe(sent)
  })

  it.each<[string, Anthropic.MessageParam[], string]>([
    [
      'an empty text block beside another',
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'reply: hi' },
            { type: 'text', text: '' },
          ],
        },
      ],
      'messages: text content blocks must be non-empty',
    ],
    [
      'an empty text block beside a call',
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'text', text: '' }, use] },
        { role: 'user', content: [result('toolu_1')] },
      ],
      'messages: text content blocks must be non-empty',
    ],
    [
      'a whitespace-only text block beside a call',
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'text', text: ' \n' }, use] },
        { role: 'user', content: [result('toolu_1')] },
      ],
      'messages: text content blocks must contain non-whitespace text',
    ],
    [
      'a whitespace-only user turn',
      [{ role: 'user', content: '  ' }],
      'messages: text content blocks must contain non-whitespace text',
    ],
  ])(
    "%s: Anthropic's 400 from create() and countTokens(), before any target is called",
    async (_, messages, message) => {
      // Anthropic refuses any empty text block, and whitespace-only text, wherever it stands in a message
      // (as its clients report it, e.g. anthropics/claude-code#23440); a translated target would serve it.
      const sent = stack.sim.log.length
      for (const call of [
        () => client.messages.create({ model, max_tokens: 16, tools: [WEATHER], messages }),
        () => client.messages.countTokens({ model, tools: [WEATHER], messages }),
      ]) {
        const err = await call().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(Anthropic.BadRequestError)
        const e = err as InstanceType<typeof Anthropic.BadRequestError>
        expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } })
      }
      expect(stack.sim.log.length).toBe(sent)
    },
  )

  it.each([' ', 'The answer is '])(
    "a final assistant message (prefill) %j ending in whitespace: Anthropic's 400, before any target is called",
    async (prefill) => {
      // Anthropic's answer, as its clients report it (e.g. langchain-ai/langchain#35072).
      const message = 'messages: final assistant content cannot end with trailing whitespace'
      const sent = stack.sim.log.length
      for (const content of [prefill, [{ type: 'text' as const, text: prefill }]]) {
        const messages: Anthropic.MessageParam[] = [
          { role: 'user', content: 'reply: hi' },
          { role: 'assistant', content },
        ]
        for (const call of [
          () => client.messages.create({ model, max_tokens: 16, messages }),
          () => client.messages.countTokens({ model, messages }),
        ]) {
          const err = await call().catch((e: unknown) => e)
          expect(err).toBeInstanceOf(Anthropic.BadRequestError)
          const e = err as InstanceType<typeof Anthropic.BadRequestError>
          expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } })
        }
      }
      expect(stack.sim.log.length).toBe(sent)
    },
  )

  it('a whitespace-only text block beside other text is served, as Anthropic serves it', async () => {
    // Anthropic refuses blank text only where a message has no other text (LibreChat-AI/agents#124 tried each shape).
    const r = await client.messages.create({
      model,
      max_tokens: 16,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'reply: hi' },
            { type: 'text', text: ' \n' },
          ],
        },
      ],
    })
    expect(r.content).toMatchObject([{ type: 'text', text: 'hi' }])
  })

  it('calls split over consecutive assistant messages are one turn, as Anthropic merges them', async () => {
    const other = { ...use, id: 'toolu_2', input: { city: 'Rome' } }
    const messages = [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, use] },
      { role: 'assistant', content: [other] },
      { role: 'user', content: [result('toolu_1'), result('toolu_2')] },
    ]
    const r = await post(JSON.stringify({ model, max_tokens: 64, tools: [WEATHER], messages }))
    expect(r.status).toBe(200)
    expect(JSON.parse(r.text)).toMatchObject({ type: 'message', stop_reason: 'end_turn' })
  })

  it('the same turns answered in order pass, consecutive user turns merged as Anthropic merges them', async () => {
    const messages = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: [use] },
      { role: 'user', content: [result('toolu_1')] },
      { role: 'user', content: 'reply: thanks' },
    ]
    const r = await post(JSON.stringify({ model, max_tokens: 16, tools: [WEATHER], messages }))
    expect(r.status).toBe(200)
  })
})

describe('messages: upstream failures in Anthropic shape', () => {
  // Each test its own model: a fault feeds the target's breaker and cooldown.
  const req = (content: string, model = 'gpt-4.1-nano') => ({
    model: `openai/${model}`,
    max_tokens: 64,
    messages: [{ role: 'user' as const, content }],
  })

  it('a stream cut after it began ends with event: error, which the SDK raises', async () => {
    stack.sim.script('openai', 'gpt-4.1-nano', [{ kind: 'cut', afterChunks: 4 }])
    const r = await post(JSON.stringify({ ...req('tokens: 30'), stream: true }))
    expect(r.status).toBe(200)
    const events = [...r.text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])
    expect(events[0]).toBe('message_start')
    expect(events.at(-1)).toBe('error')
    const last = r.text.trim().split('\n').at(-1)!
    expect(JSON.parse(last.slice('data: '.length))).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    expect(r.text).not.toContain('message_stop')

    stack.sim.script('openai', 'gpt-4.1-nano', [{ kind: 'cut', afterChunks: 4 }])
    const stream = client.messages.stream({ ...req('tokens: 30') })
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError)
  })

  it('every target overloaded: 529 overloaded_error', async () => {
    stack.sim.script(
      'openai',
      'gpt-4.1-nano',
      Array.from({ length: 4 }, () => ({ kind: 'overloaded' as const })),
    )
    const err = await client.messages.create(req('hi')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.APIError)
    const e = err as InstanceType<typeof Anthropic.APIError>
    expect(e.status).toBe(529)
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
  })

  it('rate limited with a long Retry-After: 429 rate_limit_error with retry-after', async () => {
    stack.sim.script('openai', 'gpt-4o-mini', [{ kind: 'rate_limit', retryAfterMs: 120_000 }])
    const err = await client.messages.create(req('hi', 'gpt-4o-mini')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.RateLimitError)
    const e = err as InstanceType<typeof Anthropic.RateLimitError>
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('messages: passthrough to Anthropic targets', () => {
  const lastAnthropicBody = () =>
    [...stack.sim.log].reverse().find((l) => l.api === 'anthropic' && l.path.startsWith('/v1/messages'))?.body

  it("the client's body reaches Anthropic as sent (model aside), with nothing warned", async () => {
    const body = {
      model: 'anthropic/claude-haiku-4-5',
      max_tokens: 32,
      top_k: 5,
      metadata: { user_id: 'u-1' },
      messages: [{ role: 'user', content: 'reply: as sent' }],
    }
    const r = await post(JSON.stringify(body), { 'anthropic-beta': 'claude-code-20250219' })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toBeNull()
    expect(JSON.parse(r.text)).toMatchObject({ content: [{ type: 'text', text: 'as sent' }] })
    expect(lastAnthropicBody()).toEqual({ ...body, model: 'claude-haiku-4-5' })
  })

  it('a request only Anthropic can serve (a server tool) skips the other targets; none left is a 400', async () => {
    const tools = [{ type: 'web_search_20250305' as const, name: 'web_search' as const, max_uses: 1 }]
    const req = { max_tokens: 32, tools, messages: [{ role: 'user' as const, content: 'reply: searched' }] }
    const { data, response } = await client.messages.create({ ...req, model: 'mixed' }).withResponse()
    expect(data.content).toEqual([{ type: 'text', text: 'searched' }])
    expect(response.headers.get('x-headroom-target')).toBe('anthropic/claude-haiku-4-5')
    expect(response.headers.get('x-headroom-attempts')).toBe('1')
    expect(response.headers.get('x-headroom-decision')).toContain(
      'openai#1/gpt-4.1-mini (tools.0 needs a target that takes anthropic-messages as sent)',
    )
    expect(rows(response.headers.get('x-request-id')!).map((x) => x.outcome)).toEqual(['ok'])

    const err = await client.messages.create({ ...req, model: 'to-openai' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    const e = err as InstanceType<typeof Anthropic.BadRequestError>
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    // Anthropic's way: the message starts with the field, then says why no other target can take it.
    expect(e.error).toMatchObject({
      error: {
        message:
          'tools.0: the web_search_20250305 tool can only be served by an Anthropic target: Anthropic defines ' +
          'it (run on its servers, or trained into Claude), and other providers have no such tool. No target of ' +
          'route "to-openai" takes anthropic-messages as sent: openai#1/gpt-4.1-mini: tools.0 needs a target ' +
          'that takes anthropic-messages as sent.',
      },
    })
  })

  it.each([
    [
      'a document by URL in a tool result',
      {
        type: 'document' as const,
        source: { type: 'url' as const, url: 'https://example.com/spec.pdf' },
      },
      'messages.2.content.0.content.0.source: a document by URL can only be served by an Anthropic target: ' +
        'other providers take a PDF only as data in the request (Headroom does not fetch URLs)',
    ],
    [
      "an image from Anthropic's Files API in a tool result",
      { type: 'image' as const, source: { type: 'file' as const, file_id: 'file_011C' } },
      "messages.2.content.0.content.0.source: an image from Anthropic's Files API (file_id) can only be served " +
        'by an Anthropic target: the file is stored with Anthropic, and other providers cannot read it',
    ],
  ])('%s, on a route without an Anthropic target: a 400 naming the block and why', async (_, block, why) => {
    const err = await client.beta.messages
      .create({
        model: 'to-openai',
        max_tokens: 32,
        tools: [WEATHER],
        messages: [
          { role: 'user', content: 'Read it' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [block] }] },
        ],
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    const e = err as InstanceType<typeof Anthropic.BadRequestError>
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect((e.error as { error: { message: string } }).error.message.startsWith(`${why}. No target of route`)).toBe(
      true,
    )
  })

  it('a passed-through stream cut after it began ends with event: error', async () => {
    stack.sim.script('anthropic', 'claude-sonnet-4-5', [{ kind: 'cut', afterChunks: 5 }])
    const body = { model: 'anthropic/claude-sonnet-4-5', max_tokens: 64, stream: true }
    const r = await post(JSON.stringify({ ...body, messages: [{ role: 'user', content: 'tokens: 30' }] }))
    expect(r.status).toBe(200)
    const events = [...r.text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])
    expect(events[0]).toBe('message_start')
    expect(events.at(-1)).toBe('error')
    expect(events).not.toContain('message_stop')
  })
})

describe('messages: a client that leaves mid-stream', () => {
  it.each([
    ['passed through', 'anthropic', 'claude-opus-4-1', 'anthropic/claude-opus-4-1'],
    ['translated', 'openai', 'gpt-4o-2024-05-13', 'openai/gpt-4o-2024-05-13'],
  ] as const)('%s: the upstream call ends, and its row says cancelled', async (_how, api, model, id) => {
    stack.sim.configure(api, model, { tokenDelayMs: 25 })
    try {
      const ac = new AbortController()
      const stream = client.messages.stream(
        { model: id, max_tokens: 400, messages: [{ role: 'user', content: 'tokens: 300' }] },
        { signal: ac.signal },
      )
      let deltas = 0
      const { response } = await stream.withResponse()
      await new Promise<void>((resolve) => {
        stream.on('text', () => {
          if (++deltas === 3) {
            ac.abort()
            resolve()
          }
        })
        stream.on('abort', () => resolve())
        stream.on('error', () => resolve())
      })
      const requestId = response.headers.get('x-request-id')!
      await vi.waitFor(() => expect(rows(requestId)).toHaveLength(1), { timeout: 5_000, interval: 20 })
      expect(rows(requestId)[0]).toMatchObject({ outcome: 'cancelled', stream: 1 })
    } finally {
      stack.sim.configure(api, model, { tokenDelayMs: 0 })
    }
  })
})

describe('messages: a request shaped as Claude Code sends it', () => {
  // System blocks with cache breakpoints, a tool, metadata, thinking with a signed block in the history,
  // a tool result, a stream, and Claude Code's headers.
  const fixture = JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../src/ingress/anthropic-messages/__fixtures__/requests/claude-code.json'),
      'utf8',
    ),
  ) as { anthropic: Record<string, unknown> }
  const headers = {
    'anthropic-beta': 'claude-code-20250219,fine-grained-tool-streaming-2025-05-14',
    'x-app': 'cli',
    'user-agent': 'claude-cli/2.1.240 (external, cli)',
  }

  it.each(MODELS)('streams an answer from %s', async (model) => {
    const body = { ...fixture.anthropic, model, max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1024 } }
    const r = await post(JSON.stringify(body), headers, '/v1/messages?beta=true')
    expect(r.status).toBe(200)
    const events = [...r.text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])
    expect(events[0]).toBe('message_start')
    expect(events.at(-1)).toBe('message_stop')
    expect(events).toContain('content_block_delta')
  })
})
