import { describe, expect, it } from 'vitest'
import { ChatRequestSchema, THINKING_BUDGET, withThinkingBudget } from '../openai-schema.ts'
import { ProviderError } from '../types.ts'
import { toGeminiRequest } from './convert-request.ts'

function convert(effort: string, model: string) {
  const req = ChatRequestSchema.parse({
    model: 'x',
    messages: [{ role: 'user', content: 'q' }],
    reasoning_effort: effort,
  })
  const { body, warnings } = toGeminiRequest(req, { provider: 'google', model })
  return { config: body.generationConfig?.thinkingConfig, warnings }
}

describe('reasoning_effort → thinkingConfig', () => {
  it.each([
    ['gemini-2.5-flash', 'none', { thinkingBudget: 0 }],
    ['gemini-2.5-flash', 'minimal', { thinkingBudget: 1024, includeThoughts: true }],
    ['gemini-2.5-flash', 'low', { thinkingBudget: 1024, includeThoughts: true }],
    ['gemini-2.5-flash', 'medium', { thinkingBudget: 8192, includeThoughts: true }],
    ['gemini-2.5-flash', 'high', { thinkingBudget: 24_576, includeThoughts: true }],
    ['gemini-2.5-flash-lite', 'none', { thinkingBudget: 0 }],
    ['gemini-2.5-pro', 'xhigh', { thinkingBudget: 32_768, includeThoughts: true }],
    ['models/gemini-2.5-pro', 'low', { thinkingBudget: 1024, includeThoughts: true }],
    ['gemini-3-pro-preview', 'low', { thinkingLevel: 'low', includeThoughts: true }],
    ['gemini-3-pro-preview', 'high', { thinkingLevel: 'high', includeThoughts: true }],
    ['gemini-3-flash-preview', 'minimal', { thinkingLevel: 'minimal', includeThoughts: true }],
    ['gemini-3-flash-preview', 'medium', { thinkingLevel: 'medium', includeThoughts: true }],
  ])('%s, %s: %j, nothing to say', (model, effort, config) => {
    expect(convert(effort, model)).toEqual({ config, warnings: [] })
  })

  it.each([
    [
      'gemini-2.5-pro',
      'none',
      { thinkingBudget: 128, includeThoughts: true },
      'reasoning_effort "none" was sent as a thinking budget of 128: gemini-2.5-pro cannot stop thinking',
    ],
    [
      'gemini-2.5-flash',
      'xhigh',
      { thinkingBudget: 24_576, includeThoughts: true },
      'reasoning_effort "xhigh" was sent as a thinking budget of 24576, gemini-2.5-flash\'s largest, not 32768',
    ],
    [
      'gemini-3-pro-preview',
      'medium',
      { thinkingLevel: 'high', includeThoughts: true },
      'reasoning_effort "medium" was sent as thinkingLevel "high": gemini-3-pro-preview takes low, high',
    ],
    [
      'gemini-3-pro-preview',
      'none',
      { thinkingLevel: 'low', includeThoughts: true },
      'reasoning_effort "none" was sent as thinkingLevel "low": gemini-3-pro-preview cannot stop thinking',
    ],
    [
      'gemini-3-flash-preview',
      'xhigh',
      { thinkingLevel: 'high', includeThoughts: true },
      'reasoning_effort "xhigh" was sent as thinkingLevel "high": gemini-3-flash-preview takes minimal, low, medium, high',
    ],
  ])('%s, %s: the nearest the model can, %j, and says so', (model, effort, config, warning) => {
    expect(convert(effort, model)).toEqual({ config, warnings: [warning] })
  })

  it('keeps the old answer for models that do not think: not sent, with a warning', () => {
    expect(convert('high', 'gemini-2.0-flash')).toEqual({
      config: undefined,
      warnings: ['reasoning_effort is not supported by gemini-2.0-flash (it does not think) and was not sent'],
    })
  })

  it('refuses an effort OpenAI does not define, naming reasoning_effort', () => {
    expect(() => convert('ultra', 'gemini-2.5-flash')).toThrow(ProviderError)
    try {
      convert('ultra', 'gemini-2.5-flash')
    } catch (e) {
      expect(e).toMatchObject({ status: 400, param: 'reasoning_effort' })
    }
  })
})

describe("an Anthropic client's thinking budget (THINKING_BUDGET, next to the effort it became)", () => {
  function withBudget(budget: number, model: string) {
    const req = ChatRequestSchema.parse({
      model: 'x',
      messages: [{ role: 'user', content: 'q' }],
      reasoning_effort: 'medium',
    })
    return toGeminiRequest(withThinkingBudget(req, budget), { provider: 'google', model })
  }

  it('is sent as it is to a model that takes budgets, within its range', () => {
    expect(withBudget(5000, 'gemini-2.5-flash').body.generationConfig?.thinkingConfig).toEqual({
      thinkingBudget: 5000,
      includeThoughts: true,
    })
    const big = withBudget(30_000, 'gemini-2.5-flash')
    expect(big.body.generationConfig?.thinkingConfig?.thinkingBudget).toBe(24_576)
    expect(big.warnings[0]).toContain("gemini-2.5-flash's largest, not 30000")
  })

  it('a model that takes levels: the level of the effort it became', () => {
    expect(withBudget(5000, 'gemini-3-flash-preview').body.generationConfig?.thinkingConfig).toEqual({
      thinkingLevel: 'medium',
      includeThoughts: true,
    })
  })

  it('never in the JSON of the request (an OpenAI-compatible upstream is sent it as it is)', () => {
    const req = withThinkingBudget(
      ChatRequestSchema.parse({ model: 'x', messages: [{ role: 'user', content: 'q' }] }),
      5000,
    )
    expect(req[THINKING_BUDGET]).toBe(5000)
    expect(JSON.stringify({ ...req })).not.toContain('5000')
  })
})
