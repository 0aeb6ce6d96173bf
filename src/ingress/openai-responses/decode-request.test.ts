import type { ResponseCreateParamsNonStreaming, ResponseInput } from 'openai/resources/responses/responses'
import { describe, expect, it } from 'vitest'
import type { ChatRequest } from '../../providers/openai-schema.ts'
import { validateChatRequest } from '../../server/validate.ts'
import { decodeRequest } from './decode-request.ts'

/** The body as the `openai` SDK types it: what the Agents SDK, Codex and the AI SDK send. */
type Body = ResponseCreateParamsNonStreaming | (Omit<ResponseCreateParamsNonStreaming, 'stream'> & { stream: true })

function decoded(body: Body | Record<string, unknown>): { request: ChatRequest; warnings: string[] } {
  const d = decodeRequest(body)
  if (!d.ok) throw new Error(`refused: ${d.error.message}`)
  return d
}

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather now',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
}
const PNG = 'https://example.com/a.png'
const noArgs = { name: 'get_weather', arguments: '{}' }
const chatWeather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather now', parameters: weather.parameters, strict: false },
}

/** [what, body, the chat request's fields that matter, warnings]. */
const translations: Array<[string, Body, Partial<ChatRequest>, string[]?]> = [
  [
    'a string input is one user message',
    { model: 'fast', input: 'Hi' },
    { messages: [{ role: 'user', content: 'Hi' }] },
  ],
  [
    'instructions come first, as a system message',
    { model: 'fast', instructions: 'Be brief.', input: 'Hi' },
    {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    },
  ],
  [
    'message items keep their roles; developer stays developer',
    {
      model: 'fast',
      input: [
        { role: 'developer', content: 'Rules' },
        { role: 'system', content: [{ type: 'input_text', text: 'More rules' }] },
        { type: 'message', role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
      ],
    },
    {
      messages: [
        { role: 'developer', content: 'Rules' },
        { role: 'system', content: [{ type: 'text', text: 'More rules' }] },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
      ],
    },
  ],
  [
    'user parts: text, images (URL or data URL, with detail) and files',
    {
      model: 'fast',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
            { type: 'input_file', file_id: 'file-123' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
          ],
        },
      ],
    },
    {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' } },
            { type: 'file', file: { file_id: 'file-123' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
          ],
        },
      ],
    },
  ],
  [
    "an image's detail 'original' is sent as 'high', with a warning",
    {
      model: 'fast',
      input: [{ role: 'user', content: [{ type: 'input_image', image_url: PNG, detail: 'original' }] }],
    },
    { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG, detail: 'high' } }] }] },
    ["input_image detail 'original' was sent as 'high' (chat completions have no 'original')"],
  ],
  [
    'assistant history as output items: output_text and refusal parts',
    {
      model: 'fast',
      input: [
        {
          type: 'message',
          id: 'msg_1',
          role: 'assistant',
          status: 'completed',
          content: [
            { type: 'output_text', text: 'Sure.', annotations: [] },
            { type: 'refusal', refusal: 'Not that.' },
          ],
        },
        { role: 'user', content: 'Why?' },
      ],
    },
    {
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Sure.' },
            { type: 'refusal', refusal: 'Not that.' },
          ],
        },
        { role: 'user', content: 'Why?' },
      ],
    },
  ],
  [
    'a message item and the function calls after it are one assistant turn; outputs are tool messages',
    {
      model: 'fast',
      tools: [weather],
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { role: 'assistant', content: 'Checking.' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}', id: 'fc_2' },
        { type: 'function_call_output', call_id: 'call_1', output: 'Sunny' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'Rain' }] },
      ],
    },
    {
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'Rain' }] },
      ],
    },
  ],
  [
    'a call answered, then another: two assistant turns',
    {
      model: 'fast',
      tools: [weather],
      input: [
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'Sunny' },
        { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_2', output: 'Rain' },
      ],
    },
    {
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: noArgs }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: noArgs }] },
        { role: 'tool', tool_call_id: 'call_2', content: 'Rain' },
      ],
    },
  ],
  [
    'reasoning items are dropped, with a warning; they do not split a turn',
    {
      model: 'fast',
      tools: [weather],
      input: [
        { role: 'user', content: 'Paris?' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'Sunny' },
      ],
    },
    {
      messages: [
        { role: 'user', content: 'Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      ],
    },
    ['input: 1 reasoning item(s) not sent (chat completions take none)'],
  ],
  [
    'function tools are nested; tool_choice and parallel_tool_calls go along',
    {
      model: 'fast',
      input: 'Hi',
      tools: [weather],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: false,
    },
    {
      tools: [chatWeather],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    },
  ],
  [
    "a tool without strict is sent without it, and the warning says so (the Responses API's default is strict)",
    { model: 'fast', input: 'Hi', tools: [{ type: 'function', name: 'f' } as never], tool_choice: 'required' },
    { tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' },
    ['tools: no strict set for f; sent non-strict (the chat default), the schema as it is'],
  ],
  [
    "without tools, tool_choice 'auto' and parallel_tool_calls change nothing and are not sent",
    { model: 'fast', input: 'Hi', tools: [], tool_choice: 'auto', parallel_tool_calls: true },
    { tools: undefined, tool_choice: undefined, parallel_tool_calls: undefined },
  ],
  [
    'sampling, limits, metadata and identity fields',
    {
      model: 'fast',
      input: 'Hi',
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 16,
      metadata: { team: 'a' },
      user: 'u1',
      safety_identifier: 's1',
      prompt_cache_key: 'k1',
      service_tier: 'flex',
    },
    {
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 16,
      max_tokens: undefined,
      metadata: { team: 'a' },
      user: 'u1',
      safety_identifier: 's1',
      prompt_cache_key: 'k1',
      service_tier: 'flex',
    },
  ],
  [
    'text.format json_schema → response_format',
    {
      model: 'fast',
      input: 'Hi',
      text: {
        format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true, description: 'd' },
      },
    },
    {
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, description: 'd', strict: true },
      },
    },
  ],
  [
    'text.format json_object, with the word JSON in the input',
    { model: 'fast', instructions: 'Answer in JSON.', input: 'Hi', text: { format: { type: 'json_object' } } },
    { response_format: { type: 'json_object' } },
  ],
  [
    'reasoning.effort → reasoning_effort; its summary comes back from the reasoning text',
    { model: 'fast', input: 'Hi', reasoning: { effort: 'low', summary: 'auto' } },
    { reasoning_effort: 'low' },
  ],
  [
    'reasoning.summary without an effort: a translated target thinks unasked at most, and shows none: a warning',
    { model: 'fast', input: 'Hi', reasoning: { summary: 'auto' } },
    {},
    ['reasoning.summary: without reasoning.effort, a translated target returns no summary'],
  ],
  [
    'stream asks for usage too: the final event carries it',
    { model: 'fast', input: 'Hi', stream: true },
    { stream: true, stream_options: { include_usage: true } },
  ],
  ['store absent (OpenAI defaults it to true) or false: no word', { model: 'fast', input: 'Hi', store: false }, {}],
  [
    'store: true said explicitly: a warning that nothing is stored',
    { model: 'fast', input: 'Hi', store: true },
    {},
    ['store: responses are not stored (routes.yaml server.responses.retention_s is 0)'],
  ],
  [
    'what has no chat counterpart is named in a warning',
    {
      model: 'fast',
      input: 'Hi',
      truncation: 'auto',
      include: ['reasoning.encrypted_content'],
      text: { verbosity: 'low' },
      top_logprobs: 2,
      max_tool_calls: 3,
      truncation_strategy: 'x',
    } as Body,
    { top_logprobs: undefined, logprobs: undefined },
    [
      'text.verbosity is not supported by chat completions and was not sent',
      "truncation 'auto' is not supported: input too long for the model fails instead of being cut",
      'include: reasoning.encrypted_content will not come',
      "top_logprobs is not supported by Headroom's /v1/responses and was not sent",
      "truncation_strategy is not known to Headroom's /v1/responses and was ignored",
    ],
  ],
]

