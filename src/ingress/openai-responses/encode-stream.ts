/**
 * Chat-completion chunks → the Responses API's streaming events, numbered by `sequence_number`:
 *
 *   response.created, response.in_progress                       (at the first chunk)
 *   reasoning: response.output_item.added (reasoning), response.reasoning_summary_part.added,
 *              response.reasoning_summary_text.delta…           (only when the request asked reasoning.summary)
 *              … response.reasoning_summary_text.done, response.reasoning_summary_part.done,
 *              response.output_item.done
 *   text:      response.output_item.added (message), response.content_part.added (output_text),
 *              response.output_text.delta…                      (a refusal: response.refusal.delta…)
 *              … response.output_text.done, response.content_part.done, response.output_item.done
 *   tool call: response.output_item.added (function_call), response.function_call_arguments.delta…
 *              … response.function_call_arguments.done, response.output_item.done
 *   response.completed, or response.incomplete (cut at the token cap or by a filter), with the whole response
 *   and its usage (which may come only with the last chunk).
 *
 * One item is written at a time, as OpenAI does: the next one (text after a tool call, the next call) closes
 * it. A tool call is announced once its id and name are known, so that `output_item.added` names the
 * function, as clients expect. (Chat streams send each call's deltas in turn; should a source come back to a
 * closed call, its arguments still reach the final response, but no event.)
 * A failing source ends the stream with `error` and `response.failed` (encodeStreamError).
 * A kept response is replayed (replayStream) through the same steps, from its final object.
 * Reference: https://platform.openai.com/docs/api-reference/responses-streaming
 */
import type { ResponseStreamEvent } from 'openai/resources/responses/responses'
import type { ChatChunk, ChunkToolCallDelta, FinishReason, Usage } from '../../providers/openai-schema.ts'
import {
  finishStatus,
  functionCallItem,
  type ItemStatus,
  itemId,
  type MessagePart,
  messageItem,
  newResponse,
  outputPart,
  type ResponseObject,
  type ResponsesEncodeContext,
  reasoningItem,
  reasoningOf,
  responseUsage,
  wantsSummary,
} from './response-object.ts'
import { describeFailure, failedResponse, type StreamFailure } from './stream-failure.ts'

/** The SDK's event types, with the Response objects they carry as Headroom sends them (no `output_text`). */
type ResponsesStreamEvent = ResponseStreamEvent extends infer E
  ? E extends { response: unknown }
    ? Omit<E, 'response'> & { response: ResponseObject }
    : E
  : never
type Unnumbered = ResponsesStreamEvent extends infer E
  ? E extends unknown
    ? Omit<E, 'sequence_number'>
    : never
  : never

/** One server-sent event: `event: <event>` and `data: <JSON of data>`. */
export interface ResponsesSseEvent {
  event: ResponsesStreamEvent['type']
  data: ResponsesStreamEvent
}

export interface EncodeStreamOptions {
  /** An error thrown by the source → what the client is told (the server passes its own, which scrubs its secrets). */
  describeError?: (err: unknown) => StreamFailure
  /** Seconds since the epoch, for `created_at` when the source fails before its first chunk. */
  now?: () => number
}

interface MessageState {
  kind: 'message'
  index: number
  id: string
  status: ItemStatus
  parts: MessagePart[]
}

interface CallState {
  kind: 'call'
  /** Position in `output`; -1 until announced. */
  index: number
  id: string
  status: ItemStatus
  call_id: string
  name: string
  arguments: string
}

interface ReasoningState {
  kind: 'reasoning'
  index: number
  id: string
  status: ItemStatus
  text: string
}

type Item = MessageState | CallState | ReasoningState

/** Where a new item goes: its id and position in `output` (a replay's are the kept ones). */
interface ItemAt {
  id: string
  index: number
}

/** The encoder's state, one per stream: push chunks, then end it, or fail it. */
class ResponsesStreamEncoder {
  private seq = 0
  private response: ResponseObject | null = null
  private readonly items: Item[] = []
  /** The item being written: the next one closes it. */
  private open: Item | null = null
  private readonly calls = new Map<number, CallState>()
  private finish: FinishReason | null = null
  private usage: Usage | null = null

