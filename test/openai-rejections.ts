/**
 * Bodies OpenAI's Chat Completions answers with a 400, each with the error it gives: `param`, `code` and
 * message. Every case breaks one rule of a valid body (BASE). Shared by the contract suite (Headroom's
 * edge and the simulator must both answer each exactly so) and the end-to-end suite (the answer is the
 * same whichever provider the route would use).
 */

export interface Rejection {
  name: string
  /** Merged over BASE; `messages` replaces BASE's. */
  body: Record<string, unknown>
  param: string | null
  code: string | null
  message: string
}

export const BASE = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] }

const CALL = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }
const TOOL = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }
const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))

const below = (param: string, kind: 'integer' | 'decimal', min: number, got: number): Rejection['message'] =>
  `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${got} instead.`
const above = (param: string, kind: 'integer' | 'decimal', max: number, got: number): Rejection['message'] =>
  `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${got} instead.`

/** The five the issue found answered 200 by Anthropic and Gemini routes. */
export const REPRODUCTIONS: Rejection[] = [
  {
    name: 'stream_options without stream: true',
    body: { stream_options: { include_usage: true } },
    param: 'stream_options',
    code: null,
    message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
  },
  {
    name: 'five stop sequences',
    body: { stop: ['a', 'b', 'c', 'd', 'e'] },
    param: 'stop',
    code: 'array_above_max_length',
    message:
      "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length 5 instead.",
  },
  {
    name: 'logit_bias keyed by a word, not a token id',
    body: { logit_bias: { AI: 5 } },
    param: 'logit_bias',
    code: null,
    message: "Invalid key in 'logit_bias': AI. You should only be submitting non-negative integers.",
  },
  {
    name: 'json_object with no message mentioning JSON',
    body: { response_format: { type: 'json_object' } },
    param: 'messages',
    code: null,
    message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
  },
  {
    name: 'a tool call never answered',
    body: {
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [CALL] },
        { role: 'user', content: 'well?' },
      ],
      tools: [TOOL],
    },
    param: 'messages.[1].role',
    code: null,
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_1",
  },
]

