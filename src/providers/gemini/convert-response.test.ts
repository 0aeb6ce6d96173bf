import { describe, expect, it } from 'vitest'
import { type ResponseContext, toChatCompletion, toProviderUsage } from './convert-response.ts'
import type { GeminiResponse } from './gemini-types.ts'

function ctx(): ResponseContext {
  let n = 0
  return { id: 'chatcmpl-test', created: 1760000000, model: 'gemini-2.5-flash', newToolCallId: () => `call_${++n}` }
}

describe('toChatCompletion', () => {
  it('converts the reference text answer, with usage and modelVersion', () => {
    const res: GeminiResponse = {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'Sunny, ' }, { text: '21°C.' }] }, finishReason: 'STOP', index: 0 },
      ],
      usageMetadata: {
        promptTokenCount: 52,
        candidatesTokenCount: 7,
        totalTokenCount: 181,
        thoughtsTokenCount: 122,
        cachedContentTokenCount: 0,
      },
      modelVersion: 'gemini-2.5-flash-001',
      responseId: 'mW3vaKX2Lp',
    }
    expect(toChatCompletion(res, ctx())).toEqual({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1760000000,
      model: 'gemini-2.5-flash-001',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Sunny, 21°C.', refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 52,
        completion_tokens: 129,
        total_tokens: 181,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 122 },
      },
    })
  })

  it('turns functionCall parts into tool calls with synthesised ids, and STOP into tool_calls', () => {
    const res: GeminiResponse = {
      candidates: [
        {
          content: {
            parts: [
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
              { functionCall: { name: 'now' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    }
    const out = toChatCompletion(res, ctx())
    expect(out.model).toBe('gemini-2.5-flash')
    expect(out).not.toHaveProperty('usage')
    expect(out.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'now', arguments: '{}' } },
          ],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
    ])
  })

  it('keeps text next to tool calls, thought summaries apart as reasoning_content', () => {
    const res: GeminiResponse = {
      candidates: [
        {
          content: {
            parts: [
              { text: 'Planning…', thought: true },
              { text: 'Checking.' },
              { functionCall: { name: 'f', args: {} } },
            ],
          },
          finishReason: 'STOP',
        },
        {
          content: { parts: [{ text: '' }, { functionCall: { name: 'g', args: {} } }] },
          finishReason: 'STOP',
          index: 1,
        },
      ],
    }
    const [first, second] = toChatCompletion(res, ctx()).choices
    expect(first!.message.content).toBe('Checking.')
    expect(first!.message['reasoning_content']).toBe('Planning…')
    expect(first!.message.tool_calls).toHaveLength(1)
    expect(second!.message).not.toHaveProperty('reasoning_content')
    // An empty text part next to a call is no content, as OpenAI reports it.
    expect(second!.message.content).toBeNull()
  })

  it('makes one choice per candidate, ordered by index', () => {
    const res: GeminiResponse = {
      candidates: [
        { content: { parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS', index: 1 },
        { content: { parts: [{ text: 'A' }] }, finishReason: 'STOP', index: 0 },
      ],
    }
    const choices = toChatCompletion(res, ctx()).choices
    expect(choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'A', 'stop'],
      [1, 'B', 'length'],
    ])
  })

  it('gives a filtered candidate without content an empty string and content_filter', () => {
    const res: GeminiResponse = { candidates: [{ finishReason: 'SAFETY', index: 0 }] }
    expect(toChatCompletion(res, ctx()).choices[0]).toMatchObject({
      message: { content: '' },
      finish_reason: 'content_filter',
    })
  })

  it('answers a blocked prompt (no candidates) with one empty content_filter choice', () => {
    const res: GeminiResponse = {
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
      usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 },
    }
    const out = toChatCompletion(res, ctx())
    expect(out.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: '', refusal: null },
        finish_reason: 'content_filter',
        logprobs: null,
      },
    ])
    expect(out.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 })
  })
})

describe('toProviderUsage', () => {
  it('counts thoughts as completion and reasoning, cached inside the prompt, tool-use prompt as prompt', () => {
    expect(
      toProviderUsage({
        promptTokenCount: 100,
        cachedContentTokenCount: 60,
        candidatesTokenCount: 10,
        thoughtsTokenCount: 30,
        toolUsePromptTokenCount: 5,
      }),
    ).toEqual({ promptTokens: 105, cachedTokens: 60, cacheWriteTokens: 0, completionTokens: 40, reasoningTokens: 30 })
  })

  it('is null without usageMetadata and zero-fills missing counts', () => {
    expect(toProviderUsage(undefined)).toBeNull()
    expect(toProviderUsage({})).toEqual({
      promptTokens: 0,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      completionTokens: 0,
      reasoningTokens: 0,
    })
  })
})
