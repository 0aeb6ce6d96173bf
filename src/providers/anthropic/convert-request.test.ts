import { describe, expect, it } from 'vitest'
import { ChatRequestSchema } from '../openai-schema.ts'
import { ProviderError, type Target } from '../types.ts'
import { testTarget } from './__fixtures__/upstream.ts'
import { DEFAULT_MAX_TOKENS, JSON_TOOL_NAME, toAnthropicRequest } from './convert-request.ts'

const target = testTarget()

/** Requests go through the real boundary schema first, as they do in the server. */
function convert(body: Record<string, unknown>, t: Target = target) {
  return toAnthropicRequest(
    ChatRequestSchema.parse({ model: 'x', messages: [{ role: 'user', content: 'hi' }], ...body }),
    t,
  )
}

/**
 * A 400 before anything is sent: the request's fault (`bad_request`), or a valid request Anthropic can't take
 * (`unsupported`: the route tries its next target).
 */
function rejects(body: Record<string, unknown>, kind: 'bad_request' | 'unsupported' = 'bad_request'): ProviderError {
  try {
    convert(body)
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError)
    const pe = err as ProviderError
    expect([pe.status, pe.kind]).toEqual([400, kind])
    return pe
  }
  throw new Error('expected a 400')
}

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather now',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}

describe('messages', () => {
  it('gathers system and developer messages from anywhere into top-level system blocks, keeping cache_control', () => {
    const { params } = convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        {
          role: 'developer',
          content: [{ type: 'text', text: 'Long rules', cache_control: { type: 'ephemeral', ttl: '1h' } }],
        },
        { role: 'assistant', content: 'Hello' },
      ],
    })
    expect(params.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Long rules', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ])
    expect(params.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
    ])
  })

  it('merges consecutive same-role turns and passes cache_control on user and assistant text', () => {
    const { params } = convert({
      messages: [
        { role: 'user', content: 'One' },
        { role: 'user', content: [{ type: 'text', text: 'Two', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'A' },
        { role: 'assistant', content: [{ type: 'text', text: 'B', cache_control: { type: 'ephemeral' } }] },
      ],
    })
    expect(params.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'One' },
          { type: 'text', text: 'Two', cache_control: { type: 'ephemeral' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'A' },
          { type: 'text', text: 'B', cache_control: { type: 'ephemeral' } },
        ],
      },
    ])
  })

  it('rejects a malformed cache_control', () => {
    const e = rejects({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'forever' } }] }],
    })
    expect(e.message).toContain('cache_control')
  })

  it('converts images: data URLs to base64 sources, http(s) URLs to url sources', () => {
    const { params } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp', detail: 'high' } },
          ],
        },
      ],
    })
    expect(params.messages[0]!.content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
    ])
  })

  it.each([
    ['data:image/bmp;base64,Qk0=', 'image type "image/bmp" is not supported by Anthropic'],
    ['data:image/png,rawbytes', 'must be base64-encoded'],
    ['ftp://example.com/a.png', 'only http(s) and data: URLs'],
  ])('rejects image %s', (url, message) => {
    const e = rejects({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] })
    expect(e.message).toContain(message)
    expect(e.param).toBe('messages[0].content[0].image_url.url')
  })

  it.each([
    [[{ role: 'system', content: 'Be brief.' }]],
    [[{ role: 'user', content: '' }]],
    [[{ role: 'user', content: [{ type: 'text', text: '' }] }]],
  ])('refuses a conversation with nothing to answer (%j) before sending it', (messages) => {
    const e = rejects({ messages }, 'unsupported')
    expect(e.param).toBe('messages')
    expect(e.message).toContain('at least one user or assistant message')
  })

  it('rejects input_audio parts, naming the part type', () => {
    const part = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }
    const e = rejects({ messages: [{ role: 'user', content: [part] }] }, 'unsupported')
    expect(e.message).toBe('messages[0].content[0]: input_audio parts are not supported by Anthropic')
  })

  it('sends a PDF or plain text given as file_data as a document, its filename the title', () => {
    const pdf = { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' }
    const text = { file_data: `data:text/plain;base64,${Buffer.from('héllo').toString('base64')}` }
    const { params } = convert({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: pdf },
            { type: 'file', file: text },
          ],
        },
      ],
    })
    expect(params.messages[0]?.content).toEqual([
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'héllo' } },
    ])
  })

  it.each([
    [{ file_id: 'file-1' }],
    [{ file_data: 'data:application/msword;base64,AAAA' }],
    [{ file_data: 'JVBERi0=' }],
  ])('rejects a file Anthropic cannot read inline: %j', (file) => {
    const e = rejects({ messages: [{ role: 'user', content: [{ type: 'file', file }] }] }, 'unsupported')
    expect(e.param).toBe('messages[0].content[0].file')
    expect(e.message).toContain('a base64 data: URL of a PDF')
  })

  it('turns assistant tool_calls into tool_use and tool messages into one user turn of tool_results', () => {
    const { params } = convert({
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
            { id: 'toolu_3', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '21 °C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '18 °C' }] },
        { role: 'tool', tool_call_id: 'toolu_3', content: '' },
        { role: 'user', content: 'Thanks, and tomorrow?' },
      ],
    })
    expect(params.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Tokyo' } },
          { type: 'tool_use', id: 'toolu_3', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '21 °C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '18 °C' }] },
          { type: 'tool_result', tool_use_id: 'toolu_3' },
          { type: 'text', text: 'Thanks, and tomorrow?' },
        ],
      },
    ])
  })

  it('puts tool_results first in a user turn even when user text came before them', () => {
    const { params } = convert({
      messages: [
        {
          role: 'assistant',
          content: 'x',
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'user', content: 'also this' },
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
      ],
    })
    expect(params.messages[1]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
      { type: 'text', text: 'also this' },
    ])
  })

  it('rejects unparsable tool-call arguments, naming the message index', () => {
    const e = rejects(
      {
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"city": Par' } }],
          },
        ],
      },
      'unsupported',
    )
    expect(e.message).toBe('messages[1].tool_calls: function.arguments is not valid JSON, which Anthropic needs')
    expect(e.param).toBe('messages[1].tool_calls')
  })
})

