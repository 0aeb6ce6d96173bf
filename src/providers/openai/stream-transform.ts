/**
 * OpenAI SSE events → ChatChunk. The upstream already speaks chunks; this checks each event, maps
 * non-OpenAI finish reasons, recognises `[DONE]`, and turns an in-band `{"error":…}` (how OpenAI reports
 * a failure after HTTP 200) into a ProviderError.
 * https://platform.openai.com/docs/api-reference/chat-streaming
 */
import { RAW_JSON, type ChatChunk } from '../openai-schema.ts'
import { ProviderError } from '../types.ts'
import { parseErrorBody } from './errors.ts'
import { mapFinishReason } from './map-finish-reason.ts'

export type OpenAIStreamItem = { kind: 'chunk'; chunk: ChatChunk } | { kind: 'done' } | { kind: 'skip' }

export function transformOpenAIEvent(provider: string, data: string): OpenAIStreamItem {
  if (data === '[DONE]') return { kind: 'done' }
  let obj: unknown
  try {
    obj = JSON.parse(data)
  } catch {
    throw new ProviderError({ provider, status: 502, kind: 'stream', message: `${provider} sent a malformed stream event`, code: 'stream_error' })
  }
  if (typeof obj !== 'object' || obj === null) return { kind: 'skip' }
  const rec = obj as Record<string, unknown>
  if (rec['error'] !== undefined && rec['error'] !== null) {
    const parsed = parseErrorBody(data)
    throw new ProviderError({
      provider,
      status: 502,
      kind: 'stream',
      message: parsed?.message ?? `${provider} reported an error mid-stream`,
      type: parsed?.type ?? 'server_error',
      code: parsed?.code ?? 'stream_error',
      raw: data.slice(0, 2000),
    })
  }
  if (!Array.isArray(rec['choices'])) return { kind: 'skip' }
  const chunk = obj as ChatChunk
  let changed = false
  for (const ch of chunk.choices) {
    if (ch.finish_reason != null) {
      const mapped = mapFinishReason(ch.finish_reason)
      if (mapped !== ch.finish_reason) {
        ch.finish_reason = mapped
        changed = true
      }
    }
  }
  if (!changed) chunk[RAW_JSON] = data
  return { kind: 'chunk', chunk }
}