/** The rest of the class: OpenAI's documented constraints on a chat completion. */
export const REJECTIONS: Rejection[] = [
  ...REPRODUCTIONS,
  {
    name: 'logit_bias above 100',
    body: { logit_bias: { '50256': 150 } },
    param: 'logit_bias.50256',
    code: 'decimal_above_max_value',
    message: above('logit_bias.50256', 'decimal', 100, 150),
  },
  {
    name: 'logit_bias below -100',
    body: { logit_bias: { '50256': -101 } },
    param: 'logit_bias.50256',
    code: 'decimal_below_min_value',
    message: below('logit_bias.50256', 'decimal', -100, -101),
  },
  {
    name: 'logit_bias not an object',
    body: { logit_bias: [5] },
    param: 'logit_bias',
    code: 'invalid_type',
    message: "Invalid type for 'logit_bias': expected an object, but got an array instead.",
  },
  {
    name: 'the last message an unanswered tool call',
    body: {
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', tool_calls: [CALL] },
      ],
      tools: [TOOL],
    },
    param: 'messages.[1].role',
    code: null,
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_1",
  },
  {
    name: 'a tool message answering no tool call',
    body: {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'tool', tool_call_id: 'call_1', content: '21C' },
      ],
    },
    param: 'messages.[1].role',
    code: null,
    message:
      "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
  },
  {
    name: 'a tool message whose tool_call_id matches no call',
    body: {
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', tool_calls: [CALL] },
        { role: 'tool', tool_call_id: 'call_9', content: '21C' },
      ],
      tools: [TOOL],
    },
    param: 'messages.[2].tool_call_id',
    code: null,
    message: "Invalid parameter: 'tool_call_id' of 'call_9' not found in 'tool_calls' of previous message.",
  },
  {
    name: 'stop a number',
    body: { stop: 5 },
    param: 'stop',
    code: 'invalid_type',
    message: "Invalid type for 'stop': expected one of a string or array of strings, but got an integer instead.",
  },
  { name: 'n 0', body: { n: 0 }, param: 'n', code: 'integer_below_min_value', message: below('n', 'integer', 1, 0) },
  {
    name: 'n 129',
    body: { n: 129 },
    param: 'n',
    code: 'integer_above_max_value',
    message: above('n', 'integer', 128, 129),
  },
  {
    name: 'n 1.5',
    body: { n: 1.5 },
    param: 'n',
    code: 'invalid_type',
    message: "Invalid type for 'n': expected an integer, but got a decimal number instead.",
  },
  {
    name: 'temperature 2.5',
    body: { temperature: 2.5 },
    param: 'temperature',
    code: 'decimal_above_max_value',
    message: above('temperature', 'decimal', 2, 2.5),
  },
  {
    name: 'temperature 3 (an integer, still a decimal field)',
    body: { temperature: 3 },
    param: 'temperature',
    code: 'decimal_above_max_value',
    message: above('temperature', 'decimal', 2, 3),
  },
  {
    name: 'temperature -0.5',
    body: { temperature: -0.5 },
    param: 'temperature',
    code: 'decimal_below_min_value',
    message: below('temperature', 'decimal', 0, -0.5),
  },
  {
    name: 'temperature as a string',
    body: { temperature: 'warm' },
    param: 'temperature',
    code: 'invalid_type',
    message: "Invalid type for 'temperature': expected a decimal, but got a string instead.",
  },
  {
    name: 'top_p 1.5',
    body: { top_p: 1.5 },
    param: 'top_p',
    code: 'decimal_above_max_value',
    message: above('top_p', 'decimal', 1, 1.5),
  },
  {
    name: 'presence_penalty 3',
    body: { presence_penalty: 3 },
    param: 'presence_penalty',
    code: 'decimal_above_max_value',
    message: above('presence_penalty', 'decimal', 2, 3),
  },
  {
    name: 'frequency_penalty -2.5',
    body: { frequency_penalty: -2.5 },
    param: 'frequency_penalty',
    code: 'decimal_below_min_value',
    message: below('frequency_penalty', 'decimal', -2, -2.5),
  },
  {
    name: 'top_logprobs 21',
    body: { logprobs: true, top_logprobs: 21 },
    param: 'top_logprobs',
    code: 'integer_above_max_value',
    message: above('top_logprobs', 'integer', 20, 21),
  },
  {
    name: 'top_logprobs without logprobs',
    body: { top_logprobs: 2 },
    param: 'top_logprobs',
    code: null,
    message: "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
  },
  {
    name: 'top_logprobs with logprobs false',
    body: { logprobs: false, top_logprobs: 2 },
    param: 'top_logprobs',
    code: null,
    message: "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.",
  },
  {
    name: 'max_tokens 0',
    body: { max_tokens: 0 },
    param: 'max_tokens',
    code: 'integer_below_min_value',
    message: below('max_tokens', 'integer', 1, 0),
  },
  {
    name: 'max_completion_tokens 0',
    body: { max_completion_tokens: 0 },
    param: 'max_completion_tokens',
    code: 'integer_below_min_value',
    message: below('max_completion_tokens', 'integer', 1, 0),
  },
  {
    name: 'max_tokens 10.5',
    body: { max_tokens: 10.5 },
    param: 'max_tokens',
    code: 'invalid_type',
    message: "Invalid type for 'max_tokens': expected an integer, but got a decimal number instead.",
  },
  {
    name: 'seed 1.5',
    body: { seed: 1.5 },
    param: 'seed',
    code: 'invalid_type',
    message: "Invalid type for 'seed': expected an integer, but got a decimal number instead.",
  },
  {
    name: 'tool_choice naming a function not in tools',
    body: { tools: [TOOL], tool_choice: { type: 'function', function: { name: 'get_time' } } },
    param: 'tool_choice',
    code: 'invalid_value',
    message: "Invalid value for 'tool_choice': function 'get_time' is not among the 'tools' provided.",
  },
  {
    name: 'tool_choice without tools',
    body: { tool_choice: 'auto' },
    param: 'tool_choice',
    code: null,
    message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
  },
  {
    name: 'parallel_tool_calls without tools',
    body: { parallel_tool_calls: false },
    param: 'parallel_tool_calls',
    code: null,
    message:
      "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
  },
  {
    name: 'an unknown tool_choice',
    body: { tools: [TOOL], tool_choice: 'any' },
    param: 'tool_choice',
    code: 'invalid_value',
    message: "Invalid value: 'any'. Supported values are: 'none', 'auto', and 'required'.",
  },
  {
    name: 'tools empty',
    body: { tools: [] },
    param: 'tools',
    code: 'empty_array',
    message: "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
  },
  {
    name: 'a function name with a space',
    body: { tools: [{ type: 'function', function: { name: 'get weather' } }] },
    param: 'tools[0].function.name',
    code: 'invalid_value',
    message:
      "Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
  },
  {
    name: 'a function name of 65 characters',
    body: { tools: [{ type: 'function', function: { name: 'f'.repeat(65) } }] },
    param: 'tools[0].function.name',
    code: 'string_above_max_length',
    message:
      "Invalid 'tools[0].function.name': string too long. Expected a string with maximum length 64, but got a string with length 65 instead.",
  },
  {
    name: 'a json_schema name with a dot',
    body: { response_format: { type: 'json_schema', json_schema: { name: 'weather.v1', schema: { type: 'object' } } } },
    param: 'response_format.json_schema.name',
    code: 'invalid_value',
    message:
      "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
  },
  {
    name: 'a json_schema without a name',
    body: { response_format: { type: 'json_schema', json_schema: { schema: { type: 'object' } } } },
    param: 'response_format.json_schema.name',
    code: 'missing_required_parameter',
    message: "Missing required parameter: 'response_format.json_schema.name'.",
  },
  {
    name: 'an unknown response_format type',
    body: { response_format: { type: 'xml' } },
    param: 'response_format.type',
    code: 'invalid_value',
    message: "Invalid value: 'xml'. Supported values are: 'json_object', 'json_schema', and 'text'.",
  },
  {
    name: 'no messages',
    body: { messages: [] },
    param: 'messages',
    code: 'empty_array',
    message:
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
  },
  {
    name: 'messages not an array',
    body: { messages: 'hi' },
    param: 'messages',
    code: 'invalid_type',
    message: "Invalid type for 'messages': expected an array of objects, but got a string instead.",
  },
  {
    name: 'content a number',
    body: { messages: [{ role: 'user', content: 7 }] },
    param: 'messages[0].content',
    code: 'invalid_type',
    message:
      "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead.",
  },
  {
    name: 'content over 1,048,576 characters',
    body: { messages: [{ role: 'user', content: 'x'.repeat(1_048_577) }] },
    param: 'messages[0].content',
    code: 'string_above_max_length',
    message:
      "Invalid 'messages[0].content': string too long. Expected a string with maximum length 1048576, but got a string with length 1048577 instead.",
  },
  {
    name: 'an image in a system message',
    body: {
      messages: [
        { role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        { role: 'user', content: 'hi' },
      ],
    },
    param: 'messages[0].content[0].type',
    code: 'invalid_value',
    message: "Invalid value: 'image_url'. Supported values are: 'text'.",
  },
  {
    name: 'an image in an assistant message',
    body: {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        { role: 'user', content: 'hi' },
      ],
    },
    param: 'messages[1].content[0].type',
    code: 'invalid_value',
    message: "Invalid value: 'image_url'. Supported values are: 'text' and 'refusal'.",
  },
  {
    name: 'a refusal part in a user message',
    body: { messages: [{ role: 'user', content: [{ type: 'refusal', refusal: 'no' }] }] },
    param: 'messages[0].content[0].type',
    code: 'invalid_value',
    message: "Invalid value: 'refusal'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'.",
  },
  {
    name: 'an image in a tool message',
    body: {
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', tool_calls: [CALL] },
        {
          role: 'tool',
          tool_call_id: 'call_1',
          content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
        },
      ],
      tools: [TOOL],
    },
    param: 'messages[2].content[0].type',
    code: 'invalid_value',
    message: "Invalid value: 'image_url'. Supported values are: 'text'.",
  },
  {
    name: 'metadata with 17 pairs',
    body: { metadata: seventeen },
    param: 'metadata',
    code: 'object_above_max_properties',
    message:
      "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead.",
  },
  {
    name: 'a metadata key of 65 characters',
    body: { metadata: { ['k'.repeat(65)]: 'v' } },
    param: `metadata.${'k'.repeat(65)}`,
    code: 'property_name_above_max_length',
    message:
      "Invalid property name in 'metadata': 'kkk...kkk' is too long. Expected a string with maximum length 64, but got a string with length 65 instead.",
  },
  {
    name: 'a metadata value of 513 characters',
    body: { metadata: { note: 'x'.repeat(513) } },
    param: 'metadata.note',
    code: 'string_above_max_length',
    message:
      "Invalid 'metadata.note': string too long. Expected a string with maximum length 512, but got a string with length 513 instead.",
  },
]

