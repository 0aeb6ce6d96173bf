/**
 * Anthropic stream events → OpenAI chunks (pure, stateful: one instance per stream).
 * Order upstream: message_start, then per block content_block_start / _delta… / _stop, then
 * message_delta (stop_reason + cumulative usage), then message_stop; `ping` anywhere; `error` may
 * arrive after HTTP 200. https://docs.claude.com/en/docs/build-with-claude/streaming#event-types
 * Mapping as LiteLLM's `ModelResponseIterator` and the reference (§4.5): tool calls get their own
 * 0-based counter, since OpenAI clients index `tool_calls` by call, not by Anthropic's block index.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages'
import type { StreamDecoder } from '../http-adapter.ts'
import type { ChatChunk, ChunkDelta } from '../openai-schema.ts'
import { type ChunkHead, chunk, usageChunk } from '../shapes.ts'
import type { SseEvent } from '../sse.ts'
import type { ProviderUsage } from '../types.ts'
import { type AnthropicUsageLike, toProviderUsage } from './convert-response.ts'
import { streamBroken, streamErrorEvent } from './errors.ts'
import { mapFinishReason } from './map-finish-reason.ts'

/** What arrives on the wire: the SDK's event union plus the two it filters out itself. */
export type AnthropicStreamEvent =
  | RawMessageStreamEvent
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } }

export interface StreamOptions {
  provider: string
  /** Unix seconds for every chunk's `created`. */
  created: number
  /** Used until `message_start` names them (a well-formed stream always sends it first). */
  fallbackId: string
  fallbackModel: string
  /** The forced tool that carries a `response_format` answer: its input is streamed as content. */
  jsonToolName: string | null
}

type Block = { kind: 'tool'; index: number; hasArgs: boolean } | { kind: 'json'; hasArgs: boolean }

export class AnthropicStreamTransform implements StreamDecoder {
  private readonly head: ChunkHead
  private usageSoFar: AnthropicUsageLike | null = null
  private readonly blocks = new Map<number, Block>()
  private toolCalls = 0
  private stopped = false
  /** `message_delta` carried usage: the closing count, once `message_stop` confirms nothing follows. */
  private closingUsage = false

  constructor(private readonly opts: StreamOptions) {
    this.head = { id: opts.fallbackId, created: opts.created, model: opts.fallbackModel }
  }

  /** True once `message_stop` arrived: a body that ends before it was cut. */
  get done(): boolean {
    return this.stopped
  }

  get model(): string {
    return this.head.model
  }

  /** Usage so far: `message_start`'s until `message_delta` brings the closing count. */
  get usage(): ProviderUsage | null {
    return this.usageSoFar ? toProviderUsage(this.usageSoFar) : null
  }

  /**
   * Whether `usage` is the closing count: `message_delta`'s, with `message_stop` after it. Before that it
   * is `message_start`'s, whose `output_tokens` is a placeholder (1) — only its input counts are exact.
   */
  get usageFinal(): boolean {
    return this.stopped && this.closingUsage
  }

  onEvent(ev: SseEvent, out: ChatChunk[]): void {
    for (const c of this.push(parseEvent(ev.event, ev.data, this.opts.provider))) out.push(c)
  }

  onEnd(): void {
    if (!this.stopped) throw streamBroken(this.opts.provider, 'the body ended before message_stop')
  }

