import type { Message } from '@anthropic-ai/sdk/resources/messages'
import { describe, expect, it } from 'vitest'
import { ProviderError } from '../types.ts'
import { toChatCompletion, toProviderUsage } from './convert-response.ts'

const opts = { provider: 'anthropic', created: 1760000000, jsonToolName: null }

function message(
  content: unknown[],
  stop_reason: string,
  usage: Record<string, unknown> = { input_tokens: 412, output_tokens: 57 },
): Message {
  return {
    id: 'msg_01AbC',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason,
    stop_sequence: null,
    usage,
  } as unknown as Message
}

describe('toChatCompletion', () => {
  it('text and tool_use → content and tool_calls (ids unchanged, arguments as JSON)', () => {
    const msg = message(
      [
        { type: 'text', text: 'Checking ' },
        { type: 'text', text: 'the weather.' },
        { type: 'tool_use', id: 'toolu_01XyZ', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {} },
      ],
      'tool_use',
      {
        input_tokens: 412,
        output_tokens: 57,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 2048,
        cache_creation: null,
        service_tier: 'standard',
      },
    )
    const { completion, usage } = toChatCompletion(msg, opts)
    expect(completion).toEqual({
      id: 'msg_01AbC',
      object: 'chat.completion',
      created: 1760000000,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking the weather.',
            refusal: null,
            tool_calls: [
              { id: 'toolu_01XyZ', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'toolu_02', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 2460,
        completion_tokens: 57,
        total_tokens: 2517,
        prompt_tokens_details: { cached_tokens: 2048 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    })
    expect(usage).toEqual({
      promptTokens: 2460,
      cachedTokens: 2048,
      cacheWriteTokens: 0,
      completionTokens: 57,
      reasoningTokens: 0,
    })
  })

  it('only tool calls → content null; thinking as reasoning_content, its signature, redacted and server-tool blocks left out', () => {
    const msg = message(
      [
        { type: 'thinking', thinking: 'Let me think', signature: 'sig' },
        { type: 'redacted_thinking', data: 'xx' },
        { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: [1, 2] } },
      ],
      'tool_use',
    )
    const m = toChatCompletion(msg, opts).completion.choices[0]!.message
    expect(m.content).toBeNull()
    expect(m.tool_calls).toHaveLength(1)
    expect(m['reasoning_content']).toBe('Let me think')
    expect(JSON.stringify(m)).not.toContain('sig')
  })

  it('a message without usage (a proxy that strips it) → no usage, not zeros, so the spend row estimates', () => {
    const msg = { ...message([{ type: 'text', text: 'Hi.' }], 'end_turn'), usage: undefined } as unknown as Message
    const { completion, usage } = toChatCompletion(msg, opts)
    expect(usage).toBeNull()
    expect('usage' in completion).toBe(false)
    expect(completion.choices[0]!.message.content).toBe('Hi.')
  })

  it('no blocks at all → empty string content, finish mapped', () => {
    const c = toChatCompletion(message([], 'max_tokens'), opts).completion.choices[0]!
    expect([c.message.content, c.finish_reason, 'tool_calls' in c.message]).toEqual(['', 'length', false])
    expect(
      toChatCompletion(message([{ type: 'text', text: 'no' }], 'refusal'), opts).completion.choices[0]!.finish_reason,
    ).toBe('content_filter')
  })

  it('the forced JSON tool becomes the content, finishing with stop', () => {
    const msg = message(
      [{ type: 'tool_use', id: 'toolu_j', name: 'json_tool_call', input: { name: 'Ada', born: 1815 } }],
      'tool_use',
    )
    const c = toChatCompletion(msg, { ...opts, jsonToolName: 'json_tool_call' }).completion.choices[0]!
    expect(c.message.content).toBe('{"name":"Ada","born":1815}')
    expect(c.message.tool_calls).toBeUndefined()
    expect(c.finish_reason).toBe('stop')
  })

  it('the JSON tool beside a real tool call: content + tool_calls, finish tool_calls', () => {
    const msg = message(
      [
        { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'toolu_j', name: 'json_tool_call', input: { ok: true } },
      ],
      'tool_use',
    )
    const c = toChatCompletion(msg, { ...opts, jsonToolName: 'json_tool_call' }).completion.choices[0]!
    expect([c.message.content, c.message.tool_calls?.length, c.finish_reason]).toEqual(['{"ok":true}', 1, 'tool_calls'])
  })

  it('a body without content is a bad upstream response', () => {
    expect(() => toChatCompletion('<html>' as unknown as Message, opts)).toThrow(ProviderError)
    expect(() => toChatCompletion({ id: 'x' } as unknown as Message, opts)).toThrow('sent an invalid response')
  })
})

describe('toProviderUsage', () => {
  it('prompt = input + cache read + cache write; cached = read; write kept apart; thinking as reasoning', () => {
    expect(
      toProviderUsage({
        input_tokens: 12,
        cache_read_input_tokens: 2048,
        cache_creation_input_tokens: 512,
        output_tokens: 30,
        output_tokens_details: { thinking_tokens: 9 },
      }),
    ).toEqual({
      promptTokens: 2572,
      cachedTokens: 2048,
      cacheWriteTokens: 512,
      completionTokens: 30,
      reasoningTokens: 9,
    })
  })

  it('treats null and missing counts as 0', () => {
    expect(toProviderUsage({ input_tokens: 5, output_tokens: 1, cache_read_input_tokens: null })).toEqual({
      promptTokens: 5,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      completionTokens: 1,
      reasoningTokens: 0,
    })
  })
})