describe('parameters', () => {
  it('max_tokens: max_completion_tokens, then max_tokens, then the target default, then 4096', () => {
    expect(convert({ max_completion_tokens: 100, max_tokens: 200 }).params.max_tokens).toBe(100)
    expect(convert({ max_tokens: 200 }).params.max_tokens).toBe(200)
    expect(convert({}, { ...target, defaultMaxTokens: 8192 }).params.max_tokens).toBe(8192)
    expect(convert({}).params.max_tokens).toBe(DEFAULT_MAX_TOKENS)
    expect(DEFAULT_MAX_TOKENS).toBe(4096)
  })

  it('maps temperature, top_p, stop, user; uses the target model', () => {
    const { params, warnings } = convert({ temperature: 0.3, top_p: 0.9, stop: 'END', user: 'user-42', n: 1 })
    expect(params).toMatchObject({
      model: 'claude-haiku-4-5',
      temperature: 0.3,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
    })
    expect(warnings).toEqual([])
    expect(convert({ stop: ['a', 'b'] }).params.stop_sequences).toEqual(['a', 'b'])
    expect(convert({ temperature: 1 }).params.temperature).toBe(1)
  })

  it('rejects a temperature above 1 instead of clamping it (another target may take it)', () => {
    const e = rejects({ temperature: 1.5 }, 'unsupported')
    expect(e.param).toBe('temperature')
    expect(e.message).toContain('between 0 and 1 for Anthropic (got 1.5)')
  })

  it('rejects n > 1 (another target may take it)', () => {
    const e = rejects({ n: 2 }, 'unsupported')
    expect([e.message, e.param]).toEqual(['n > 1 is not supported by Anthropic', 'n'])
  })

  it('drops what Anthropic cannot do, with a warning each; no warning for values that are defaults anyway', () => {
    const { params, warnings } = convert({
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: 0,
      logit_bias: { '50256': -100 },
      logprobs: true,
      top_logprobs: 2,
      store: true,
    })
    expect([...warnings].sort()).toEqual(
      ['frequency_penalty', 'logit_bias', 'logprobs', 'seed', 'store', 'top_logprobs'].map(
        (p) => `${p} is not supported by Anthropic and was ignored`,
      ),
    )
    expect(Object.keys(params).sort()).toEqual(['max_tokens', 'messages', 'model'])
    expect(convert({ logprobs: false, presence_penalty: 0, seed: null }).warnings).toEqual([])
  })
})

