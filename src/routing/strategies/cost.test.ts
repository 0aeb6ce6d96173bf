import { describe, expect, it } from 'vitest'
import { cost } from './cost.ts'
import { candidate, context, ids } from './test-candidates.ts'

/** USD for a request, prices per 1M tokens (as the planner precomputes `estimatedCost`). */
function usd(prompt: number, output: number, price: { input: number; output: number }): number {
  return (prompt * price.input + output * price.output) / 1_000_000
}

describe('cost', () => {
  it('picks the cheaper model for a long prompt', () => {
    const prompt = 120_000
    const list = [
      candidate({ id: 'openai/gpt-4.1', position: 0, estimatedCost: usd(prompt, 500, { input: 2, output: 8 }) }),
      candidate({
        id: 'anthropic/claude-haiku-4-5',
        position: 1,
        estimatedCost: usd(prompt, 500, { input: 1, output: 5 }),
      }),
      candidate({
        id: 'openai/gpt-4.1-mini',
        position: 2,
        estimatedCost: usd(prompt, 500, { input: 0.4, output: 1.6 }),
      }),
    ]
    expect(ids(cost(list, context()))).toEqual(['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5', 'openai/gpt-4.1'])
  })

  it('follows the estimate: an output-heavy request can favour a model with dearer input', () => {
    const inputCheap = { input: 0.1, output: 10 }
    const outputCheap = { input: 1, output: 1 }
    const a = candidate({ id: 'a', position: 0, estimatedCost: usd(100, 4000, inputCheap) })
    const b = candidate({ id: 'b', position: 1, estimatedCost: usd(100, 4000, outputCheap) })
    expect(ids(cost([a, b], context()))).toEqual(['b', 'a'])
  })

  it('puts unknown prices after every known one, in position order', () => {
    const list = [
      candidate({ id: 'unknown-2', position: 2, estimatedCost: null }),
      candidate({ id: 'dear', position: 3, estimatedCost: 1 }),
      candidate({ id: 'unknown-0', position: 0, estimatedCost: null }),
      candidate({ id: 'cheap', position: 4, estimatedCost: 0.001 }),
    ]
    expect(ids(cost(list, context()))).toEqual(['cheap', 'dear', 'unknown-0', 'unknown-2'])
  })

  it('treats a free model (cost 0) as the cheapest, not as unknown', () => {
    const list = [
      candidate({ id: 'paid', position: 0, estimatedCost: 0.002 }),
      candidate({ id: 'free', position: 1, estimatedCost: 0 }),
    ]
    expect(ids(cost(list, context()))).toEqual(['free', 'paid'])
  })
})
