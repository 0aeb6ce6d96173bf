/**
 * Canonical chunks (OpenAI `ChatChunk`s) → Anthropic's stream events, in the documented order:
 * `message_start`; per content block `content_block_start`, its deltas, `content_block_stop`, one block
 * open at a time with indexes 0, 1, 2…; then `message_delta` (stop reason, cumulative usage) and
 * `message_stop`. As Anthropic's own streams, one `ping` follows the first `content_block_start`, and
 * `message_start` counts one output token. https://docs.anthropic.com/en/docs/build-with-claude/streaming
 *
 * The blocks follow the chunks: content as text blocks (reasoning text makes none: see ContentBlock),
 * each tool call as its own `tool_use` block, its arguments as `input_json_delta` fragments as they arrive
 * (not parsed: a client that needs the input whole gets it at the block's end, as with Anthropic's own
 * fine-grained tool streaming). `message_delta` waits for the end of the chunks,
 * since OpenAI sends usage in a last chunk after the finish reason. `message_start` waits for the first
 * chunk, so that a call that fails before answering can still be answered with an HTTP error.
 */
import type { ChatChunk, ChunkToolCallDelta, Usage } from '../../providers/openai-schema.ts'
import type { EncodeContext } from '../types.ts'
import { type AnthropicErrorBody, errorBody } from './encode-error.ts'
import { mapStopReason } from './map-stop-reason.ts'
import {
  type AnthropicMessage,
  type AnthropicUsage,
  type ContentBlock,
  matchedStop,
  messageId,
  type StopReason,
  toAnthropicUsage,
} from './message-shapes.ts'

type BlockDelta = { type: 'text_delta'; text: string } | { type: 'input_json_delta'; partial_json: string }

type EventData =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: ContentBlock }
  | { type: 'content_block_delta'; index: number; delta: BlockDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: StopReason; stop_sequence: string | null }; usage: AnthropicUsage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | AnthropicErrorBody

/** One SSE event: `event: <event>` and `data: <JSON of data>`; `event` is always `data.type`. */
export interface AnthropicStreamEvent {
  event: EventData['type']
  data: EventData
}

const ev = (data: EventData): AnthropicStreamEvent => ({ event: data.type, data })

export async function* encodeStream(
  chunks: AsyncIterable<ChatChunk>,
  ctx: EncodeContext,
): AsyncGenerator<AnthropicStreamEvent, void, undefined> {
  const encoder = new StreamEncoder(ctx)
  for await (const chunk of chunks) yield* encoder.push(chunk)
  yield* encoder.end()
}

/**
 * A stream the encoder cannot put in Anthropic's shape (a tool call's arguments resuming after the next
 * block began, which no upstream Headroom speaks to does). A 502: the upstream's answer was the fault.
 */
export class UntranslatableStream extends Error {
  override readonly name = 'UntranslatableStream'
  readonly status = 502
}

/** The `event: error` Anthropic sends when a stream fails after its 200, for any thrown error. */
export function encodeStreamError(e: unknown): AnthropicStreamEvent {
  const err: object = typeof e === 'object' && e !== null ? e : {}
  const status = 'status' in err && typeof err.status === 'number' ? err.status : null
  // Only errors that carry a status are Headroom's own, worded for clients; anything else is a bug.
  const message = status !== null && 'message' in err && typeof err.message === 'string' ? err.message : null
  return ev(errorBody(status ?? 500, message ?? 'Internal server error'))
}

type Open = { kind: 'text'; index: number } | { kind: 'tool'; index: number; call: number }

/** The state of one stream (pure). */
class StreamEncoder {
  private started = false
  private pinged = false
  private next = 0
  private open: Open | null = null
  /** Tool call index (OpenAI's) → its block index (ours). */
  private readonly calls = new Map<number, number>()
  private finish: string | null = null
  private stop: string | null = null
  private usage: Usage | null = null

  constructor(private readonly ctx: EncodeContext) {}

  push(chunk: ChatChunk): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = []
    if (chunk.usage) this.usage = chunk.usage
    if (!this.started) out.push(this.start())
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue // Headroom asks for one choice; a server that sends more is not heard twice
      const d = choice.delta
      const text = (d.content ?? '') + (d.refusal ?? '')
      if (text !== '') out.push(...this.into('text'), this.delta({ type: 'text_delta', text }))
      for (const call of d.tool_calls ?? []) out.push(...this.toolCall(call))
      if (choice.finish_reason != null) this.finish = choice.finish_reason
      this.stop = matchedStop(choice) ?? this.stop
    }
    return out
  }

  end(): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = []
    if (!this.started) out.push(this.start())
    out.push(...this.close())
    const stop = mapStopReason(this.finish, { toolCalls: this.calls.size > 0, matchedStop: this.stop })
    out.push(ev({ type: 'message_delta', delta: stop, usage: toAnthropicUsage(this.usage) }))
    out.push(ev({ type: 'message_stop' }))
    return out
  }

  private start(): AnthropicStreamEvent {
    this.started = true
    // Anthropic counts the prompt here, before the first token. The input counts go here when the first
    // chunk has them (some servers send usage on every chunk), else the estimate made before the call
    // (OpenAI sends usage last): a client reading usage off message_start never sees an empty prompt.
    // message_delta repeats the final counts in any case.
    const usage = { ...toAnthropicUsage(this.usage), output_tokens: 1 }
    if (this.usage === null) usage.input_tokens = this.ctx.promptEstimate ?? 0
    const message: AnthropicMessage = {
      id: messageId(this.ctx),
      type: 'message',
      role: 'assistant',
      model: this.ctx.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    }
    return ev({ type: 'message_start', message })
  }

  /** Make a text block the open one, closing another kind first. */
  private into(kind: 'text'): AnthropicStreamEvent[] {
    if (this.open?.kind === kind) return []
    const out = this.close()
    const index = this.next++
    this.open = { kind, index }
    const content_block: ContentBlock = { type: 'text', text: '' }
    out.push(...this.blockStart(index, content_block))
    return out
  }

  private toolCall(call: ChunkToolCallDelta): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = []
    const args = call.function?.arguments ?? ''
    const block = this.calls.get(call.index)
    if (block === undefined) {
      out.push(...this.close())
      const index = this.next++
      this.calls.set(call.index, index)
      this.open = { kind: 'tool', index, call: call.index }
      const id = call.id || `toolu_${messageId(this.ctx).slice(4)}_${call.index}`
      const content_block: ContentBlock = { type: 'tool_use', id, name: call.function?.name ?? '', input: {} }
      out.push(...this.blockStart(index, content_block))
    } else if (this.open?.kind !== 'tool' || this.open.index !== block) {
      if (args === '') return out // a repeat of the call's id or name, with nothing to add
      throw new UntranslatableStream(`the upstream resumed tool call ${call.index} after the next block began`)
    }
    if (args !== '') out.push(this.delta({ type: 'input_json_delta', partial_json: args }))
    return out
  }

  private blockStart(index: number, content_block: ContentBlock): AnthropicStreamEvent[] {
    const out = [ev({ type: 'content_block_start', index, content_block })]
    if (!this.pinged) out.push(ev({ type: 'ping' }))
    this.pinged = true
    return out
  }

  private delta(delta: BlockDelta): AnthropicStreamEvent {
    // Called right after into() / toolCall() made a block open.
    return ev({ type: 'content_block_delta', index: this.open?.index ?? 0, delta })
  }

  private close(): AnthropicStreamEvent[] {
    if (!this.open) return []
    const index = this.open.index
    this.open = null
    return [ev({ type: 'content_block_stop', index })]
  }
}
