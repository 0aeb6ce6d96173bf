import Anthropic, { APIError } from '@anthropic-ai/sdk'
import { describe, expect, it, vi } from 'vitest'
import { type Simulator, startSimulator } from './index.ts'
import { anthropicClient, LONG_TEXT, PNG_1X1, rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
let client: Anthropic

useFileSimulator(11, (s) => {
  // SDK 1.14 warns on every call that these (required) model ids are deprecated; keep the output readable.
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  sim = s
  client = anthropicClient(s)
})

const weather: Anthropic.Tool = {
  name: 'get_weather',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } },
    required: ['city', 'days'],
  },
}
const clock: Anthropic.Tool = {
  name: 'get_time',
  input_schema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
}

async function apiError(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(APIError)
  return err as APIError
}

const user = (content: Anthropic.MessageParam['content']): Anthropic.MessageParam => ({ role: 'user', content })

describe('Anthropic messages via @anthropic-ai/sdk (Bearer auth, anthropic-version 2026-10-21)', () => {
  it('answers text with the dated model id, request-id and usage', async () => {
    const { data, response } = await client.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [user('Hello')] })
      .withResponse()
    expect(response.headers.get('request-id')).toMatch(/^req_011C/)
    expect(data.model).toBe('claude-haiku-4-5-20251001')
    expect(data.id).toMatch(/^msg_01/)
    expect(data.stop_reason).toBe('end_turn')
    expect(data.content).toHaveLength(1)
    const block = data.content[0] as Anthropic.TextBlock
    expect(block.text.split(' ')).toHaveLength(16)
    expect(data.usage.output_tokens).toBe(16)
    expect(data.usage.cache_read_input_tokens).toBe(0)
  })

  it('streams named events that the SDK reassembles, and the bytes carry event: lines', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [user('reply: Streaming works fine')],
    })
    const texts: string[] = []
    stream.on('text', (t) => texts.push(t))
    const final = await stream.finalMessage()
    expect(texts).toEqual(['Streaming', ' works', ' fine'])
    expect((final.content[0] as Anthropic.TextBlock).text).toBe('Streaming works fine')
    expect(final.usage.output_tokens).toBe(3)

    const raw = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'reply: a b' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    const events = raw.text.split('\n\n').filter(Boolean)
    const names = events.map((e) => /^event: (\w+)\ndata: (.*)$/s.exec(e)?.[1])
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    for (const e of events) {
      const [, name, data] = /^event: (\w+)\ndata: (.*)$/s.exec(e) ?? []
      expect((JSON.parse(data ?? '') as { type: string }).type).toBe(name)
    }
  })

  it('forces a tool (tool_choice tool) with input from the schema, streamed as input_json_delta fragments', async () => {
    const r = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [clock, weather],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [user('no tools')],
    })
    expect(r.stop_reason).toBe('tool_use')
    const tu = r.content[0] as Anthropic.ToolUseBlock
    expect(tu.type).toBe('tool_use')
    expect(tu.id).toMatch(/^toolu_01/)
    const input = tu.input as { city: unknown; days: number }
    expect(typeof input.city).toBe('string')
    expect(input.days >= 1 && input.days <= 7).toBe(true)

    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      tools: [clock, weather],
      tool_choice: { type: 'any' },
      messages: [user('call: all')],
    })
    const fragments: string[] = []
    stream.on('inputJson', (partial) => fragments.push(partial))
    const final = await stream.finalMessage()
    expect(final.content.map((b) => (b as Anthropic.ToolUseBlock).name)).toEqual(['get_time', 'get_weather'])
    expect(fragments.length).toBeGreaterThan(2)
  })

  it('answers a tool_result with the tool name; rejects a tool_result without a matching tool_use', async () => {
    const r = await client.messages.create({
      model: 'claude-opus-4-1',
      max_tokens: 100,
      tools: [weather],
      messages: [
        user('Weather?'),
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Oslo', days: 1 } }],
        },
        user([{ type: 'tool_result', tool_use_id: 'toolu_01A', content: [{ type: 'text', text: 'rain' }] }]),
      ],
    })
    expect((r.content[0] as Anthropic.TextBlock).text).toBe('Tool get_weather returned: rain')
    const e = await apiError(
      client.messages.create({
        model: 'claude-opus-4-1',
        max_tokens: 100,
        messages: [
          user('x'),
          { role: 'assistant', content: 'no tool here' },
          user([{ type: 'tool_result', tool_use_id: 'toolu_01B', content: 'y' }]),
        ],
      }),
    )
    expect(e.status).toBe(400)
    expect(e.message).toContain('unexpected `tool_use_id` found in `tool_result` blocks: toolu_01B')
    const unanswered = await apiError(
      client.messages.create({
        model: 'claude-opus-4-1',
        max_tokens: 100,
        messages: [
          user('x'),
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} }] },
          user('never mind'),
        ],
      }),
    )
    expect(unanswered.message).toContain(
      '`tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A',
    )
  })

  it.each<[string, Anthropic.MessageParam[], string]>([
    [
      'a tool_use block in a user message',
      [user([{ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} }])],
      'messages.0.content.0: `tool_use` blocks can only be in `assistant` messages',
    ],
    [
      'an empty content list',
      [user('x'), { role: 'assistant', content: [] }, user('y')],
      'messages.1: all messages must have non-empty content except for the optional final assistant message',
    ],
    ['an empty content string', [user('')], 'messages.0: all messages must have non-empty content'],
    [
      'an empty text block beside another',
      [
        user([
          { type: 'text', text: 'x' },
          { type: 'text', text: '' },
        ]),
      ],
      'messages: text content blocks must be non-empty',
    ],
    [
      'a whitespace-only text block beside another',
      [
        user('x'),
        {
          role: 'assistant',
          content: [
            { type: 'text', text: ' \n' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} },
          ],
        },
        user([{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'rain' }]),
      ],
      'messages: text content blocks must contain non-whitespace text',
    ],
    [
      'a whitespace-only content string',
      [user('  ')],
      'messages: text content blocks must contain non-whitespace text',
    ],
    [
      'a tool_result answering a tool_use two turns back',
      [
        user('x'),
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} }] },
        user([{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'rain' }]),
        { role: 'assistant', content: 'ok' },
        user([{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'rain' }]),
      ],
      'messages.4.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01A',
    ],
  ])('refuses %s as Anthropic does (400 invalid_request_error)', async (_, messages, message) => {
    const e = await apiError(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages }))
    expect(e.status).toBe(400)
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(e.message).toContain(message)
  })

  it('takes a whitespace-only text block beside other text', async () => {
    // As LibreChat-AI/agents#124 found, trying each shape against Anthropic.
    const r = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [
        user([
          { type: 'text', text: 'reply: hi' },
          { type: 'text', text: ' ' },
        ]),
      ],
    })
    expect(r.content).toMatchObject([{ type: 'text', text: 'hi' }])
  })

  it('takes an empty final assistant message (a prefill left empty)', async () => {
    const r = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [user('reply: hi'), { role: 'assistant', content: [] }],
    })
    expect(r.stop_reason).toBe('end_turn')
  })

  it('returns JSON for output_config.format, honours stop_sequences and max_tokens', async () => {
    const schema = {
      type: 'object',
      properties: { ok: { type: 'boolean' }, items: { type: 'array', items: { type: 'number' }, minItems: 2 } },
      required: ['ok', 'items'],
      additionalProperties: false,
    }
    const j = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      output_config: { format: { type: 'json_schema', schema } },
      messages: [user('json please')],
    })
    const v = JSON.parse((j.content[0] as Anthropic.TextBlock).text) as { ok: unknown; items: unknown[] }
    expect(typeof v.ok).toBe('boolean')
    expect(v.items).toHaveLength(2)
    const s = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      stop_sequences: ['END'],
      messages: [user('reply: alpha beta END gamma')],
    })
    expect(s.stop_reason).toBe('stop_sequence')
    expect(s.stop_sequence).toBe('END')
    expect((s.content[0] as Anthropic.TextBlock).text).toBe('alpha beta ')
    const m = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 2, messages: [user('hello')] })
    expect(m.stop_reason).toBe('max_tokens')
    expect(m.usage.output_tokens).toBe(2)
  })

  it('writes then reads the prompt cache at cache_control breakpoints; input_tokens excludes both', async () => {
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: LONG_TEXT, cache_control: { type: 'ephemeral' } }]
    const a = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      system,
      messages: [user('first')],
    })
    expect(a.usage.cache_creation_input_tokens).toBeGreaterThan(1024)
    expect(a.usage.cache_read_input_tokens).toBe(0)
    const b = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      system,
      messages: [user('a different question')],
    })
    expect(b.usage.cache_read_input_tokens).toBe(a.usage.cache_creation_input_tokens)
    expect(b.usage.cache_creation_input_tokens).toBe(0)
    const tokens = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      system,
      messages: [user('a different question')],
    })
    expect(b.usage.input_tokens + (b.usage.cache_read_input_tokens ?? 0)).toBe(tokens.input_tokens)
  })

  it('emits a thinking block when extended thinking is on, counted in output_tokens', async () => {
    const r = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [user('think')],
    })
    expect(r.content.map((b) => b.type)).toEqual(['thinking', 'text'])
    expect(r.usage.output_tokens).toBeGreaterThan(16)
  })

  it('with thinking on, refuses a tool loop whose assistant turn lacks its thinking block, as Anthropic does', async () => {
    const call: Anthropic.ToolUseBlockParam = {
      type: 'tool_use',
      id: 'toolu_1',
      name: 'get_time',
      input: { zone: 'UTC' },
    }
    const loop = (assistant: Anthropic.ContentBlockParam[]) =>
      client.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 4000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools: [clock],
        messages: [
          user('time?'),
          { role: 'assistant', content: assistant },
          user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12:00' }]),
        ],
      })
    const e = await apiError(loop([call]))
    expect(e.status).toBe(400)
    expect(e.message).toContain(
      'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled',
    )
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [user('think')],
    })
    const thought = first.content[0] as Anthropic.ThinkingBlock
    const r = await loop([{ type: 'thinking', thinking: thought.thinking, signature: thought.signature }, call])
    expect(r.content.some((b) => b.type === 'text')).toBe(true)
  })

  it('counts images and checks their bytes against the media type', async () => {
    const r = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [
        user([
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } },
          { type: 'text', text: 'what?' },
        ]),
      ],
    })
    expect((r.content[0] as Anthropic.TextBlock).text).toMatch(/^I see 1 image\./)
    const e = await apiError(
      client.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        messages: [user([{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG_1X1 } }])],
      }),
    )
    expect(e.message).toContain('appears to be a image/png image')
  })
})

