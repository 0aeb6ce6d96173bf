/**
 * Gemini `finishReason` → OpenAI `finish_reason` (LiteLLM's table: RECITATION and OTHER are filters, as in
 * LiteLLM, not `stop` as in Portkey).
 * https://ai.google.dev/api/generate-content#FinishReason
 */
import type { FinishReason } from '../openai-schema.ts'

type GeminiFinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'STOP'
  | 'MAX_TOKENS'
  | 'SAFETY'
  | 'RECITATION'
  | 'LANGUAGE'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'SPII'
  | 'MALFORMED_FUNCTION_CALL'
  | 'IMAGE_SAFETY'
  | 'IMAGE_PROHIBITED_CONTENT'
  | 'IMAGE_RECITATION'
  | 'IMAGE_OTHER'
  | 'NO_IMAGE'
  | 'UNEXPECTED_TOOL_CALL'
  | 'TOO_MANY_TOOL_CALLS'

const TABLE: Readonly<Record<GeminiFinishReason, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'content_filter',
  OTHER: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
  IMAGE_OTHER: 'content_filter',
  // An image was expected and none came: nothing was filtered, the turn simply ended.
  NO_IMAGE: 'stop',
  // The model tried a call it was not allowed or able to make; what it said so far is the answer.
  MALFORMED_FUNCTION_CALL: 'stop',
  UNEXPECTED_TOOL_CALL: 'stop',
  TOO_MANY_TOOL_CALLS: 'stop',
  FINISH_REASON_UNSPECIFIED: 'stop',
}

/**
 * `hadToolCalls` overrides: Gemini ends a function-call turn with `STOP`, and OpenAI clients run tools
 * only when they see `tool_calls`. Unknown (newer) reasons become `stop`, as in LiteLLM; a missing one
 * stays null (the stream has not finished).
 */
export function mapFinishReason(raw: string | null | undefined, hadToolCalls = false): FinishReason | null {
  if (raw === null || raw === undefined) return null
  if (hadToolCalls) return 'tool_calls'
  return Object.hasOwn(TABLE, raw) ? TABLE[raw as GeminiFinishReason] : 'stop'
}
