/**
 * OpenAI's own finish reasons pass through. OpenAI-compatible servers sometimes send their engine's
 * words instead (`eos`, `end_turn`, `max_tokens`); those are mapped so clients see OpenAI's values only.
 */
import type { FinishReason } from '../openai-schema.ts'

const TABLE: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  function_call: 'function_call',
  eos: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
}

export function mapFinishReason(raw: unknown): FinishReason | null {
  if (raw === null || raw === undefined) return null
  return (typeof raw === 'string' && TABLE[raw]) || 'stop'
}
