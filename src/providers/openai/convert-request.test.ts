import { describe, expect, it } from 'vitest'
import type { ChatRequest } from '../openai-schema.ts'
import type { Target } from '../types.ts'
import { toOpenAIBody } from './convert-request.ts'
import { reasoningRules } from './reasoning-models.ts'

function target(model: string, catalogReasoning = false): Target {
  return {
    id: `openai/${model}`,
    provider: 'openai',
    type: 'openai',
    model,
    keyAlias: 'openai#1',
    stateId: `openai#1/${model}`,
    apiKey: 'k',
    baseUrl: 'http://x/v1',
    timeoutMs: 1000,
    reasoning: reasoningRules(model, catalogReasoning),
  }
}

function convert(model: string, extra: Record<string, unknown>, stream = false) {
  const warnings: string[] = []
  const req = { model: 'smart', messages: [{ role: 'user', content: 'hi' }], ...extra } as ChatRequest
  return { body: JSON.parse(toOpenAIBody(req, target(model), stream, warnings)) as Record<string, unknown>, warnings }
}

const SAMPLING = {
  temperature: 0.2,
  top_p: 0.9,
  presence_penalty: 0.5,
  frequency_penalty: 0.5,
  logprobs: true,
  top_logprobs: 3,
  logit_bias: { '50256': -100 },
}

describe('toOpenAIBody', () => {
  it('forwards an ordinary model’s request as it is, unknown fields and all, with the target’s model', () => {
    const { body, warnings } = convert('gpt-4.1-mini', {
      ...SAMPLING,
      max_tokens: 100,
      stop: ['x'],
      parallel_tool_calls: false,
      some_new_param: 1,
    })
    expect(body).toEqual({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: 'hi' }],
      ...SAMPLING,
      max_tokens: 100,
      stop: ['x'],
      parallel_tool_calls: false,
      some_new_param: 1,
    })
    expect(warnings).toEqual([])
  })

  it('reasoning model: max_tokens becomes max_completion_tokens, refused sampling parameters are dropped, each named', () => {
    const { body, warnings } = convert('gpt-5', {
      ...SAMPLING,
      max_tokens: 100,
      stop: ['x'],
      parallel_tool_calls: false,
      reasoning_effort: 'low',
    })
    expect(body).toEqual({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 100,
      stop: ['x'],
      parallel_tool_calls: false,
      reasoning_effort: 'low',
    })
    expect(warnings).toEqual([
      'max_tokens was sent as max_completion_tokens (gpt-5 is a reasoning model)',
      ...Object.keys(SAMPLING).map((p) => `${p} is not supported by gpt-5 (a reasoning model) and was not sent`),
    ])
  })

  it("o-series: parallel_tool_calls is dropped too, even false; the client's max_completion_tokens wins", () => {
    const { body, warnings } = convert('o4-mini-2025-04-16', {
      max_tokens: 100,
      max_completion_tokens: 400,
      parallel_tool_calls: false,
    })
    expect(body).toEqual({
      model: 'o4-mini-2025-04-16',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 400,
    })
    expect(warnings).toEqual([
      'max_tokens was not sent: max_completion_tokens is set, and o4-mini-2025-04-16 takes only that',
      'parallel_tool_calls is not supported by o4-mini-2025-04-16 (a reasoning model) and was not sent',
    ])
  })

  it('drops values that change nothing without a word, and nulls too', () => {
    const { body, warnings } = convert(
      'o3',
      {
        temperature: 1,
        top_p: 1,
        presence_penalty: 0,
        frequency_penalty: 0,
        logprobs: false,
        top_logprobs: 0,
        logit_bias: {},
        parallel_tool_calls: true,
        max_tokens: null,
      },
      true,
    )
    expect(body).toEqual({
      model: 'o3',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(warnings).toEqual([])
  })

  it("an ordinary OpenAI model: reasoning_effort, which it refuses, is dropped and named; a compatible server's is kept", () => {
    const { body, warnings } = convert('gpt-4.1-mini', { reasoning_effort: 'low', temperature: 0.2 })
    expect(body).toEqual({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 })
    expect(warnings).toEqual([
      'reasoning_effort is not supported by gpt-4.1-mini (not a reasoning model) and was not sent',
    ])
    expect(convert('gpt-4.1-mini', { reasoning_effort: null }).warnings).toEqual([])
    expect(convert('gpt-5', { reasoning_effort: 'low' }).body).toMatchObject({ reasoning_effort: 'low' })
    const compatible = { ...target('qwen3'), type: 'openai-compatible' }
    const req = { model: 'm', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'low' } as ChatRequest
    expect(JSON.parse(toOpenAIBody(req, compatible, false, []))).toMatchObject({ reasoning_effort: 'low' })
  })

  it('the gpt-5 chat models are ordinary chat models', () => {
    expect(convert('gpt-5-chat-latest', { temperature: 0.2, max_tokens: 5 }).body).toMatchObject({
      temperature: 0.2,
      max_tokens: 5,
    })
  })
})

describe('reasoningRules', () => {
  it.each([
    ['o1', true, true],
    ['o3-mini-2025-01-31', true, true],
    ['ft:o4-mini-2025-04-16:acme::abc', true, true],
    ['gpt-5', true, false],
    ['gpt-5.2-pro', true, false],
    ['ft:gpt-5-mini-2025-08-07:acme::abc', true, false],
    ['gpt-5-chat-latest', false, false],
    ['gpt-5.1-chat-latest', false, false],
    ['gpt-4.1-mini', false, false],
    ['llama-3.1-8b', false, false],
  ])('%s: reasoning %s, refuses parallel_tool_calls %s', (model, reasoning, parallel) => {
    const r = reasoningRules(model, false)
    expect(r !== undefined).toBe(reasoning)
    if (r) expect(r.refusesParallelToolCalls).toBe(parallel)
  })

  it('follows the catalog where the id says nothing (codex-mini-latest)', () => {
    expect(reasoningRules('codex-mini-latest', false)).toBeUndefined()
    expect(reasoningRules('codex-mini-latest', true)).toEqual({ refusesParallelToolCalls: false })
  })
})