/** Bodies OpenAI serves: the edge must let each through unchanged (passthrough stays faithful). */
export const ACCEPTED: Array<{ name: string; body: Record<string, unknown> }> = [
  { name: 'stream_options with stream: true', body: { stream: true, stream_options: { include_usage: true } } },
  { name: 'stream_options: null without stream', body: { stream_options: null } },
  { name: 'four stop sequences', body: { stop: ['a', 'b', 'c', 'd'] } },
  { name: 'logit_bias of token ids at the bounds', body: { logit_bias: { '50256': -100, '13': 100, '0': 0.5 } } },
  {
    name: 'json_object with JSON mentioned in any case',
    body: {
      messages: [
        { role: 'system', content: 'Answer in Json.' },
        { role: 'user', content: 'hi' },
      ],
      response_format: { type: 'json_object' },
    },
  },
  {
    name: 'json_object with JSON in a text part',
    body: {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'give me json' }] }],
      response_format: { type: 'json_object' },
    },
  },
  {
    name: 'every tool call answered, then the conversation goes on',
    body: {
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [CALL, { ...CALL, id: 'call_2' }] },
        { role: 'tool', tool_call_id: 'call_2', content: '18C' },
        { role: 'tool', tool_call_id: 'call_1', content: '21C' },
        { role: 'assistant', content: 'Warm.' },
        { role: 'user', content: 'thanks' },
      ],
      tools: [TOOL],
    },
  },
  { name: 'top_logprobs with logprobs', body: { logprobs: true, top_logprobs: 20 } },
  {
    name: 'tool_choice and parallel_tool_calls with tools',
    body: {
      tools: [TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    },
  },
  { name: 'tool_choice: null without tools', body: { tool_choice: null } },
  {
    name: 'metadata with 16 pairs at the limits',
    body: {
      metadata: Object.fromEntries(
        Array.from({ length: 16 }, (_, i) => [`${'k'.repeat(62)}${String(i).padStart(2, '0')}`, 'v'.repeat(512)]),
      ),
    },
  },
  {
    name: 'fields Headroom does not know (passed through to OpenAI)',
    body: {
      store: false,
      service_tier: 'auto',
      prediction: { type: 'content', content: 'x' },
      safety_identifier: 'u1',
    },
  },
]