  constructor(
    private readonly ctx: ResponsesEncodeContext,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  push(chunk: ChatChunk): ResponsesSseEvent[] {
    const out: ResponsesSseEvent[] = []
    this.start(out, chunk.created)
    if (chunk.usage) this.usage = chunk.usage
    // The Responses API has no `n`: one answer, choice 0.
    const choice = chunk.choices.find((c) => c.index === 0)
    if (!choice) return out
    const d = choice.delta
    const reasoning = reasoningOf(d)
    if (reasoning !== '' && wantsSummary(this.response!)) this.reasoning(out, reasoning)
    if (d.content) this.text(out, { type: 'output_text', text: d.content })
    if (d.refusal) this.text(out, { type: 'refusal', refusal: d.refusal })
    for (const tc of d.tool_calls ?? []) this.toolCall(out, tc)
    if (choice.finish_reason) this.finish = choice.finish_reason
    return out
  }

  /** The source ended: every item closed, then `response.completed` or `response.incomplete`. */
  end(): ResponsesSseEvent[] {
    const out: ResponsesSseEvent[] = []
    this.start(out, this.now())
    for (const call of this.calls.values()) if (call.index < 0) this.announce(out, call)
    if (this.items.every((i) => i.kind === 'reasoning')) this.text(out, { type: 'output_text', text: '' })
    const { status, incomplete_details } = finishStatus(this.finish)
    // Cut short, the item being written when it was cut is incomplete.
    this.closeOpen(out, status === 'incomplete' ? 'incomplete' : 'completed')
    const response = { ...this.snapshot(), status, incomplete_details }
    if (this.usage) response.usage = responseUsage(this.usage)
    if (status === 'incomplete') this.emit(out, { type: 'response.incomplete', response })
    else this.emit(out, { type: 'response.completed', response })
    return out
  }

  /** The source failed: `error`, then `response.failed` with what was produced so far. */
  fail(failure: StreamFailure): ResponsesSseEvent[] {
    const out: ResponsesSseEvent[] = []
    this.start(out, this.now())
    const { message, code = null, param = null } = failure
    // Flat as OpenAI's reference documents it; nested as its live API sends it, which the `openai` SDK raises.
    const nested = { type: failure.type, code, message, param }
    const error = { type: 'error' as const, code, message, param, error: nested }
    this.emit(out, error)
    if (this.open) this.open.status = 'incomplete'
    this.emit(out, { type: 'response.failed', response: failedResponse(this.snapshot(), failure) })
    return out
  }

  /**
   * A kept response's events, from its final object: each output item opened, its text or arguments as one
   * delta, closed with its kept status and as it was kept; then the final event with the kept response.
   */
  replay(final: ResponseObject): ResponsesSseEvent[] {
    const out: ResponsesSseEvent[] = []
    const { usage: _, ...begun } = final
    this.begin(out, { ...begun, status: 'in_progress', incomplete_details: null, output: [] })
    final.output.forEach((item, index) => {
      const at = { id: item.id ?? '', index }
      if (item.type === 'message') {
        for (const p of item.content)
          this.text(out, p.type === 'output_text' ? { type: 'output_text', text: p.text } : { ...p }, at)
      } else if (item.type === 'function_call') {
        const { call_id, name, arguments: args } = item
        const call: CallState = {
          kind: 'call',
          index: -1,
          id: '',
          status: 'in_progress',
          call_id,
          name,
          arguments: args,
        }
        this.announce(out, call, at)
      } else if (item.type === 'reasoning' && item.summary.length > 0) {
        this.reasoning(out, item.summary.map((p) => p.text).join(''), at)
      } else {
        this.emit(out, { type: 'response.output_item.added', output_index: index, item })
      }
      this.closeOpen(out, 'status' in item && item.status === 'incomplete' ? 'incomplete' : 'completed')
      // The item exactly as kept, with what the steps above do not carry (annotations, encrypted reasoning).
      const done = out.at(-1)?.data
      if (done?.type === 'response.output_item.done') done.item = item
      else this.emit(out, { type: 'response.output_item.done', output_index: index, item })
    })
    if (final.status === 'incomplete') this.emit(out, { type: 'response.incomplete', response: final })
    else this.emit(out, { type: 'response.completed', response: final })
    return out
  }

  private start(out: ResponsesSseEvent[], created: number): void {
    if (this.response) return
    this.begin(out, newResponse(this.ctx, created))
  }

  private begin(out: ResponsesSseEvent[], response: ResponseObject): void {
    this.response = response
    this.emit(out, { type: 'response.created', response: this.snapshot() })
    this.emit(out, { type: 'response.in_progress', response: this.snapshot() })
  }

  private text(out: ResponsesSseEvent[], part: MessagePart, place?: ItemAt): void {
    let m = this.open
    if (m?.kind !== 'message') {
      this.closeOpen(out, 'completed')
      const { id, index } = place ?? this.nextAt('msg')
      m = { kind: 'message', index, id, status: 'in_progress', parts: [] }
      this.items.push(m)
      this.open = m
      const item = messageItem(m.id, [], 'in_progress')
      this.emit(out, { type: 'response.output_item.added', output_index: index, item })
    }
    let k = m.parts.findIndex((p) => p.type === part.type)
    const at = { item_id: m.id, output_index: m.index, content_index: k < 0 ? m.parts.length : k }
    if (k < 0) {
      k = m.parts.length
      m.parts.push(part.type === 'output_text' ? { type: 'output_text', text: '' } : { type: 'refusal', refusal: '' })
      this.emit(out, { type: 'response.content_part.added', ...at, part: outputPart(m.parts[k]!) })
    }
    const current = m.parts[k]!
    if (part.type === 'output_text' && current.type === 'output_text') {
      current.text += part.text
      const delta = part.text
      if (delta !== '') this.emit(out, { type: 'response.output_text.delta', ...at, delta, logprobs: [] })
    } else if (part.type === 'refusal' && current.type === 'refusal') {
      current.refusal += part.refusal
      this.emit(out, { type: 'response.refusal.delta', ...at, delta: part.refusal })
    }
  }

  private reasoning(out: ResponsesSseEvent[], delta: string, place?: ItemAt): void {
    let r = this.open
    if (r?.kind !== 'reasoning') {
      this.closeOpen(out, 'completed')
      const { id, index } = place ?? this.nextAt('rs')
      r = { kind: 'reasoning', index, id, status: 'in_progress', text: '' }
      this.items.push(r)
      this.open = r
      const item = { ...reasoningItem(r.id, '', 'in_progress'), summary: [] }
      this.emit(out, { type: 'response.output_item.added', output_index: index, item })
      const part = { type: 'summary_text' as const, text: '' }
      this.emit(out, { type: 'response.reasoning_summary_part.added', ...summaryAt(r), part })
    }
    r.text += delta
    this.emit(out, { type: 'response.reasoning_summary_text.delta', ...summaryAt(r), delta })
  }

  private toolCall(out: ResponsesSseEvent[], tc: ChunkToolCallDelta): void {
    let call = this.calls.get(tc.index)
    if (!call) {
      call = { kind: 'call', index: -1, id: '', status: 'in_progress', call_id: '', name: '', arguments: '' }
      this.calls.set(tc.index, call)
    }
    if (tc.id) call.call_id = tc.id
    if (tc.function?.name) call.name = tc.function.name
    const delta = tc.function?.arguments ?? ''
    call.arguments += delta
    if (call.index < 0) {
      if (call.call_id !== '' && call.name !== '') this.announce(out, call)
    } else if (delta !== '' && call === this.open) {
      this.argumentsDelta(out, call, delta)
    }
  }

  /** A tool call's `output_item.added`, and the arguments that came before it, as one delta. */
  private announce(out: ResponsesSseEvent[], call: CallState, place?: ItemAt): void {
    this.closeOpen(out, 'completed')
    this.open = call
    ;({ id: call.id, index: call.index } = place ?? this.nextAt('fc'))
    this.items.push(call)
    const item = functionCallItem(call.id, { ...call, arguments: '' }, 'in_progress')
    this.emit(out, { type: 'response.output_item.added', output_index: call.index, item })
    if (call.arguments !== '') this.argumentsDelta(out, call, call.arguments)
  }

  /** The next item's place: after those written, with an id made from the request's. */
  private nextAt(kind: 'msg' | 'fc' | 'rs'): ItemAt {
    const index = this.items.length
    return { id: itemId(this.ctx, kind, index), index }
  }

  private argumentsDelta(out: ResponsesSseEvent[], call: CallState, delta: string): void {
    const { id: item_id, index: output_index } = call
    this.emit(out, { type: 'response.function_call_arguments.delta', item_id, output_index, delta })
  }

  private closeOpen(out: ResponsesSseEvent[], status: ItemStatus): void {
    const item = this.open
    if (!item) return
    this.open = null
    item.status = status
    const output_index = item.index
    if (item.kind === 'call') {
      const { id: item_id, name, arguments: args } = item
      this.emit(out, { type: 'response.function_call_arguments.done', item_id, output_index, name, arguments: args })
      this.emit(out, { type: 'response.output_item.done', output_index, item: functionCallItem(item_id, item, status) })
      return
    }
    if (item.kind === 'reasoning') {
      const { text } = item
      this.emit(out, { type: 'response.reasoning_summary_text.done', ...summaryAt(item), text })
      const part = { type: 'summary_text' as const, text }
      this.emit(out, { type: 'response.reasoning_summary_part.done', ...summaryAt(item), part })
      this.emit(out, { type: 'response.output_item.done', output_index, item: reasoningItem(item.id, text, status) })
      return
    }
    const at = { item_id: item.id, output_index }
    item.parts.forEach((p, content_index) => {
      const part = { ...at, content_index }
      if (p.type === 'output_text') {
        this.emit(out, { type: 'response.output_text.done', ...part, text: p.text, logprobs: [] })
      } else this.emit(out, { type: 'response.refusal.done', ...part, refusal: p.refusal })
      this.emit(out, { type: 'response.content_part.done', ...part, part: outputPart(p) })
    })
    this.emit(out, { type: 'response.output_item.done', output_index, item: messageItem(item.id, item.parts, status) })
  }

  /** The response as it stands (a fresh object: events already sent never change). */
  private snapshot(): ResponseObject {
    const output = this.items.map((item) => {
      if (item.kind === 'call') return functionCallItem(item.id, item, item.status)
      if (item.kind === 'reasoning') return reasoningItem(item.id, item.text, item.status)
      return messageItem(item.id, item.parts, item.status)
    })
    return { ...this.response!, output }
  }

  private emit(out: ResponsesSseEvent[], e: Unnumbered): void {
    const data = { ...e, sequence_number: this.seq++ } as ResponsesStreamEvent
    out.push({ event: data.type, data })
  }
}

/** Where a reasoning item's one summary is. */
function summaryAt(r: ReasoningState): { item_id: string; output_index: number; summary_index: number } {
  return { item_id: r.id, output_index: r.index, summary_index: 0 }
}

/** The events of a failed stream: `error` and `response.failed` (see ResponsesStreamEncoder.fail). */
function encodeStreamError(encoder: ResponsesStreamEncoder, failure: StreamFailure): ResponsesSseEvent[] {
  return encoder.fail(failure)
}

/** The stream's events; a failing source ends it with `error` and `response.failed`, never a throw. */
export async function* encodeStream(
  chunks: AsyncIterable<ChatChunk>,
  ctx: ResponsesEncodeContext,
  options: EncodeStreamOptions = {},
): AsyncIterable<ResponsesSseEvent> {
  const encoder = new ResponsesStreamEncoder(ctx, options.now)
  try {
    for await (const chunk of chunks) yield* encoder.push(chunk)
  } catch (err) {
    yield* encodeStreamError(encoder, (options.describeError ?? describeFailure)(err))
    return
  }
  yield* encoder.end()
}

/** A kept response's events, as a stream of it would have sent them (ResponsesStreamEncoder.replay). */
export function replayStream(final: ResponseObject): ResponsesSseEvent[] {
  return new ResponsesStreamEncoder({ id: final.id, model: final.model }).replay(final)
}