describe('Anthropic errors', () => {
  it('400s like the real API: max_tokens, temperature, extra fields, tool names twice, anthropic-version', async () => {
    const noMax = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    expect(noMax.status).toBe(400)
    const body = JSON.parse(noMax.text) as {
      type: string
      error: { type: string; message: string }
      request_id: string
    }
    expect(body.type).toBe('error')
    expect(body.error).toEqual({ type: 'invalid_request_error', message: 'max_tokens: Field required' })
    expect(body.request_id).toBe(noMax.headers.get('request-id'))
    // SDK 1.14 no longer types the sampling parameters; the API still takes them (0–1).
    const hot = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 5, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    expect(hot.text).toContain('temperature: Input should be less than or equal to 1')
    const both = await rawPost(
      `${sim.url}/v1/messages`,
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 5,
        temperature: 0.5,
        top_p: 0.9,
        messages: [{ role: 'user', content: 'x' }],
      },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    expect(both.text).toContain('`temperature` and `top_p` cannot both be specified')
    const extra = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 5, n: 2, messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    expect(JSON.parse(extra.text)).toMatchObject({ error: { message: 'n: Extra inputs are not permitted' } })
    const tool = { name: 'f', input_schema: { type: 'object' } }
    const twice = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 5, tools: [tool, tool], messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    )
    expect(JSON.parse(twice.text)).toMatchObject({ error: { message: 'tools: Tool names must be unique.' } })
    const noVersion = await rawPost(
      `${sim.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
      { 'x-api-key': 'k' },
    )
    expect(noVersion.status).toBe(400)
  })

  it('401, 404, 500 and 529 overloaded_error', async () => {
    const strict = await startSimulator({ validKeys: ['good'] })
    try {
      const bad = new Anthropic({ apiKey: 'nope', baseURL: strict.url, maxRetries: 0 })
      const e = await apiError(
        bad.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [user('x')] }),
      )
      expect(e.status).toBe(401)
      expect(e.type).toBe('authentication_error')
      // x-api-key (SDK 0.x) is accepted as well as Bearer.
      const ok = await rawPost(
        `${strict.url}/v1/messages`,
        { model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
        { 'x-api-key': 'good', 'anthropic-version': '2023-06-01' },
      )
      expect(ok.status).toBe(200)
    } finally {
      await strict.close()
    }
    const nf = await apiError(client.messages.create({ model: 'claude-9', max_tokens: 5, messages: [user('x')] }))
    expect(nf.status).toBe(404)
    expect(nf.type).toBe('not_found_error')
    sim.script('anthropic', 'claude-sonnet-4-5-20250929', [{ kind: 'server_error' }, { kind: 'overloaded' }])
    const req = () => client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [user('x')] })
    expect((await apiError(req())).type).toBe('api_error')
    const o = await apiError(req())
    expect(o.status).toBe(529)
    expect(o.type).toBe('overloaded_error')
  })

  it('rate limits with anthropic-ratelimit-* headers (RFC 3339 resets) and a 429 with retry-after', async () => {
    sim.configure('anthropic', 'claude-haiku-4-5', { rpm: 100, itpm: 1000, otpm: 300 })
    const { response } = await client.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [user('x')] })
      .withResponse()
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('99')
    expect(response.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe('200')
    expect(response.headers.get('anthropic-ratelimit-output-tokens-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(response.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('200')
    await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [user('x')] })
    const e = await apiError(
      client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 150, messages: [user('x')] }),
    )
    expect(e.status).toBe(429)
    expect(e.type).toBe('rate_limit_error')
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(10)
    expect(e.headers?.get('anthropic-ratelimit-output-tokens-remaining')).toBe('100')
    sim.configure('anthropic', 'claude-haiku-4-5', { rpm: undefined, itpm: undefined, otpm: undefined })
  })

  it('a mid-stream error event after some chunks makes the SDK throw overloaded_error', async () => {
    sim.script('anthropic', '*', [{ kind: 'error_event', afterChunks: 4 }])
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [user('hello')] })
    const err = await stream.finalMessage().then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(APIError)
    expect((err as APIError).type).toBe('overloaded_error')
  })
})
