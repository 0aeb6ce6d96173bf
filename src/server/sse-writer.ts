/**
 * Writes an OpenAI chat-completion stream to a Node response: `data: <chunk>\n\n` frames, `data: [DONE]`
 * at the end, or one `data: {"error":…}` frame when the stream fails after it began (the `openai` SDK
 * raises such a frame as an APIError; a silent clean end would look like a complete answer).
 *
 * Usage: the adapters always obtain it (spend needs it); the client sees the `choices: []` usage chunk
 * and `"usage": null` on the other chunks only when it asked with `stream_options.include_usage`.
 *
 * Frames produced in one turn of the event loop (all the events of one upstream read) are joined and
 * written once, at the end of that turn (setImmediate): one `res.write` — one chunked-encoding frame, one
 * syscall — instead of one per frame, which was the largest per-chunk cost measured in bench/. The first
 * frames too: the first write carries the headers and all that the first read brought (a stream whose
 * upstream answered at once goes out in one write with its end), and the turn ends before the next read
 * from upstream could, so time to first token does not wait for the network. (Writing the first frame on
 * its own cost a syscall per stream: 3–10% of Headroom's CPU per streamed request, docs/benchmarks.md.)
 *
 * A client that stops reading: writes block (backpressure) and the upstream is not read meanwhile. A
 * block that lasts `idleTimeoutMs` destroys the connection — the stream ends as if the client had left,
 * which cancels the upstream call and frees its capacity. The timer runs only while a write is blocked.
 * An end (of a stream, or of a JSON answer: endResponse) the client does not take is dropped the same way.
 */
import type { ServerResponse } from 'node:http'
import { type ChatChunk, type OpenAIErrorBody, RAW_JSON } from '../providers/openai-schema.ts'

export interface SseWriteOptions {
  includeUsage: boolean
  /** Rewrites every chunk's id so that one stream has one id, whatever served it. */
  id?: string
  /**
   * A write the client has not taken within this many ms ends the stream (routes.yaml `server.stream_idle_timeout_ms`).
   */
  idleTimeoutMs: number
}

/** Flush what is pending without waiting for the next turn once it is this large. */
const FLUSH_BYTES = 64 * 1024

class FrameBatcher {
  private pending = ''
  private scheduled = false
  /** The client is not reading: wait for 'drain' before pulling more from upstream. */
  blocked = false

  constructor(
    private readonly res: ServerResponse,
    private readonly idleTimeoutMs: number,
  ) {}

  add(frame: string): void {
    this.pending += frame
    if (this.pending.length >= FLUSH_BYTES) {
      this.flush()
    } else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
  }

  flush(): void {
    this.scheduled = false
    if (this.pending === '' || this.res.destroyed) return
    const out = this.pending
    this.pending = ''
    if (!this.res.write(out)) this.blocked = true
  }

  /** Waits while the client is not reading (backpressure), so a slow client cannot grow memory. */
  async drained(): Promise<void> {
    if (!this.blocked) return
    await untilTaken(this.res, 'drain', this.idleTimeoutMs)
    this.blocked = false
  }

  end(last: string): void {
    const out = this.pending + last
    this.pending = ''
    endResponse(this.res, out, this.idleTimeoutMs)
  }
}

/**
 * Waits until the client has taken what is buffered for it (`drain`; `finish` once ended) — for at most
 * idleTimeoutMs, then destroys the connection, which ends the wait too.
 */
function untilTaken(res: ServerResponse, event: 'drain' | 'finish', idleTimeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => res.destroy(), idleTimeoutMs)
    const done = () => {
      clearTimeout(timer)
      res.off(event, done)
      res.off('close', done)
      resolve()
    }
    res.on(event, done)
    res.on('close', done)
  })
}

/**
 * Ends a response (an SSE stream, or a JSON answer). A rest the client does not take within
 * idleTimeoutMs is dropped with its connection: it would otherwise sit in memory, and the socket stay
 * open, for as long as the client likes.
 */
export function endResponse(res: ServerResponse, body: string, idleTimeoutMs: number): void {
  res.end(body)
  if (res.writableLength > res.writableHighWaterMark) void untilTaken(res, 'finish', idleTimeoutMs)
}

const USAGE_NULL_TAIL = ',"usage":null}'

/** A chunk's JSON as the client should get it, or null when the client should not get it at all. */
function serialise(c: ChatChunk, opts: SseWriteOptions): string | null {
  if (!opts.includeUsage && c.usage != null && c.choices.length === 0) return null
  const raw = opts.id ? undefined : c[RAW_JSON]
  if (raw !== undefined) {
    // Upstream bytes, reused when they already are what the client should see: with include_usage
    // every chunk carries "usage" (null but the last); without it, none does.
    if (opts.includeUsage ? 'usage' in c : !('usage' in c)) return raw
    if (!opts.includeUsage && c.usage === null && raw.endsWith(USAGE_NULL_TAIL))
      return `${raw.slice(0, -USAGE_NULL_TAIL.length)}}`
  }
  if (opts.id) c.id = opts.id
  if (opts.includeUsage) {
    if (c.usage === undefined) c.usage = null
  } else delete c.usage
  return JSON.stringify(c)
}

/** A chunk's frame, or null when the client should not get the chunk at all. */
export function sseFrame(c: ChatChunk, opts: SseWriteOptions): string | null {
  const json = serialise(c, opts)
  return json === null ? null : `data: ${json}\n\n`
}

/** One event of a named-event stream (Anthropic's, the Responses API's): `event:` and `data:` lines. */
export function sseEvent(e: { readonly event: string; readonly data: unknown }): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`
}

/** The last frame of a stream that completed. */
export const SSE_DONE = 'data: [DONE]\n\n'

/** The last frame of a stream that failed after it began. */
export function sseErrorFrame(body: OpenAIErrorBody): string {
  return `data: ${JSON.stringify(body)}\n\n`
}

/** How a stream ended: completed, failed (with an error frame), or the client went away. */
export type StreamEnd = 'done' | 'error' | 'closed'

/**
 * Streams another API's events, whole and already framed, batched as chunks are; returns how the stream
 * ended. The source never throws: a failure is its own last event (the API's error event).
 */
export async function writeEvents(
  res: ServerResponse,
  events: AsyncIterable<string>,
  idleTimeoutMs: number,
): Promise<StreamEnd> {
  const out = new FrameBatcher(res, idleTimeoutMs)
  for await (const e of events) {
    if (res.destroyed) return 'closed'
    out.add(e)
    if (out.blocked) await out.drained()
  }
  if (res.destroyed) return 'closed'
  out.end('')
  return 'done'
}

/** Streams chunks; returns how the stream ended. Never throws for a failing source: that becomes an error frame. */
export async function writeChunks(
  res: ServerResponse,
  chunks: AsyncIterable<ChatChunk>,
  opts: SseWriteOptions,
  toError: (err: unknown) => OpenAIErrorBody,
): Promise<StreamEnd> {
  const out = new FrameBatcher(res, opts.idleTimeoutMs)
  try {
    for await (const c of chunks) {
      if (res.destroyed) return 'closed'
      const frame = sseFrame(c, opts)
      if (frame === null) continue
      out.add(frame)
      if (out.blocked) await out.drained() // no await (no microtask) per frame while the client keeps up
    }
    if (res.destroyed) return 'closed'
    out.end(SSE_DONE)
    return 'done'
  } catch (err) {
    if (res.destroyed) return 'closed'
    out.end(sseErrorFrame(toError(err)))
    return 'error'
  }
}
