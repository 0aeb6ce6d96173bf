import { describe, expect, it } from 'vitest'
import { ChatRequestSchema } from '../openai-schema.ts'
import { ProviderError } from '../types.ts'
import { testTarget } from './__fixtures__/upstream.ts'
import { toAnthropicRequest } from './convert-request.ts'

function convert(body: Record<string, unknown>, model = 'claude-sonnet-4-5') {
  const req = ChatRequestSchema.parse({ model: 'x', messages: [{ role: 'user', content: 'hi' }], ...body })
  return toAnthropicRequest(req, testTarget({ model }))
}

const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }

describe('reasoning_effort → thinking', () => {
  it.each([
    ['minimal', 1024],
    ['low', 1024],
    ['medium', 8192],
    ['high', 24_576],
    ['xhigh', 32_768],
  ])('%s: a budget of %i tokens, on top of the default answer length when the client sets no cap', (effort, budget) => {
    const { params, warnings } = convert({ reasoning_effort: effort })
    expect(params.thinking).toEqual({ type: 'enabled', budget_tokens: budget })
    expect(params.max_tokens).toBe(4096 + budget)
    expect(warnings).toEqual([
      `max_tokens was sent as ${4096 + budget}: 4096 for the answer plus a thinking budget of ${budget}`,
    ])
  })

  it('the budget cut where the default answer plus it would pass the most the model writes', () => {
    const req = ChatRequestSchema.parse({
      model: 'x',
      messages: [{ role: 'user', content: 'hi' }],
      reasoning_effort: 'xhigh',
    })
    const { params, warnings } = toAnthropicRequest(
      req,
      testTarget({ model: 'claude-opus-4-1', maxOutputTokens: 32_000 }),
    )
    expect([params.max_tokens, params.thinking]).toEqual([32_000, { type: 'enabled', budget_tokens: 27_904 }])
    expect(warnings).toEqual([
      'reasoning_effort "xhigh" was sent as a thinking budget of 27904 tokens, not 32768: claude-opus-4-1 writes at most 32000',
      'max_tokens was sent as 32000: 4096 for the answer plus a thinking budget of 27904',
    ])
  })

  it('none: no thinking, nothing to say (Claude thinks only when asked)', () => {
    const { params, warnings } = convert({ reasoning_effort: 'none' })
    expect(params.thinking).toBeUndefined()
    expect(warnings).toEqual([])
  })

  it("keeps the client's cap, cutting the budget to half of it when it would not fit below", () => {
    const fits = convert({ reasoning_effort: 'low', max_completion_tokens: 5000 })
    expect([fits.params.max_tokens, fits.params.thinking, fits.warnings]).toEqual([
      5000,
      { type: 'enabled', budget_tokens: 1024 },
      [],
    ])
    const cut = convert({ reasoning_effort: 'high', max_tokens: 10_000 })
    expect([cut.params.max_tokens, cut.params.thinking]).toEqual([10_000, { type: 'enabled', budget_tokens: 5000 }])
    expect(cut.warnings).toEqual([
      'reasoning_effort "high" was sent as a thinking budget of 5000 tokens, not 24576: Anthropic\'s budget must stay below the output cap (10000)',
    ])
    const tight = convert({ reasoning_effort: 'medium', max_tokens: 1500 })
    expect(tight.params.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })
    const tiny = convert({ reasoning_effort: 'medium', max_tokens: 1024 })
    expect(tiny.params.thinking).toBeUndefined()
    expect(tiny.warnings).toEqual([
      "reasoning_effort was not sent: an output cap of 1024 leaves no room for Anthropic's smallest thinking budget (1024 tokens)",
    ])
  })

  it('leaves out sampling Anthropic refuses while thinking, and says so', () => {
    const { params, warnings } = convert({ reasoning_effort: 'low', temperature: 0.2, top_p: 0.5, max_tokens: 4000 })
    expect(params).not.toHaveProperty('temperature')
    expect(params).not.toHaveProperty('top_p')
    expect(warnings).toEqual([
      'temperature was not sent: Anthropic takes only the default (1) while thinking',
      'top_p was not sent: Anthropic takes only 0.95 to 1 while thinking',
    ])
    const kept = convert({ reasoning_effort: 'low', temperature: 1, top_p: 0.95, max_tokens: 4000 })
    expect([kept.params.temperature, kept.params.top_p, kept.warnings]).toEqual([1, 0.95, []])
  })

  it('does not think when a tool is forced (tool_choice, or response_format as a tool), keeping the sampling', () => {
    for (const body of [
      { tools: [weather], tool_choice: 'required' },
      { tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } },
      { response_format: { type: 'json_object' } },
    ]) {
      const { params, warnings } = convert({ reasoning_effort: 'high', temperature: 0.3, ...body })
      expect(params.thinking).toBeUndefined()
      expect(params.temperature).toBe(0.3)
      expect(params.max_tokens).toBe(4096)
      expect(warnings).toEqual([
        'reasoning_effort was not sent: Anthropic cannot think while a tool call is forced (by tool_choice, or by a JSON format sent as a tool)',
      ])
    }
    expect(convert({ reasoning_effort: 'low', tools: [weather], tool_choice: 'auto' }).params.thinking).toBeDefined()
  })

  it("does not think while answering tool calls: Anthropic wants that turn's thinking block, which chat never carries", () => {
    const call = { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }
    const messages = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
    ]
    const { params, warnings } = convert({ reasoning_effort: 'low', tools: [weather], messages })
    expect(params.thinking).toBeUndefined()
    expect(warnings[0]).toMatch(/^reasoning_effort was not sent: Anthropic wants the thinking of the turn/)
    // A new question after the tool loop starts a new turn: thinking again.
    const next = [...messages, { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'and tomorrow?' }]
    expect(convert({ reasoning_effort: 'low', tools: [weather], messages: next }).params.thinking).toBeDefined()
  })

  it('keeps the old answer for models that do not think: not sent, with a warning', () => {
    const { params, warnings } = convert({ reasoning_effort: 'high' }, 'claude-3-5-haiku-20241022')
    expect(params.thinking).toBeUndefined()
    expect(params.max_tokens).toBe(4096)
    expect(warnings).toEqual([
      'reasoning_effort is not supported by claude-3-5-haiku-20241022 (it does not think) and was not sent',
    ])
    for (const model of ['claude-3-7-sonnet-20250219', 'claude-opus-4-1', 'claude-haiku-4-5-20251001'])
      expect(convert({ reasoning_effort: 'low' }, model).params.thinking, model).toBeDefined()
  })

  it('refuses an effort OpenAI does not define, naming reasoning_effort', () => {
    let err: unknown
    try {
      convert({ reasoning_effort: 'ultra' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ProviderError)
    expect(err).toMatchObject({ status: 400, kind: 'bad_request', param: 'reasoning_effort' })
    expect((err as ProviderError).message).toContain("Invalid value: 'ultra'.")
  })
})
