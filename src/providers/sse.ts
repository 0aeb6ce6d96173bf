/**
 * Incremental Server-Sent Events decoder (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * bytes in, events out. Lines end in CRLF, LF or CR (a CR at the end of one chunk and an LF at the start
 * of the next are one line ending); `data:` lines are joined with "\n"; `:` lines are comments; a blank
 * line dispatches. Bytes may be split anywhere, including inside a UTF-8 sequence.
 *
 * Bytes are decoded by node:string_decoder rather than TextDecoder: a streaming `TextDecoder.decode`
 * measured 6–12 µs for a 6 KB read on Node 20, StringDecoder about 0.6 µs — most of the decoder's cost.
 * Like TextDecoder (and as the spec asks), a byte order mark at the start of the stream is dropped.
 */
import { StringDecoder } from 'node:string_decoder'

export interface SseEvent {
  /** The `event:` field, or undefined when the event had none. */
  event: string | undefined
  data: string
  id?: string
}

export class SseDecoder {
  private readonly text = new StringDecoder('utf8')
  /** Whether the first decoded character was looked at (a byte order mark to drop). */
  private bomChecked = false
  private buf = ''
  private data: string[] = []
  private event: string | undefined = undefined
  private id: string | undefined = undefined
  /** The previous chunk ended in CR: a leading LF in the next chunk belongs to it. */
  private pendingCR = false

  /** Feed bytes (or already-decoded text); returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let s = typeof chunk === 'string' ? chunk : this.decode(chunk)
    if (this.pendingCR && s.length > 0) {
      if (s.charCodeAt(0) === 10) s = s.slice(1)
      this.pendingCR = false
    }
    const b = this.buf.length > 0 ? this.buf + s : s
    const out: SseEvent[] = []
    let start = 0
    // indexOf-driven: the common LF-only stream is scanned by native search, not char by char.
    const hasCR = b.indexOf('\r') !== -1
    for (;;) {
      let i = b.indexOf('\n', start)
      if (hasCR) {
        const r = b.indexOf('\r', start)
        if (r !== -1 && (i === -1 || r < i)) i = r
      }
      if (i === -1) break
      this.line(b.slice(start, i), out)
      if (b.charCodeAt(i) === 13) {
        if (i + 1 < b.length) {
          if (b.charCodeAt(i + 1) === 10) i++
        } else {
          this.pendingCR = true
        }
      }
      start = i + 1
    }
    this.buf = start === 0 ? b : b.slice(start)
    return out
  }

  /** The stream ended: an event not yet terminated by a blank line is discarded, per the spec. */
  end(): SseEvent[] {
    const tail = this.text.end()
    const out = tail ? this.push(tail) : []
    this.buf = ''
    this.data = []
    this.event = undefined
    return out
  }

  /** Bytes received that did not yet form a complete event (useful to detect a cut stream). */
  get hasPartial(): boolean {
    return this.buf.length > 0 || this.data.length > 0
  }

  private decode(bytes: Uint8Array): string {
    const s = this.text.write(bytes)
    if (this.bomChecked || s.length === 0) return s
    this.bomChecked = true
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s
  }

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      if (this.data.length > 0) {
        const ev: SseEvent = { event: this.event, data: this.data.join('\n') }
        if (this.id !== undefined) ev.id = this.id
        out.push(ev)
      }
      this.data = []
      this.event = undefined
      return
    }
    if (line.charCodeAt(0) === 58 /* : */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'data':
        this.data.push(value)
        break
      case 'event':
        this.event = value
        break
      case 'id':
        this.id = value
        break
      default:
        break // `retry` and unknown fields are ignored
    }
  }
}
