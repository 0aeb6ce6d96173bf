/**
 * Server-Sent Events cut at event boundaries, bytes kept: for passthrough, where the client must get the
 * upstream's stream exactly as it came while Headroom still reads each event (usage, errors, the first
 * content). Each push returns the text of the whole events its bytes complete — exactly those bytes, in
 * order — with each event's extent and fields; what is left (an event not yet ended) waits for the next
 * push. Field parsing follows https://html.spec.whatwg.org/multipage/server-sent-events.html like
 * ./sse.ts: lines end in CRLF, LF or CR, `data:` lines join with "\n", `:` lines are comments, a blank
 * line ends an event.
 *
 * Bytes are decoded by node:string_decoder, as in ./sse.ts (a streaming `TextDecoder.decode` costs ~10× as
 * much; docs/benchmarks.md); like TextDecoder, it drops a byte order mark at the start of the stream.
 */
import { StringDecoder } from 'node:string_decoder'

/** One whole event in a pushed text: its extent `[start, end)` and its fields. */
interface RawEvent {
  readonly start: number
  readonly end: number
  /** The `event:` field, or undefined when the event had none. */
  readonly event: string | undefined
  /** The joined `data:` lines; undefined when there were none (a comment or a blank line: nothing to dispatch). */
  readonly data: string | undefined
}

export interface Framed {
  /** The exact text of the whole events completed. */
  readonly text: string
  readonly events: readonly RawEvent[]
}

export class SseFramer {
  private readonly utf8 = new StringDecoder('utf8')
  private bomChecked = false
  private buf = ''

  /** Bytes in → the whole events they complete (null when they complete none). */
  push(bytes: Uint8Array): Framed | null {
    const chunk = this.decode(bytes)
    const s = this.buf.length > 0 ? this.buf + chunk : chunk
    const { events, pos } = scan(s, false)
    if (pos === 0) {
      this.buf = s
      return null
    }
    this.buf = pos === s.length ? '' : s.slice(pos)
    return { text: pos === s.length ? s : s.slice(0, pos), events }
  }

  /**
   * The body ended: the events still to complete (a CR last in the body ends its line), or null. An event
   * never finished is discarded, as the spec says: its bytes would garble whatever the client reads next.
   */
  end(): Framed | null {
    const s = this.buf + this.utf8.end()
    this.buf = ''
    const { events, pos } = scan(s, true)
    return pos > 0 ? { text: s.slice(0, pos), events } : null
  }

  private decode(bytes: Uint8Array): string {
    const s = this.utf8.write(bytes)
    if (this.bomChecked || s.length === 0) return s
    this.bomChecked = true
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s
  }
}

function scan(s: string, final: boolean): { events: RawEvent[]; pos: number } {
  const hasCR = s.indexOf('\r') !== -1
  const events: RawEvent[] = []
  let pos = 0
  for (;;) {
    const end = hasCR ? eventEndAny(s, pos, final) : eventEndLF(s, pos)
    if (end === -1) break
    events.push(parseEvent(s, pos, end, hasCR))
    pos = end
  }
  return { events, pos }
}

/** LF-only text: an event ends after "\n\n" (or is a lone blank line). */
function eventEndLF(s: string, from: number): number {
  if (from >= s.length) return -1
  if (s.charCodeAt(from) === 10) return from + 1
  const i = s.indexOf('\n\n', from)
  return i === -1 ? -1 : i + 2
}

/**
 * Any line endings: the end of the first blank line from `from`. A CR last in `s` waits (an LF may follow),
 * unless the text is `final`.
 */
function eventEndAny(s: string, from: number, final: boolean): number {
  let p = from
  while (p < s.length) {
    let q = p
    while (q < s.length) {
      const c = s.charCodeAt(q)
      if (c === 10 || c === 13) break
      q++
    }
    if (q === s.length) return -1
    let next = q + 1
    if (s.charCodeAt(q) === 13) {
      if (next === s.length && !final) return -1
      if (s.charCodeAt(next) === 10) next++
    }
    if (q === p) return next
    p = next
  }
  return -1
}

function parseEvent(s: string, start: number, end: number, hasCR: boolean): RawEvent {
  const lines = s.slice(start, end).split(hasCR ? /\r\n|\r|\n/ : '\n')
  let event: string | undefined
  let data: string | undefined
  for (const line of lines) {
    if (line.length === 0 || line.charCodeAt(0) === 58 /* : */) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`
    else if (field === 'event') event = value
  }
  return { start, end, event, data }
}
