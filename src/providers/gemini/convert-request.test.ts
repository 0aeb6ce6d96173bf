import { describe, expect, it } from 'vitest'
import { type ChatRequest, ChatRequestSchema } from '../openai-schema.ts'
import { ProviderError } from '../types.ts'
import { toGeminiRequest, toolResponse } from './convert-request.ts'

const target = { provider: 'google', model: 'gemini-2.5-flash' }
/** Requests go through the server's zod schema first; so do the test inputs. */
const req = (body: Record<string, unknown>): ChatRequest => ChatRequestSchema.parse({ model: 'fast', ...body })
const convert = (body: Record<string, unknown>) => toGeminiRequest(req(body), target)
const user = (content: unknown) => ({ role: 'user', content })

function rejects(body: Record<string, unknown>): ProviderError {
  try {
    convert(body)
  } catch (err) {
    if (err instanceof ProviderError) return err
    throw err
  }
  throw new Error('expected a ProviderError')
}

describe('toGeminiRequest: messages', () => {
  it('gathers system and developer messages (anywhere) into systemInstruction', () => {
    const { body } = convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        user('Hi'),
        { role: 'developer', content: [{ type: 'text', text: 'Use metric.' }] },
        { role: 'system', content: '' },
      ],
    })
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }, { text: 'Use metric.' }] })
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }])
    expect(body).not.toHaveProperty('generationConfig')
    expect(body).not.toHaveProperty('tools')
  })

  it('maps assistant to model and merges consecutive same-role turns', () => {
    const { body } = convert({
      messages: [
        user('a'),
        user([{ type: 'text', text: 'b' }]),
        { role: 'assistant', content: 'c' },
        { role: 'assistant', content: [{ type: 'text', text: 'd' }] },
        user('e'),
      ],
    })
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }, { text: 'd' }] },
      { role: 'user', parts: [{ text: 'e' }] },
    ])
  })

  it('converts images, audio and files to inlineData / fileData', () => {
    const { body, warnings } = convert({
      messages: [
        user([
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=large' } },
          { type: 'image_url', image_url: { url: 'https://example.com/photo' } },
          { type: 'image_url', image_url: { url: 'gs://bucket/dir/pic.PNG', detail: 'auto' } },
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
        ]),
      ],
    })
    expect(body.contents[0]!.parts).toEqual([
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?size=large' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/photo' } },
      { fileData: { mimeType: 'image/png', fileUri: 'gs://bucket/dir/pic.PNG' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ])
    expect(warnings).toEqual([])
  })

  it('warns once about image detail it cannot honour', () => {
    const img = { type: 'image_url', image_url: { url: 'https://x/a.png', detail: 'low' } }
    expect(convert({ messages: [user([img, img])] }).warnings).toEqual([
      'image_url.detail is not supported by Gemini and was not sent',
    ])
  })

  // bad_request: OpenAI refuses it too; unsupported: valid for OpenAI, so the route tries its next target.
  it.each([
    [
      user([{ type: 'image_url', image_url: { url: 'ftp://x/a.png' } }]),
      'messages[0].content[0].image_url.url',
      'bad_request',
    ],
    [
      user([{ type: 'image_url', image_url: { url: 'data:image/png,rawbytes' } }]),
      'messages[0].content[0].image_url.url',
      'bad_request',
    ],
    [
      user([{ type: 'input_audio', input_audio: { data: 'x', format: 'pcm16' } }]),
      'messages[0].content[0].input_audio.format',
      'unsupported',
    ],
    [user([{ type: 'file', file: { file_id: 'file-abc' } }]), 'messages[0].content[0].file', 'unsupported'],
  ])('rejects unsendable content with a 400 naming it (%#)', (message, param, kind) => {
    expect(rejects({ messages: [message] })).toMatchObject({ status: 400, kind, param })
  })

  it('turns tool calls into functionCall parts and tool results into functionResponse parts in one user turn', () => {
    const { body } = convert({
      messages: [
        user('Weather in Paris and Tokyo?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: '12:00' },
        { role: 'tool', tool_call_id: 'call_a', content: '{"temp_c":21}' },
        user('Thanks'),
      ],
    })
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_time', response: { content: '12:00' } } },
          { functionResponse: { name: 'get_weather', response: { temp_c: 21 } } },
          { text: 'Thanks' },
        ],
      },
    ])
  })

  it('keeps assistant text and refusals next to tool calls', () => {
    const { body } = convert({
      messages: [
        user('q'),
        {
          role: 'assistant',
          content: 'Let me look.',
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: '[1,2]' }] },
        { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
      ],
    })
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [{ text: 'Let me look.' }, { functionCall: { name: 'f', args: {} } }],
    })
    expect(body.contents[2]).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'f', response: { content: '[1,2]' } } }],
    })
    expect(body.contents[3]).toEqual({ role: 'model', parts: [{ text: 'I cannot help with that.' }] })
  })

  it('rejects a tool result whose id matches no earlier call, naming it', () => {
    const e = rejects({ messages: [user('q'), { role: 'tool', tool_call_id: 'call_zzz', content: 'x' }] })
    expect(e).toMatchObject({ status: 400, kind: 'bad_request', param: 'messages[1].tool_call_id' })
    expect(e.message).toContain('"call_zzz"')
  })

  it.each([
    ['{"city":', /messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/],
    ['[1,2]', /must be a JSON object/],
  ])('rejects tool call arguments %j', (args, message) => {
    const e = rejects({
      messages: [
        user('q'),
        { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] },
      ],
    })
    expect(e.message).toMatch(message)
    expect([e.kind, e.param]).toEqual(['unsupported', 'messages[1].tool_calls[0].function.arguments'])
  })

  it('rejects a conversation of system messages only', () => {
    expect(rejects({ messages: [{ role: 'system', content: 'x' }] })).toMatchObject({
      status: 400,
      kind: 'unsupported',
      param: 'messages',
    })
  })

  it('warns about message names it cannot send', () => {
    expect(convert({ messages: [{ role: 'user', content: 'x', name: 'alice' }] }).warnings).toEqual([
      'messages[].name is not supported by Gemini and was not sent',
    ])
  })
})

