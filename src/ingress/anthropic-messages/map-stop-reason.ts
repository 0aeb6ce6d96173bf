/**
 * OpenAI `finish_reason` → Anthropic `stop_reason` (and `stop_sequence`).
 * https://docs.anthropic.com/en/api/handling-stop-reasons
 */
import type { FinishReason } from '../../providers/openai-schema.ts'
import type { StopReason } from './message-shapes.ts'

const TABLE: Readonly<Record<FinishReason, StopReason>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  // OpenAI's deprecated function calling: still a call the client must run.
  function_call: 'tool_use',
  // Content withheld by a filter: what Anthropic reports when its classifiers step in.
  content_filter: 'refusal',
}

interface StopFacts {
  /** The answer holds tool calls: some OpenAI-compatible servers finish those with `stop`. */
  toolCalls: boolean
  /** The stop sequence that ended it, when the upstream said (see matchedStop). */
  matchedStop: string | null
}

export function mapStopReason(
  finish: string | null | undefined,
  facts: StopFacts,
): { stop_reason: StopReason; stop_sequence: string | null } {
  // A stream that ends without a reason (some compatible servers) ended on its own.
  const reason = finish != null && Object.hasOwn(TABLE, finish) ? TABLE[finish as FinishReason] : 'end_turn'
  if (reason === 'end_turn' && facts.toolCalls) return { stop_reason: 'tool_use', stop_sequence: null }
  if (reason === 'end_turn' && facts.matchedStop !== null) {
    return { stop_reason: 'stop_sequence', stop_sequence: facts.matchedStop }
  }
  return { stop_reason: reason, stop_sequence: null }
}
