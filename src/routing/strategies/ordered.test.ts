import { describe, expect, it } from 'vitest'
import { ordered } from './ordered.ts'
import { candidate, context, ids } from './test-candidates.ts'

describe('ordered', () => {
  it('follows the route list, whatever the cost, latency or headroom', () => {
    const list = [
      candidate({ id: 'google/gemini-2.5-pro', position: 2, estimatedCost: 0.0001, latencyMs: 50 }),
      candidate({
        id: 'anthropic/claude-sonnet-4-5',
        position: 0,
        estimatedCost: 0.05,
        latencyMs: 3000,
        headroom: 0.1,
      }),
      candidate({ id: 'openai/gpt-5', position: 1, estimatedCost: null, latencyMs: null }),
    ]
    expect(ids(ordered(list, context()))).toEqual([
      'anthropic/claude-sonnet-4-5',
      'openai/gpt-5',
      'google/gemini-2.5-pro',
    ])
  })

  it('keeps the fallbacks in order when the first target was filtered out by the planner', () => {
    const list = [candidate({ id: 'b', position: 1 }), candidate({ id: 'c', position: 2 })]
    expect(ids(ordered(list, context()))).toEqual(['b', 'c'])
  })
})