describe('tools', () => {
  it('maps function tools, defaulting a missing schema to an empty object schema', () => {
    const { params } = convert({ tools: [weather, { type: 'function', function: { name: 'get_time', strict: true } }] })
    expect(params.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather now',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      { name: 'get_time', strict: true, input_schema: { type: 'object', properties: {} } },
    ])
    expect(params.tool_choice).toBeUndefined()
  })

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['none', undefined, { type: 'none' }],
    ['required', undefined, { type: 'any' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, true, undefined],
  ])('tool_choice %j with parallel_tool_calls %j → %j', (choice, parallel, want) => {
    expect(
      convert({ tools: [weather], tool_choice: choice, parallel_tool_calls: parallel }).params.tool_choice,
    ).toEqual(want)
  })

  it('rejects tool_choice required without tools, and non-object parameter schemas', () => {
    expect(rejects({ tool_choice: 'required' }).param).toBe('tool_choice')
    expect(
      rejects({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] }).param,
    ).toBe('tools[0].function.parameters')
  })
})

describe('response_format (forced JSON tool)', () => {
  it('json_object: one forced tool accepting any object', () => {
    const { params, jsonToolName } = convert({ response_format: { type: 'json_object' } })
    expect(jsonToolName).toBe(JSON_TOOL_NAME)
    expect(params.tools).toEqual([
      {
        name: 'json_tool_call',
        description: expect.any(String),
        input_schema: { type: 'object', properties: {}, additionalProperties: true },
      },
    ])
    expect(params.tool_choice).toEqual({ type: 'tool', name: 'json_tool_call', disable_parallel_tool_use: true })
  })

  it('json_schema: the schema becomes the tool input schema', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' } },
      required: ['name'],
      additionalProperties: false,
    }
    const { params } = convert({
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'person', description: 'A person', schema, strict: true },
      },
    })
    expect(params.tools).toEqual([{ name: 'json_tool_call', description: 'A person', input_schema: schema }])
  })

  it('with the client’s tools: the model must call one of them or the JSON tool', () => {
    const { params } = convert({ tools: [weather], response_format: { type: 'json_object' } })
    expect(params.tools!.map((t) => t.name)).toEqual(['get_weather', 'json_tool_call'])
    expect(params.tool_choice).toEqual({ type: 'any' })
    expect(
      convert({ tools: [weather], tool_choice: 'none', response_format: { type: 'json_object' } }).params.tool_choice,
    ).toEqual({
      type: 'tool',
      name: 'json_tool_call',
      disable_parallel_tool_use: true,
    })
    expect(
      convert({
        tools: [weather],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        response_format: { type: 'json_object' },
      }).params.tool_choice,
    ).toEqual({
      type: 'tool',
      name: 'get_weather',
    })
  })

  it('text is the default and adds nothing; a non-object root schema is a 400', () => {
    expect(convert({ response_format: { type: 'text' } }).jsonToolName).toBeNull()
    const e = rejects({
      response_format: { type: 'json_schema', json_schema: { name: 'list', schema: { type: 'array' } } },
    })
    expect(e.param).toBe('response_format')
  })
})
