import { describe, expect, it } from 'vitest'
import type { ChatCompletion, ChatCompletionMessage, FinishReason } from '../../providers/openai-schema.ts'
import { answers, CTX } from './__fixtures__/answers.ts'
import { encodeResponse } from './encode-response.ts'

function completion(message: Partial<ChatCompletionMessage>, finish: FinishReason | null = 'stop', extra = {}) {
  const answer: ChatCompletion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4.1-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: null, ...message },
        finish_reason: finish,
        logprobs: null,
        ...extra,
      },
    ],
  }
  return answer
}

const toolCall = (args: string) => ({ id: 'c1', type: 'function' as const, function: { name: 'f', arguments: args } })

describe('recorded answers', () => {
  it.each(answers)('$name', ({ completion, message }) => {
    expect(encodeResponse(completion, CTX)).toEqual(message)
  })
})

describe('content', () => {
  it('names the model the client asked for, and makes the id from the request id', () => {
    const m = encodeResponse(completion({ content: 'x' }), { model: 'smart', id: 'req-7f/2' })
    expect([m.model, m.id]).toEqual(['smart', 'msg_req-7f2'])
  })

  it('makes no text block of empty text', () => {
    expect(encodeResponse(completion({ content: '' }), CTX).content).toEqual([])
  })

  it('gives a refusal as text (Claude refuses in plain text too)', () => {
    expect(encodeResponse(completion({ refusal: 'I can’t help with that.' }), CTX).content).toEqual([
      { type: 'text', text: 'I can’t help with that.' },
    ])
  })

  it.each([
    ['an object', '{"a":1}', { a: 1 }],
    ['no arguments', '', {}],
    ['invalid JSON: kept, wrapped as Anthropic’s docs suggest', '{"a":', { INVALID_JSON: '{"a":' }],
    ['JSON that is not an object', '[1,2]', { INVALID_JSON: '[1,2]' }],
  ])('tool arguments: %s', (_name, args, input) => {
    const m = encodeResponse(completion({ tool_calls: [toolCall(args)] }, 'tool_calls'), CTX)
    expect(m.content).toEqual([{ type: 'tool_use', id: 'c1', name: 'f', input }])
  })

  it('answers an empty completion (no choices) with an empty message', () => {
    const m = encodeResponse({ ...completion({}), choices: [] }, CTX)
    expect([m.content, m.stop_reason]).toEqual([[], 'end_turn'])
  })
})

describe('stop reason', () => {
  it.each<[string, FinishReason | null, Partial<ChatCompletionMessage>, object, string, string | null]>([
    ['stop', 'stop', { content: 'x' }, {}, 'end_turn', null],
    ['length', 'length', { content: 'x' }, {}, 'max_tokens', null],
    ['tool_calls', 'tool_calls', { tool_calls: [toolCall('{}')] }, {}, 'tool_use', null],
    ['content_filter', 'content_filter', { content: '' }, {}, 'refusal', null],
    ['a stop sequence named (vLLM)', 'stop', { content: 'x' }, { stop_reason: '<|end|>' }, 'stop_sequence', '<|end|>'],
    ['tool calls finished with stop (some servers)', 'stop', { tool_calls: [toolCall('{}')] }, {}, 'tool_use', null],
  ])('%s', (_name, finish, message, extra, stopReason, stopSequence) => {
    const m = encodeResponse(completion(message, finish, extra), CTX)
    expect([m.stop_reason, m.stop_sequence]).toEqual([stopReason, stopSequence])
  })
})

describe('usage', () => {
  const zero = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  it.each([
    ['none reported', undefined, zero],
    [
      'cached tokens counted apart from input',
      { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, prompt_tokens_details: { cached_tokens: 800 } },
      { input_tokens: 200, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 800 },
    ],
    [
      'cache writes where the upstream reports them (OpenRouter)',
      {
        prompt_tokens: 1000,
        completion_tokens: 10,
        total_tokens: 1010,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 900 },
      },
      { input_tokens: 100, output_tokens: 10, cache_creation_input_tokens: 900, cache_read_input_tokens: 0 },
    ],
  ])('%s', (_name, usage, expected) => {
    expect(encodeResponse({ ...completion({ content: 'x' }), usage }, CTX).usage).toEqual(expected)
  })
})
