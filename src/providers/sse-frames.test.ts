import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SseDecoder, type SseEvent } from './sse.ts'
import { type Framed, SseFramer } from './sse-frames.ts'

const recorded = readFileSync(join(import.meta.dirname, 'anthropic', '__fixtures__', 'tool-call.chunks.txt'), 'utf8')

/** The stream pushed in the given pieces: the frames' texts, the events in them, and what was left. */
function frame(pieces: readonly Uint8Array[]): { texts: string[]; events: SseEvent[] } {
  const f = new SseFramer()
  const texts: string[] = []
  const events: SseEvent[] = []
  const take = (r: Framed | null) => {
    if (!r) return
    texts.push(r.text)
    for (const e of r.events) {
      if (e.data !== undefined) events.push({ event: e.event, data: e.data })
      expect(r.text.slice(e.start, e.end).length).toBe(e.end - e.start)
    }
  }
  for (const p of pieces) take(f.push(p))
  take(f.end())
  return { texts, events }
}

function decoded(text: string): SseEvent[] {
  const d = new SseDecoder()
  return d.push(text).map((e) => ({ event: e.event, data: e.data }))
}

const bytes = (s: string) => new TextEncoder().encode(s)

describe('SseFramer', () => {
  it('a byte order mark at the start is dropped, split across reads or not; one later is kept', () => {
    const all = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('event: a\ndata: 1\n\n\uFEFFdata: 2\n\n')])
    for (const at of [0, 1, 2, 3, 5]) {
      const { texts, events } = frame([all.slice(0, at), all.slice(at)])
      expect(texts.join('')).toBe('event: a\ndata: 1\n\n\uFEFFdata: 2\n\n')
      expect(events[0]).toEqual({ event: 'a', data: '1' })
    }
  })

  it.each([
    ['LF', recorded],
    ['CRLF', recorded.replaceAll('\n', '\r\n')],
    ['CR', recorded.replaceAll('\n', '\r')],
    [
      'multi-byte UTF-8, comments, multi-line data',
      ': hi\n\nevent: a\ndata: ¡olé 🌍\ndata: two\n\ndata: x\n\n\ndata: y\n\n',
    ],
  ])(
    '%s: split at every byte, the texts are the bytes exactly, each whole events, with the decoder’s events',
    (_n, s) => {
      const all = bytes(s)
      const want = decoded(s)
      for (let at = 0; at <= all.length; at++) {
        const { texts, events } = frame([all.subarray(0, at), all.subarray(at)])
        expect(texts.join('')).toBe(s)
        for (const t of texts) expect(/(\r\n|\r|\n)$/.test(t)).toBe(true)
        expect(events).toEqual(want)
      }
    },
  )

  it('keeps an unfinished event for the next push, and discards it at the end', () => {
    const f = new SseFramer()
    expect(f.push(bytes('data: a\n\ndata: b'))?.text).toBe('data: a\n\n')
    expect(f.push(bytes('\n'))).toBeNull()
    expect(f.end()).toBeNull()
  })

  it('several events in one push are one text', () => {
    const r = new SseFramer().push(bytes('event: x\ndata: 1\n\nevent: y\ndata: 2\n\n'))!
    expect(r.text).toBe('event: x\ndata: 1\n\nevent: y\ndata: 2\n\n')
    expect(r.events).toEqual([
      { start: 0, end: 18, event: 'x', data: '1' },
      { start: 18, end: 36, event: 'y', data: '2' },
    ])
  })
})