  /** One event in, zero or more chunks out. Throws ProviderError (kind `stream`) on an `error` event. */
  push(ev: AnthropicStreamEvent): ChatChunk[] {
    if (this.stopped) return []
    switch (ev.type) {
      case 'message_start': {
        const m = ev.message
        if (typeof m?.id === 'string') this.head.id = m.id
        if (typeof m?.model === 'string') this.head.model = m.model
        if (m?.usage) this.usageSoFar = { ...m.usage }
        return [chunk(this.head, { role: 'assistant', content: '' })]
      }
      case 'content_block_start':
        return this.blockStart(ev.index, ev.content_block)
      case 'content_block_delta': {
        const d = ev.delta
        switch (d.type) {
          case 'text_delta':
            return d.text ? [chunk(this.head, { content: d.text })] : []
          case 'input_json_delta':
            return this.args(ev.index, d.partial_json)
          case 'thinking_delta':
            // Reasoning text, as DeepSeek and LiteLLM stream it; not content.
            return d.thinking ? [chunk(this.head, { reasoning_content: d.thinking })] : []
          case 'signature_delta':
          case 'citations_delta':
            return [] // no OpenAI equivalent
          default: {
            const _exhaustive: never = d
            return []
          }
        }
      }
      case 'content_block_stop': {
        const b = this.blocks.get(ev.index)
        this.blocks.delete(ev.index)
        // A tool called without input streams no deltas; OpenAI clients JSON.parse the arguments, and
        // "" does not parse, so send "{}" (as LiteLLM does, and as the non-streaming path produces).
        return b && !b.hasArgs ? this.args(ev.index, '{}', b) : []
      }
      case 'message_delta': {
        if (ev.usage) {
          this.usageSoFar = mergeUsage(this.usageSoFar, ev.usage)
          this.closingUsage = true
        }
        let finish = mapFinishReason(ev.delta?.stop_reason) ?? 'stop'
        if (finish === 'tool_calls' && this.toolCalls === 0) finish = 'stop' // only the JSON tool answered
        return [chunk(this.head, {}, finish)]
      }
      case 'message_stop': {
        this.stopped = true
        const usage = this.usage
        return usage ? [usageChunk(this.head, usage)] : []
      }
      case 'ping':
        return []
      case 'error':
        throw streamErrorEvent(this.opts.provider, ev)
      default: {
        // Event types newer than this code (Anthropic may add some): nothing to show.
        const _exhaustive: never = ev
        return []
      }
    }
  }

  private blockStart(
    index: number,
    block: Extract<AnthropicStreamEvent, { type: 'content_block_start' }>['content_block'],
  ): ChatChunk[] {
    if (block.type === 'text') return block.text ? [chunk(this.head, { content: block.text })] : []
    if (block.type !== 'tool_use') return []
    const b: Block =
      block.name === this.opts.jsonToolName
        ? { kind: 'json', hasArgs: false }
        : { kind: 'tool', index: this.toolCalls++, hasArgs: false }
    this.blocks.set(index, b)
    const out: ChatChunk[] = []
    if (b.kind === 'tool') {
      out.push(
        chunk(this.head, {
          tool_calls: [
            { index: b.index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } },
          ],
        }),
      )
    }
    // The API sends `input: {}` here and the input as deltas; a server that sends it whole here is served too.
    const input: unknown = block.input
    if (typeof input === 'object' && input !== null && Object.keys(input).length > 0)
      out.push(...this.args(index, JSON.stringify(input), b))
    return out
  }

  /** An input fragment: arguments of a tool call, or content when it is the JSON tool. */
  private args(index: number, fragment: string, block = this.blocks.get(index)): ChatChunk[] {
    if (!block || fragment === '') return [] // the first input_json_delta is often ""
    block.hasArgs = true
    const delta: ChunkDelta =
      block.kind === 'json'
        ? { content: fragment }
        : { tool_calls: [{ index: block.index, function: { arguments: fragment } }] }
    return [chunk(this.head, delta)]
  }
}

/** `message_delta` usage is cumulative; its null fields mean "unchanged since message_start". */
export function mergeUsage(prev: AnthropicUsageLike | null, u: AnthropicUsageLike): AnthropicUsageLike {
  const next: AnthropicUsageLike = { ...prev }
  for (const k of [
    'input_tokens',
    'output_tokens',
    'cache_read_input_tokens',
    'cache_creation_input_tokens',
    'output_tokens_details',
  ] as const) {
    const v = u[k]
    if (v !== null && v !== undefined) (next as Record<string, unknown>)[k] = v
  }
  return next
}

/** An SSE event's data as an Anthropic event; the `event:` name and the JSON `type` agree on Anthropic. */
export function parseEvent(name: string | undefined, data: string, provider: string): AnthropicStreamEvent {
  let obj: unknown
  try {
    obj = JSON.parse(data)
  } catch {
    throw streamBroken(provider, 'an event is not valid JSON')
  }
  if (typeof obj !== 'object' || obj === null) throw streamBroken(provider, 'an event is not a JSON object')
  const rec = obj as Record<string, unknown>
  // An error event is honoured whichever of the two says so.
  if (name === 'error' && rec['type'] !== 'error') {
    return { type: 'error', error: (rec['error'] ?? rec) as { type: string; message: string } }
  }
  return obj as AnthropicStreamEvent
}
