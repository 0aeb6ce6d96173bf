/**
 * OpenAI SSE events → ChatChunk. The upstream already speaks chunks; this checks each event, maps
 * non-OpenAI finish reasons, recognises `[DONE]`, and turns an in-band `{"error":…}` (how OpenAI reports
 * a failure after HTTP 200) into a ProviderError. OpenAIStreamTransform adds what the stream tells about
 * the call as a whole: the model, the usage, and whether that usage is the closing count.
 * https://platform.openai.com/docs/api-reference/chat-streaming
 */
import type { StreamDecoder } from '../http-adapter.ts'
import { type ChatChunk, RAW_JSON } from '../openai-schema.ts'
import { fromOpenAIUsage } from '../shapes.ts'
import type { SseEvent } from '../sse.ts'
import { ProviderError, type ProviderUsage } from '../types.ts'
import { parseErrorBody } from './errors.ts'
import { mapFinishReason } from './map-finish-reason.ts'

export type OpenAIStreamItem = { kind: 'chunk'; chunk: ChatChunk } | { kind: 'done' } | { kind: 'skip' }

export function transformOpenAIEvent(provider: string, data: string): OpenAIStreamItem {
  if (data === '[DONE]') return { kind: 'done' }
  let obj: unknown
  try {
    obj = JSON.parse(data)
  } catch {
    throw new ProviderError({
      provider,
      status: 502,
      kind: 'stream',
      message: `${provider} sent a malformed stream event`,
      code: 'stream_error',
    })
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

/** One stream's events, in order (stateful: one instance per stream). */
export class OpenAIStreamTransform implements StreamDecoder {
  usage: ProviderUsage | null = null
  /** Whether `usage` is the closing count (see `push`). */
  usageFinal = false
  model: string | null = null
  /** True once `[DONE]` arrived. */
  done = false
  /** Choices seen, and those that have their finish_reason. */
  private readonly seen = new Set<number>()
  private readonly finished = new Set<number>()

  constructor(private readonly provider: string) {}

  onEvent(ev: SseEvent, out: ChatChunk[]): void {
    const item = this.push(ev.data)
    if (item.kind === 'chunk') out.push(item.chunk)
  }

  onEnd(): void {
    if (this.done) return
    const provider = this.provider
    const message = `${provider} stream ended before [DONE]`
    throw new ProviderError({ provider, status: 502, kind: 'stream', message, code: 'stream_error' })
  }

  push(data: string): OpenAIStreamItem {
    const item = transformOpenAIEvent(this.provider, data)
    if (item.kind === 'done') this.done = true
    if (item.kind !== 'chunk') return item
    const c = item.chunk
    for (const ch of c.choices) {
      this.seen.add(ch.index)
      if (ch.finish_reason != null) this.finished.add(ch.index)
    }
    if (this.model === null && typeof c.model === 'string') this.model = c.model
    const usage = c.usage ? fromOpenAIUsage(c.usage) : null
    if (usage) {
      this.usage = usage
      // The closing count is the `choices: []` chunk after the last finish (include_usage), or, from some
      // compatible servers, usage on the finish chunk itself. vLLM's `continuous_usage_stats` puts a
      // running count on every chunk: partial until every choice has finished.
      this.usageFinal =
        this.seen.size > 0 && this.finished.size === this.seen.size && typeof c.usage?.completion_tokens === 'number'
    }
    return item
  }
}
