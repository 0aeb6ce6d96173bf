import { describe, expect, it } from 'vitest'
import { SseDecoder, type SseEvent } from './sse.ts'

function decodeSplit(bytes: Uint8Array, at: number): SseEvent[] {
  const d = new SseDecoder()
  return [...d.push(bytes.subarray(0, at)), ...d.push(bytes.subarray(at)), ...d.end()]
}

function everySplit(text: string): SseEvent[] {
  const bytes = new TextEncoder().encode(text)
  const whole = decodeSplit(bytes, bytes.length)
  for (let i = 0; i <= bytes.length; i++) expect(decodeSplit(bytes, i), `split at byte ${i}`).toEqual(whole)
  return whole
}

describe('SseDecoder', () => {
  it('decodes OpenAI data-only frames at every byte split', () => {
    const ev = everySplit('data: {"a":1}\n\ndata: {"b":"é✓"}\n\ndata: [DONE]\n\n')
    expect(ev).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: '{"b":"é✓"}' },
      { event: undefined, data: '[DONE]' },
    ])
  })

  it('decodes Anthropic event + data frames and skips comments', () => {
    const ev = everySplit(
      ': keep-alive\nevent: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {"type": "ping"}\n\n',
    )
    expect(ev.map((e) => e.event)).toEqual(['message_start', 'ping'])
  })

  it('handles CRLF and lone CR line endings, including a CRLF split across chunks', () => {
    expect(everySplit('data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n').map((e) => e.data)).toEqual(['1', '2', '3'])
  })

  it('joins multi-line data with newlines and ignores a field without space', () => {
    expect(everySplit('data:a\ndata: b\nretry: 5\n\n')).toEqual([{ event: undefined, data: 'a\nb' }])
  })

  it('drops a byte order mark at the start of the stream, and only there, at every byte split', () => {
    expect(everySplit('\ufeffdata: 1\n\ndata: \ufeff2\n\n').map((e) => e.data)).toEqual(['1', '\ufeff2'])
  })

  it('replaces bytes that are not UTF-8 rather than failing', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('data: a'), 0xff, 0x0a, 0x0a])
    expect(decodeSplit(bytes, 8).map((e) => e.data)).toEqual(['a\ufffd'])
  })

  it('drops an unterminated event at the end and reports the partial', () => {
    const d = new SseDecoder()
    expect(d.push('data: {"cut":')).toEqual([])
    expect(d.hasPartial).toBe(true)
    expect(d.end()).toEqual([])
  })
})
