import type { Response } from 'openai/resources/responses/responses'
import { describe, expect, it } from 'vitest'
import type { ChatCompletion, ChatCompletionMessage, FinishReason, Usage } from '../../providers/openai-schema.ts'
import { encodeResponse } from './encode-response.ts'

type Fields = Partial<ChatCompletionMessage>

function completion(fields: Fields, finish: FinishReason = 'stop', usage?: Usage): ChatCompletion {
  const message: ChatCompletionMessage = { role: 'assistant', content: null, refusal: null, ...fields }
  const c: ChatCompletion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1760000000,
    model: 'gpt-4.1-mini-2025-04-14',
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
  }
  if (usage) c.usage = usage
  return c
}

const ctx = { model: 'fast', id: 'req_7' }
const usage: Usage = {
  prompt_tokens: 100,
  completion_tokens: 20,
  total_tokens: 120,
  prompt_tokens_details: { cached_tokens: 64 },
  completion_tokens_details: { reasoning_tokens: 12 },
}
const call = (id: string, name: string, args: string) => ({
  id,
  type: 'function' as const,
  function: { name, arguments: args },
})
const fc = (id: string, call_id: string, name: string, args: string) => ({
  id,
  type: 'function_call' as const,
  status: 'completed' as const,
  call_id,
  name,
  arguments: args,
})
const text = (t: string) => ({ type: 'output_text' as const, text: t, annotations: [], logprobs: [] })
const message = (status: 'completed' | 'incomplete', ...content: Array<ReturnType<typeof text>>) => ({
  id: 'msg_7_0',
  type: 'message' as const,
  status,
  role: 'assistant' as const,
  content,
})

/** [what, the completion, the response's fields that matter]. */
const cases: Array<[string, ChatCompletion, Partial<Omit<Response, 'output_text'>>]> = [
  [
    'text → one message item with an output_text part',
    completion({ content: 'Hello.' }),
    {
      status: 'completed',
      incomplete_details: null,
      output: [message('completed', text('Hello.'))],
    },
  ],
  [
    'tool calls only → function_call items, no message',
    completion(
      { tool_calls: [call('call_1', 'weather', '{"city":"Paris"}'), call('call_2', 'time', '{}')] },
      'tool_calls',
    ),
    {
      status: 'completed',
      output: [fc('fc_7_0', 'call_1', 'weather', '{"city":"Paris"}'), fc('fc_7_1', 'call_2', 'time', '{}')],
    },
  ],
  [
    'text and a tool call → the message first, then the call',
    completion({ content: 'Checking.', tool_calls: [call('call_1', 'f', '{}')] }, 'tool_calls'),
    {
      output: [message('completed', text('Checking.')), fc('fc_7_1', 'call_1', 'f', '{}')],
    },
  ],
  [
    'a refusal → a refusal part',
    completion({ refusal: 'I cannot help with that.' }),
    {
      output: [
        {
          id: 'msg_7_0',
          type: 'message',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'refusal', refusal: 'I cannot help with that.' }],
        },
      ],
    },
  ],
  [
    'cut at the token cap → incomplete, max_output_tokens; the item incomplete too',
    completion({ content: 'Once upon' }, 'length'),
    {
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [message('incomplete', text('Once upon'))],
    },
  ],
  [
    'stopped by a filter → incomplete, content_filter',
    completion({ content: '' }, 'content_filter'),
    {
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
      output: [message('incomplete', text(''))],
    },
  ],
  [
    'usage → input/output tokens with cached and reasoning details',
    completion({ content: 'Hi' }, 'stop', usage),
    {
      usage: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 64, cache_write_tokens: 0 },
        output_tokens: 20,
        output_tokens_details: { reasoning_tokens: 12 },
        total_tokens: 120,
      },
    },
  ],
]

describe('encodeResponse', () => {
  it.each(cases)('%s', (_what, answer, expected) => {
    const r = encodeResponse(answer, ctx)
    for (const [k, v] of Object.entries(expected)) expect(r[k as keyof typeof r], k).toEqual(v)
  })

  it('is a Response as the SDK types it, with the id, model and time of the request (no output_text)', () => {
    const r: Omit<Response, 'output_text'> = encodeResponse(completion({ content: 'Hi' }), ctx)
    expect(r).toMatchObject({ id: 'resp_7', object: 'response', created_at: 1760000000, model: 'fast', error: null })
    expect(r).not.toHaveProperty('output_text')
    expect(r).not.toHaveProperty('usage')
  })

  it("echoes what the request set, and OpenAI's defaults for what it left out", () => {
    const bare = encodeResponse(completion({ content: 'Hi' }), ctx)
    expect(bare).toMatchObject({
      instructions: null,
      tools: [],
      tool_choice: 'auto',
      temperature: 1,
      top_p: 1,
      parallel_tool_calls: true,
      max_output_tokens: null,
      text: { format: { type: 'text' } },
      reasoning: { effort: null, summary: null },
      metadata: {},
      truncation: 'disabled',
      previous_response_id: null,
    })
    const echoed = {
      instructions: 'Be brief.',
      tool_choice: { type: 'function', name: 'f' },
      top_p: 0.5,
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'a', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'high', summary: 'auto' },
      user: 'u1',
    }
    const tool = { type: 'function', name: 'f', description: 'F', parameters: { type: 'object' } }
    const body = { model: 'fast', input: 'Hi', tools: [tool], ...echoed }
    expect(encodeResponse(completion({ content: '{}' }), { ...ctx, body })).toMatchObject({
      ...echoed,
      tools: [{ ...tool, strict: null }],
    })
  })
})

describe('the target reasoning text', () => {
  const asked = { ...ctx, body: { model: 'fast', input: 'q', reasoning: { effort: 'low', summary: 'auto' } } }
  const answer = completion({ content: 'ok', reasoning_content: 'Thinking.' })

  it('asked reasoning.summary: a reasoning item with it as the summary, before the message', () => {
    const r = encodeResponse(answer, asked)
    expect(r.output).toEqual([
      { id: 'rs_7_0', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking.' }], status: 'completed' },
      { ...message('completed', text('ok')), id: 'msg_7_1' },
    ])
  })

  it('not asked: the message alone', () => {
    expect(encodeResponse(answer, ctx).output).toEqual([message('completed', text('ok'))])
  })
})