describe('decodeRequest: what translates', () => {
  it.each(translations)('%s', (_what, body, expected, warnings = []) => {
    const d = decoded(body)
    expect(d.request).toMatchObject({ model: 'fast' })
    for (const [k, v] of Object.entries(expected)) expect(d.request[k], k).toEqual(v)
    expect(d.warnings).toEqual(warnings)
  })

  it.each(translations)('%s: the chat endpoint would take the request as it is', (_what, body) => {
    const { request } = decoded(body)
    expect(validateChatRequest(structuredClone(request))).toEqual(request)
  })

  it('reads the input typed as the SDK types it', () => {
    const input: ResponseInput = [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }]
    const { messages } = decoded({ model: 'fast', input }).request
    expect(messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }])
  })
})

const hi = { model: 'fast', input: 'Hi' }
const user = (content: unknown) => ({ role: 'user', content })

/** [what, body, the error's param, code, message (a part of it)]. */
const refusals: Array<[string, unknown, string | null, string | null, string]> = [
  ['a body that is no object', [1], null, 'invalid_type', 'The request body must be a JSON object, but got an array.'],
  ['no model', { input: 'Hi' }, 'model', 'missing_required_parameter', "Missing required parameter: 'model'."],
  ['no input', { model: 'fast' }, 'input', 'missing_required_parameter', "Missing required parameter: 'input'."],
  [
    'input of another type',
    { model: 'fast', input: 3 },
    'input',
    'invalid_type',
    "Invalid type for 'input': expected one of a string or an array, but got an integer instead.",
  ],
  [
    'an empty input',
    { model: 'fast', input: [] },
    'input',
    'empty_array',
    "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.",
  ],
  [
    'max_output_tokens under 16 (OpenAI says so too)',
    { model: 'fast', input: 'Hi', max_output_tokens: 10 },
    'max_output_tokens',
    'integer_below_min_value',
    "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 10 instead.",
  ],
  [
    'metadata of more than 16 pairs',
    { model: 'fast', input: 'Hi', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
    'metadata',
    'object_above_max_properties',
    "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead.",
  ],
  [
    'a metadata key longer than 64',
    { model: 'fast', input: 'Hi', metadata: { ['k'.repeat(65)]: 'v' } },
    `metadata.${'k'.repeat(65)}`,
    'property_name_above_max_length',
    "Invalid property name in 'metadata': 'kkk...kkk' is too long. Expected a string with maximum length 64, but got a string with length 65 instead.",
  ],
  [
    'reasoning.effort not an effort',
    { model: 'fast', input: 'Hi', reasoning: { effort: 'ultra' } },
    'reasoning.effort',
    'invalid_value',
    "Invalid value: 'ultra'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'.",
  ],
  [
    'temperature above 2',
    { model: 'fast', input: 'Hi', temperature: 3 },
    'temperature',
    'decimal_above_max_value',
    "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
  ],
  [
    'previous_response_id',
    { model: 'fast', input: 'Hi', previous_response_id: 'resp_1' },
    'previous_response_id',
    'unsupported_parameter',
    'previous_response_id is not supported: Headroom keeps no responses (routes.yaml server.responses.retention_s is 0)',
  ],
  [
    'conversation',
    { ...hi, conversation: 'conv_1' },
    'conversation',
    'unsupported_parameter',
    'keeps no conversations',
  ],
  ['a stored prompt', { ...hi, prompt: { id: 'pmpt_1' } }, 'prompt', 'unsupported_parameter', 'stored prompts'],
  ['background', { ...hi, background: true }, 'background', 'unsupported_parameter', 'polled later'],
  [
    'a built-in tool',
    { model: 'fast', input: 'Hi', tools: [weather, { type: 'web_search' }] },
    'tools[1].type',
    'unsupported_value',
    "tools[1].type is not supported: the built-in tool 'web_search': Headroom translates function tools only",
  ],
  [
    'a function name OpenAI refuses',
    { model: 'fast', input: 'Hi', tools: [{ ...weather, name: 'get weather' }] },
    'tools[0].name',
    'invalid_value',
    "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'",
  ],
  [
    'a tool_choice of a built-in tool',
    { model: 'fast', input: 'Hi', tools: [weather], tool_choice: { type: 'file_search' } },
    'tool_choice.type',
    'unsupported_value',
    "tool_choice.type is not supported: 'file_search'",
  ],
  [
    "tool_choice 'required' without tools",
    { model: 'fast', input: 'Hi', tool_choice: 'required' },
    'tool_choice',
    null,
    "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
  ],
  [
    'a tool_choice naming a function not among the tools',
    { model: 'fast', input: 'Hi', tools: [weather], tool_choice: { type: 'function', name: 'other' } },
    'tool_choice',
    'invalid_value',
    "Invalid value for 'tool_choice': function 'other' is not among the 'tools' provided.",
  ],
  [
    'an item_reference (it points at a stored item)',
    { model: 'fast', input: [{ type: 'item_reference', id: 'msg_1' }] },
    'input[0]',
    'unsupported_parameter',
    'input[0] is not supported: item_reference: Headroom keeps no items',
  ],
  [
    'a built-in tool call item',
    { model: 'fast', input: [{ type: 'computer_call', id: 'cu_1' }] },
    'input[0].type',
    'unsupported_value',
    "input[0].type is not supported: items of type 'computer_call'",
  ],
  [
    'a message of an unknown role',
    { model: 'fast', input: [{ role: 'tool', content: 'x' }] },
    'input[0].role',
    'invalid_value',
    "Invalid value: 'tool'. Supported values are: 'user', 'assistant', 'system', and 'developer'.",
  ],
  [
    'a content part of an unknown type',
    { model: 'fast', input: [{ role: 'user', content: [{ type: 'input_video' }] }] },
    'input[0].content[0].type',
    'invalid_value',
    "Invalid value: 'input_video'.",
  ],
  [
    'a function call without its output',
    { model: 'fast', input: [{ type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' }, user('Hi')] },
    'input',
    null,
    'No tool output found for function call call_1.',
  ],
  [
    'a call left unanswered when the next turn calls again',
    {
      model: 'fast',
      input: [
        { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
        { type: 'function_call', call_id: 'call_2', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'x' },
        { type: 'function_call', call_id: 'call_3', name: 'f', arguments: '{}' },
      ],
    },
    'input',
    null,
    'No tool output found for function call call_2.',
  ],
  [
    'an output without its call',
    { model: 'fast', input: [user('Hi'), { type: 'function_call_output', call_id: 'call_9', output: 'x' }] },
    'input',
    null,
    'No tool call found for function call output with call_id call_9.',
  ],
  [
    'a function call without call_id',
    { model: 'fast', input: [{ type: 'function_call', name: 'f', arguments: '{}' }] },
    'input[0].call_id',
    'missing_required_parameter',
    "Missing required parameter: 'input[0].call_id'.",
  ],
  [
    'an image by file_id (chat takes images by URL)',
    { model: 'fast', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1', detail: 'auto' }] }] },
    'input[0].content[0].file_id',
    'unsupported_parameter',
    'input[0].content[0].file_id is not supported: chat completions take images by URL',
  ],
  [
    'a file by URL',
    { model: 'fast', input: [user([{ type: 'input_file', file_url: 'https://example.com/a.pdf' }])] },
    'input[0].content[0].file_url',
    'unsupported_parameter',
    'chat completions take files by file_id or file_data',
  ],
  [
    'an image in a system message',
    { model: 'fast', input: [{ role: 'system', content: [{ type: 'input_image', image_url: PNG, detail: 'auto' }] }] },
    'input[0].content[0].type',
    'unsupported_value',
    "'input_image' in a system message: chat completions take text only there",
  ],
  [
    'a json_schema format without a name',
    { model: 'fast', input: 'Hi', text: { format: { type: 'json_schema', schema: {} } } },
    'text.format.name',
    'missing_required_parameter',
    "Missing required parameter: 'text.format.name'.",
  ],
  [
    'json_object without the word json anywhere',
    { model: 'fast', input: 'Hi', text: { format: { type: 'json_object' } } },
    'input',
    null,
    "'input' must contain the word 'json' in some form, to use 'text.format' of type 'json_object'.",
  ],
]

describe('decodeRequest: what is refused, in OpenAI-shaped 400s that name the parameter', () => {
  it.each(refusals)('%s', (_what, body, param, code, message) => {
    const d = decodeRequest(body)
    expect(d.ok).toBe(false)
    if (d.ok) return
    expect(d.error).toMatchObject({ status: 400, type: 'invalid_request_error', param, code })
    expect(d.error.message).toContain(message)
  })
})
