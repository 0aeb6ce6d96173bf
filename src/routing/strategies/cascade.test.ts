import { describe, expect, it } from 'vitest'
import type { CascadeThresholds } from '../../config/types.ts'
import type { ComplexitySignals } from '../types.ts'
import { cascade, classifyComplexity } from './cascade.ts'
import { candidate, context, EASY, ids } from './test-candidates.ts'

const T: CascadeThresholds = {
  promptTokens: 4000,
  maxOutputTokens: 2000,
  tools: true,
  code: true,
  multiStep: true,
  messages: 12,
}
const signals = (s: Partial<ComplexitySignals>): ComplexitySignals => ({ ...EASY, ...s })

describe('classifyComplexity', () => {
  it('calls a short plain question easy', () => {
    expect(classifyComplexity(EASY, T)).toEqual({ hard: false, reasons: [] })
  })

  it.each([
    [{ promptTokens: 4000 }, 'prompt_tokens>=4000'],
    [{ maxOutputTokens: 2000 }, 'max_output_tokens>=2000'],
    [{ tools: true }, 'tools'],
    [{ code: true }, 'code'],
    [{ multiStep: true }, 'multi_step'],
    [{ messages: 12 }, 'messages>=12'],
  ] as const)('%j trips %s', (s, reason) => {
    expect(classifyComplexity(signals(s), T)).toEqual({ hard: true, reasons: [reason] })
  })

  it.each([
    [{ promptTokens: 3999 }],
    [{ maxOutputTokens: 1999 }],
    [{ maxOutputTokens: null }],
    [{ messages: 11 }],
  ] as const)('%j stays easy (just under the threshold)', (s) => {
    expect(classifyComplexity(signals(s), T).hard).toBe(false)
  })

  it.each(['tools', 'code', 'multiStep'] as const)('ignores %s when its threshold is off', (flag) => {
    expect(classifyComplexity(signals({ [flag]: true }), { ...T, [flag]: false }).hard).toBe(false)
  })

  it('lists every threshold that tripped', () => {
    const v = classifyComplexity(signals({ promptTokens: 9000, code: true, messages: 30 }), T)
    expect(v).toEqual({ hard: true, reasons: ['prompt_tokens>=4000', 'code', 'messages>=12'] })
  })
})

describe('cascade', () => {
  // a three-tier route: [mini, haiku] tier 0, [sonnet] tier 1, [gpt-5, opus] tier 2
  const list = [
    candidate({ id: 'openai/gpt-5', position: 3, tier: 2 }),
    candidate({ id: 'anthropic/claude-sonnet-4-5', position: 2, tier: 1 }),
    candidate({ id: 'anthropic/claude-haiku-4-5', position: 1, tier: 0 }),
    candidate({ id: 'anthropic/claude-opus-4-1', position: 4, tier: 2 }),
    candidate({ id: 'openai/gpt-4.1-mini', position: 0, tier: 0 }),
  ]

  it('sends an easy request to the cheapest tier, higher tiers ascending as fallbacks', () => {
    expect(ids(cascade(list, context()))).toEqual([
      'openai/gpt-4.1-mini',
      'anthropic/claude-haiku-4-5',
      'anthropic/claude-sonnet-4-5',
      'openai/gpt-5',
      'anthropic/claude-opus-4-1',
    ])
  })

  it('sends a hard request to the highest tier, then descending', () => {
    expect(ids(cascade(list, context({ complexity: { code: true } })))).toEqual([
      'openai/gpt-5',
      'anthropic/claude-opus-4-1',
      'anthropic/claude-sonnet-4-5',
      'openai/gpt-4.1-mini',
      'anthropic/claude-haiku-4-5',
    ])
  })

  it('reads the route thresholds from params', () => {
    const ctx = context({ complexity: { promptTokens: 5000 }, params: { cascade: { ...T, promptTokens: 8000 } } })
    expect(ids(cascade(list, ctx))[0]).toBe('openai/gpt-4.1-mini')
  })

  it('still orders a route without tiers by position', () => {
    const flat = [candidate({ id: 'b', position: 1 }), candidate({ id: 'a', position: 0 })]
    expect(ids(cascade(flat, context({ complexity: { tools: true } })))).toEqual(['a', 'b'])
  })
})