describe('toolResponse', () => {
  it('sends a JSON object as is and anything else as {content}', () => {
    expect(toolResponse(' {"a":1} ')).toEqual({ a: 1 })
    expect(toolResponse('{not json')).toEqual({ content: '{not json' })
    expect(toolResponse('[1]')).toEqual({ content: '[1]' })
    expect(toolResponse('42')).toEqual({ content: '42' })
    expect(toolResponse('')).toEqual({ content: '' })
  })
})

describe('toGeminiRequest: tools', () => {
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      strict: true,
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  }
  const noArgs = { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }

  it('declares functions with converted schemas; a function without arguments gets no parameters', () => {
    const { body, warnings } = convert({ messages: [user('q')], tools: [weather, noArgs] })
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
          { name: 'now' },
        ],
      },
    ])
    expect(warnings).toEqual([])
  })

  it('warns about schema constraints it drops, and rejects a schema it cannot send', () => {
    const loose = {
      type: 'function',
      function: { name: 'f', parameters: { type: 'object', properties: { n: { type: 'number', multipleOf: 2 } } } },
    }
    expect(convert({ messages: [user('q')], tools: [loose] }).warnings).toEqual([
      'tools[0].function.parameters: Gemini cannot express multipleOf at #/properties/n; not sent',
    ])
    const recursive = {
      type: 'function',
      function: { name: 'f', parameters: { type: 'object', properties: { me: { $ref: '#' } } } },
    }
    expect(rejects({ messages: [user('q')], tools: [weather, recursive] })).toMatchObject({
      status: 400,
      kind: 'unsupported',
      param: 'tools[1].function.parameters',
    })
  })

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    ],
  ])('maps tool_choice %j', (choice, config) => {
    expect(convert({ messages: [user('q')], tools: [weather], tool_choice: choice }).body.toolConfig).toEqual({
      functionCallingConfig: config,
    })
  })

  it('handles tool_choice without tools or naming an unknown function', () => {
    expect(convert({ messages: [user('q')], tool_choice: 'none' }).body).not.toHaveProperty('toolConfig')
    expect(rejects({ messages: [user('q')], tool_choice: 'required' })).toMatchObject({
      kind: 'bad_request',
      param: 'tool_choice',
    })
    expect(
      rejects({
        messages: [user('q')],
        tools: [weather],
        tool_choice: { type: 'function', function: { name: 'nope' } },
      }),
    ).toMatchObject({ kind: 'bad_request', param: 'tool_choice' })
  })

  it('rejects the deprecated functions parameter instead of ignoring it', () => {
    expect(rejects({ messages: [user('q')], functions: [{ name: 'f' }] })).toMatchObject({
      status: 400,
      kind: 'unsupported',
      param: 'functions',
    })
  })
})

