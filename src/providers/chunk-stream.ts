/**
 * A streamed answer's body → OpenAI chunks: the SSE loop of every HTTP adapter (http-adapter.ts). Bytes
 * are decoded into events (sse.ts) and handed one event at a time to the provider's StreamDecoder; time to
 * first token is taken at the first chunk that `carriesContent`; after the provider's end mark the body
 * is still read to its end (the keep-alive socket then goes back to the pool), and it is dropped when
 * the consumer leaves early (which ends the upstream call). Once the stream is over, however it ended,
 * the call's meta gets what the decoder learned: a broken or abandoned stream still bills what it used.
 *
 * A hand-written iterator rather than an async generator: a chunk already decoded is handed over with
 * one resolved promise, and the body is awaited only when the events read so far are used up. A
 * generator costs a suspension and a resumption per chunk, and streams are tens of chunks.
 */
import type { Readable } from 'node:stream'
import { carriesContent } from './carries-content.ts'
import { closeMeta } from './http-call.ts'
import type { ChatChunk } from './openai-schema.ts'
import type { SseEvent } from './sse.ts'
import { SseDecoder } from './sse.ts'
import type { ProviderError, ProviderUsage, UpstreamMeta } from './types.ts'

/** One stream's events → OpenAI chunks, and what the stream said about the call (read when it is over). */
export interface StreamDecoder {
  /** One SSE event → the chunks it completes, appended to `out`. Throws ProviderError (an error event, bad data). */
  onEvent(ev: SseEvent, out: ChatChunk[]): void
  /** The body ended cleanly: the chunks still held go to `out`; throws ProviderError if the stream was cut short. */
  onEnd(out: ChatChunk[]): void
  /** The provider's end mark arrived: later events are not decoded (the body is still read to its end). */
  readonly done: boolean
  readonly usage: ProviderUsage | null
  readonly usageFinal: boolean
  readonly model: string | null
  /** When the events name the call (Gemini's `responseId`). */
  readonly requestId?: string | null
}

export interface ChunkStreamContext {
  readonly signal: AbortSignal
  /** Filled when the stream is over. */
  readonly meta: UpstreamMeta
  /** Gets `ttftMs` at the first chunk with content. */
  readonly latency: { ttftMs?: number }
  /** performance.now() when the call began. */
  readonly started: number
  /** Whatever failed on the way → the provider's ProviderError. */
  readonly fail: (err: unknown) => ProviderError
}

const DONE: IteratorResult<ChatChunk> = Object.freeze({ done: true, value: undefined })

/** Reading the body; handing over what onEnd gave; over. */
const READING = 0
const TAIL = 1
const OVER = 2

export function chunkStream(body: Readable, decoder: StreamDecoder, ctx: ChunkStreamContext): AsyncIterable<ChatChunk> {
  const sse = new SseDecoder()
  let reader: AsyncIterator<unknown> | null = null
  /** Chunks decoded and not yet handed over: out[pos…]. */
  const out: ChatChunk[] = []
  let pos = 0
  /** Events of the last read not yet decoded: events[ev…]. */
  let events: SseEvent[] = []
  let ev = 0
  let phase: number = READING
  let bodyEnded = false

  const hand = (c: ChatChunk): IteratorResult<ChatChunk> => {
    if (ctx.latency.ttftMs === undefined && carriesContent(c)) ctx.latency.ttftMs = performance.now() - ctx.started
    return { done: false, value: c }
  }

  /** The stream is over, however it ended: drop an unfinished body, and record what the decoder learned. */
  const over = (): void => {
    if (!bodyEnded) body.destroy()
    closeMeta(ctx.meta, decoder)
  }

  const failed = (err: unknown): ProviderError => {
    phase = OVER
    const pe = ctx.fail(err)
    over()
    return pe
  }

  /** The next chunk from the events already read, decoding one event at a time; null when more bytes are needed. */
  const decoded = (): ChatChunk | null => {
    for (;;) {
      if (pos < out.length) return out[pos++]!
      out.length = 0
      pos = 0
      if (decoder.done || ev >= events.length) return null
      decoder.onEvent(events[ev++]!, out)
    }
  }

  /** Past the body's end: onEnd's chunks, then done. */
  const tail = (): IteratorResult<ChatChunk> => {
    if (pos < out.length) return hand(out[pos++]!)
    phase = OVER
    return DONE
  }

  async function read(): Promise<IteratorResult<ChatChunk>> {
    try {
      reader ??= body[Symbol.asyncIterator]()
      for (;;) {
        const r = await reader.next()
        if (r.done) break
        if (decoder.done) continue // read to the end, so that the socket is reused
        events = sse.push(r.value as Buffer)
        ev = 0
        const c = decoded()
        if (c !== null) return hand(c)
      }
      bodyEnded = true
      if (!decoder.done && ctx.signal.aborted) throw ctx.signal.reason
      decoder.onEnd(out)
    } catch (err) {
      throw failed(err)
    }
    phase = TAIL
    over()
    return tail()
  }

  const iterator: AsyncIterator<ChatChunk> = {
    next() {
      if (phase === TAIL) return Promise.resolve(tail())
      if (phase === OVER) return Promise.resolve(DONE)
      let c: ChatChunk | null
      try {
        c = decoded()
      } catch (err) {
        return Promise.reject(failed(err))
      }
      return c !== null ? Promise.resolve(hand(c)) : read()
    },
    // The consumer left early: the body is dropped, which ends the upstream call.
    async return() {
      if (phase === READING) over()
      phase = OVER
      return DONE
    },
  }
  return { [Symbol.asyncIterator]: () => iterator }
}
