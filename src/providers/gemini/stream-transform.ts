/**
 * Gemini stream events (each a whole `GenerateContentResponse` carrying only the new parts) → OpenAI
 * chunks (https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent). Stateful but
 * pure: no I/O, ids and time passed in.
 * - the first chunk of each choice carries `role: "assistant"`;
 * - text parts → `content` deltas; thought summaries → `reasoning_content` deltas (not content);
 * - a `functionCall` arrives whole, so it becomes one complete tool-call delta with a synthesised id
 *   and its own `index` (0, 1, … per choice);
 * - `finishReason` → the finish chunk, `tool_calls` when the choice made any call (Gemini says STOP);
 * - `usageMetadata` is on every event but final only on the last: the last one wins, and it is the
 *   closing count only once every candidate has its `finishReason` (a cut stream's is a running count);
 * - `{"error":{…}}` → ProviderError kind `stream`.
 * The caller asks `finished` at the end: Gemini has no end-of-stream event, so a body that ends
 * before every choice got its `finishReason` was cut.
 * https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
import type { StreamDecoder } from '../http-adapter.ts'
import type { ChatChunk, ChunkDelta, ChunkToolCallDelta, FinishReason } from '../openai-schema.ts'
import { type ChunkHead, chunk, toolCallId, usageChunk } from '../shapes.ts'
import type { SseEvent } from '../sse.ts'
import type { ProviderUsage } from '../types.ts'
import { byIndex, readParts, toProviderUsage } from './convert-response.ts'
import { streamBroken, streamErrorEvent } from './errors.ts'
import {
  type GeminiCandidate,
  type GeminiErrorBody,
  type GeminiResponse,
  GeminiResponseSchema,
} from './gemini-types.ts'
import { mapFinishReason } from './map-finish-reason.ts'

export interface StreamContext {
  provider: string
  id: string
  created: number
  /** Used until (and unless) Gemini names the `modelVersion`. */
  model: string
  now?: () => number
  newToolCallId?: () => string
}

type StreamEvent =
  | { type: 'error'; error: GeminiErrorBody }
  | { type: 'blocked'; reason: string }
  | { type: 'candidates'; candidates: GeminiCandidate[] }

function classify(res: GeminiResponse): StreamEvent {
  if (res.error) return { type: 'error', error: res.error }
  const candidates = res.candidates ?? []
  const reason = res.promptFeedback?.blockReason
  if (candidates.length === 0 && reason !== undefined) return { type: 'blocked', reason }
  return { type: 'candidates', candidates }
}

interface ChoiceState {
  /** Tool calls emitted so far: the next call's `index`. */
  calls: number
  finished: boolean
}

export class GeminiStreamTransform implements StreamDecoder {
  private readonly head: ChunkHead
  private readonly choices = new Map<number, ChoiceState>()
  private readonly newId: () => string
  private emitted = false
  /** Last `usageMetadata` seen, normalised. */
  usage: ProviderUsage | null = null
  /** Whether `usage` came with (or after) the last `finishReason`: the closing count. */
  usageFinal = false
  model: string | null = null
  responseId: string | null = null
  /** Gemini has no end-of-stream event: the body's end is the stream's. */
  readonly done = false

  constructor(private readonly ctx: StreamContext) {
    this.head = { id: ctx.id, created: ctx.created, model: ctx.model }
    this.newId = ctx.newToolCallId ?? toolCallId
  }

  /** True once every choice seen has finished (or the prompt was blocked). */
  get finished(): boolean {
    if (this.choices.size === 0) return false
    for (const st of this.choices.values()) if (!st.finished) return false
    return true
  }

  get requestId(): string | null {
    return this.responseId
  }

  onEvent(ev: SseEvent, out: ChatChunk[]): void {
    let raw: unknown
    try {
      raw = JSON.parse(ev.data)
    } catch {
      throw streamBroken(this.ctx.provider, 'an event whose data is not JSON')
    }
    for (const c of this.push(raw)) out.push(c)
  }

  /** A clean end without a finishReason is a cut stream; else the usage chunk follows. */
  onEnd(out: ChatChunk[]): void {
    if (!this.finished) throw streamBroken(this.ctx.provider, 'the body ended before a finishReason')
    for (const c of this.end()) out.push(c)
  }

  /** One event's JSON → the chunks it yields. Throws ProviderError for an error event or an unreadable one. */
  push(raw: unknown): ChatChunk[] {
    const parsed = GeminiResponseSchema.safeParse(raw)
    if (!parsed.success) throw streamBroken(this.ctx.provider, 'an event that is not a GenerateContentResponse')
    const res = parsed.data
    if (res.modelVersion !== undefined) {
      this.model ??= res.modelVersion
      // All chunks of a stream share one head; it can take the model's name only before the first.
      if (!this.emitted) this.head.model = res.modelVersion
    }
    if (res.responseId !== undefined) this.responseId ??= res.responseId
    if (res.usageMetadata) {
      this.usage = toProviderUsage(res.usageMetadata)
      this.usageFinal = false // until this event's candidates are read: it may finish the last of them
    }

    const ev = classify(res)
    const out: ChatChunk[] = []
    switch (ev.type) {
      case 'error':
        throw streamErrorEvent(this.ctx.provider, ev.error, this.ctx.now?.() ?? Date.now())
      case 'blocked': {
        const isNew = !this.choices.has(0)
        const st = this.state(0)
        if (!st.finished) {
          if (isNew) out.push(this.chunk(0, { role: 'assistant', content: '' }))
          out.push(this.chunk(0, {}, 'content_filter'))
          st.finished = true
        }
        break
      }
      case 'candidates':
        for (const { index, candidate } of byIndex(ev.candidates)) this.candidate(index, candidate, out)
        break
      default: {
        const _exhaustive: never = ev
        return _exhaustive
      }
    }
    if (out.length > 0) this.emitted = true
    if (res.usageMetadata) this.usageFinal = this.finished
    return out
  }

  /** The stream ended: the usage chunk (`choices: []`), when Gemini reported usage. */
  end(): ChatChunk[] {
    return this.usage ? [usageChunk(this.head, this.usage)] : []
  }

  private candidate(index: number, c: GeminiCandidate, out: ChatChunk[]): void {
    const isNew = !this.choices.has(index)
    const st = this.state(index)
    const { text, thoughts, calls: found } = readParts(c.content?.parts)
    const calls: ChunkToolCallDelta[] = found.map((p) => ({
      index: st.calls++,
      id: this.newId(),
      type: 'function',
      function: { name: p.name, arguments: JSON.stringify(p.args) },
    }))
    const delta: ChunkDelta = {}
    if (isNew) delta.role = 'assistant'
    if (thoughts.length > 0) delta['reasoning_content'] = thoughts
    if (text.length > 0 || (isNew && calls.length === 0)) delta.content = text
    if (calls.length > 0) delta.tool_calls = calls
    if (Object.keys(delta).length > 0) out.push(this.chunk(index, delta))
    if (c.finishReason !== undefined && !st.finished) {
      st.finished = true
      out.push(this.chunk(index, {}, mapFinishReason(c.finishReason, st.calls > 0)))
    }
  }

  private state(index: number): ChoiceState {
    let st = this.choices.get(index)
    if (!st) {
      st = { calls: 0, finished: false }
      this.choices.set(index, st)
    }
    return st
  }

  private chunk(index: number, delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk {
    const c = chunk(this.head, delta, finish)
    // shapes.chunk() builds choice 0; n > 1 streams interleave several choices.
    if (index !== 0) c.choices[0]!.index = index
    return c
  }
}