describe('toGeminiRequest: generation parameters', () => {
  it('maps sampling, limits and stops to generationConfig', () => {
    const { body, warnings } = convert({
      messages: [user('q')],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: ['END', 'STOP'],
      n: 2,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
    })
    expect(body.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 200,
      stopSequences: ['END', 'STOP'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
    })
    expect(warnings).toEqual([])
  })

  it('takes a single stop string and max_tokens alone; temperature 0 is kept', () => {
    expect(
      convert({ messages: [user('q')], stop: 'END', max_tokens: 5, temperature: 0 }).body.generationConfig,
    ).toEqual({
      temperature: 0,
      maxOutputTokens: 5,
      stopSequences: ['END'],
    })
  })

  it('rejects more than 5 stop sequences instead of dropping some', () => {
    const e = rejects({ messages: [user('q')], stop: ['1', '2', '3', '4', '5', '6'] })
    expect(e).toMatchObject({ status: 400, param: 'stop' })
    expect(e.message).toMatch(/at most 5/)
  })

  it('maps response_format', () => {
    expect(convert({ messages: [user('q')], response_format: { type: 'text' } }).body).not.toHaveProperty(
      'generationConfig',
    )
    expect(convert({ messages: [user('q')], response_format: { type: 'json_object' } }).body.generationConfig).toEqual({
      responseMimeType: 'application/json',
    })
    const { body } = convert({
      messages: [user('q')],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          strict: true,
          schema: {
            type: 'object',
            properties: { a: { type: ['string', 'null'] } },
            required: ['a'],
            additionalProperties: false,
          },
        },
      },
    })
    expect(body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { a: { type: 'string', nullable: true } }, required: ['a'] },
    })
  })

  it('rejects a response schema it cannot send', () => {
    const e = rejects({
      messages: [user('q')],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { $ref: 'other.json' } } },
    })
    expect(e).toMatchObject({ status: 400, kind: 'unsupported', param: 'response_format.json_schema.schema' })
  })

  it('drops parameters without a Gemini counterpart with a warning each', () => {
    const { body, warnings } = convert({
      messages: [user('q')],
      user: 'u-1',
      parallel_tool_calls: false,
      logit_bias: { '50256': -100 },
      logprobs: true,
      top_logprobs: 2,
      service_tier: 'flex',
      modalities: ['text', 'audio'],
    })
    expect(warnings).toEqual([
      'user is not supported by Gemini and was not sent',
      'parallel_tool_calls is not supported by Gemini and was not sent',
      'logit_bias is not supported by Gemini and was not sent',
      'logprobs is not supported by Gemini and was not sent',
      'top_logprobs is not supported by Gemini and was not sent',
      'service_tier is not supported by Gemini and was not sent',
      'modalities is not supported by Gemini and was not sent',
    ])
    expect(body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'q' }] }] })
  })

  it('does not warn for values that are Gemini behaviour already', () => {
    expect(
      convert({
        messages: [user('q')],
        parallel_tool_calls: true,
        logprobs: false,
        logit_bias: {},
        user: null,
        modalities: ['text'],
      }).warnings,
    ).toEqual([])
  })
})
