/**
 * Anthropic `stop_reason` → OpenAI `finish_reason` (LiteLLM's and Portkey's tables, reconciled).
 * https://docs.claude.com/en/api/handling-stop-reasons
 */
import type { StopReason } from '@anthropic-ai/sdk/resources/messages'
import type { FinishReason } from '../openai-schema.ts'

const TABLE: Readonly<Record<StopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // A long server-tool turn paused; the text so far is a complete answer to show. Clients that
  // want to continue it must call again, which OpenAI has no reason for.
  pause_turn: 'stop',
  max_tokens: 'length',
  // The prompt plus output hit the model's context window: to a client, the same as running out of tokens.
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
}

/** Unknown (newer) stop reasons become `stop`, as LiteLLM does; `null` stays null (stream still running). */
export function mapFinishReason(raw: string | null | undefined): FinishReason | null {
  if (raw === null || raw === undefined) return null
  return Object.hasOwn(TABLE, raw) ? TABLE[raw as StopReason] : 'stop'
}
