import { describe, expect, it } from 'vitest'
import { headroom } from './headroom.ts'
import { candidate, context, ids } from './test-candidates.ts'

describe('headroom', () => {
  it('puts the target with the most capacity left first', () => {
    const list = [
      candidate({ id: 'openai/gpt-4.1-mini', position: 0, headroom: 0.05 }),
      candidate({ id: 'anthropic/claude-haiku-4-5', position: 1, headroom: 0.8 }),
      candidate({ id: 'google/gemini-2.5-flash', position: 2, headroom: 0.4 }),
    ]
    expect(ids(headroom(list, context()))).toEqual([
      'anthropic/claude-haiku-4-5',
      'google/gemini-2.5-flash',
      'openai/gpt-4.1-mini',
    ])
  })

  it('moves load to another key as one key drains', () => {
    const key1 = candidate({ key: 'openai#1', position: 0, headroom: 0.9 })
    const key2 = candidate({ key: 'openai#2', position: 0, headroom: 0.6 })
    expect(headroom([key1, key2], context())[0]).toBe(key1)
    const drained = { ...key1, headroom: 0.3 }
    expect(headroom([drained, key2], context())[0]).toBe(key2)
  })

  it('orders equal headroom by position', () => {
    const list = [
      candidate({ id: 'b', position: 1 }),
      candidate({ id: 'a', position: 0 }),
      candidate({ id: 'c', position: 2, headroom: 0.5 }),
    ]
    expect(ids(headroom(list, context()))).toEqual(['a', 'b', 'c'])
  })
})
