import { describe, expect, it } from 'vitest'
import { carriesContent } from './carries-content.ts'
import type { ChatChunk, ChunkDelta, FinishReason } from './openai-schema.ts'

const chunk = (deltas: ChunkDelta[], finish: FinishReason | null = null): ChatChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: deltas.map((delta, index) => ({ index, delta, finish_reason: finish })),
})

describe('carriesContent', () => {
  it('text, a tool call or a refusal is content', () => {
    expect(carriesContent(chunk([{ content: 'Hi' }]))).toBe(true)
    const call = { index: 0, id: 'call_1', type: 'function' as const, function: { name: 'f', arguments: '' } }
    expect(carriesContent(chunk([{ tool_calls: [call] }]))).toBe(true)
    expect(carriesContent(chunk([{ refusal: 'No.' }]))).toBe(true)
  })

  it('in any choice, not only the first', () => {
    expect(carriesContent(chunk([{ content: '' }, { content: 'second' }]))).toBe(true)
  })

  it('a role-only opening, empty strings, a finish or a usage chunk is not', () => {
    expect(carriesContent(chunk([{ role: 'assistant', content: '' }]))).toBe(false)
    expect(carriesContent(chunk([{ content: null, refusal: '', tool_calls: [] }]))).toBe(false)
    expect(carriesContent(chunk([{}], 'stop'))).toBe(false)
    const usage = { ...chunk([]), usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }
    expect(carriesContent(usage)).toBe(false)
  })
})
