import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { jsonDelayMs } from './pipeline.ts'
import { type Frame, writeStream } from './wire.ts'

/** What writeStream uses of a ServerResponse, recording each write with the (fake) time it was made. */
class RecordingResponse extends EventEmitter {
  readonly writes: Array<[number, string]> = []
  destroyed = false
  ended = false
  readonly socket = null
  write(data: string): boolean {
    this.writes.push([Date.now(), data])
    return true
  }
  end(data?: string): void {
    if (data) this.write(data)
    this.ended = true
  }
}

const frames = (...tokens: number[]): Frame[] => tokens.map((n, i) => ({ data: `e${i}|`, tokens: n }))

describe('writeStream pacing', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(0)
  })
  afterEach(() => void vi.useRealTimers())

  it('sends the first token at ttft, each later one tokenDelayMs per token; token-less events ride along', async () => {
    const res = new RecordingResponse()
    // e0: message start (no token), e1–e5: one token each, e6: the end (no token)
    writeStream(res as unknown as ServerResponse, {
      frames: frames(0, 1, 1, 1, 1, 1, 0),
      ttftMs: 120,
      tokenDelayMs: 30,
      reasoningTokens: 0,
      tail: null,
    })
    await vi.runAllTimersAsync()
    expect(res.writes).toEqual([
      [0, 'e0|'],
      [120, 'e1|'],
      [150, 'e2|'],
      [180, 'e3|'],
      [210, 'e4|'],
      [240, 'e5|e6|'],
    ])
    expect(res.ended).toBe(true)
  })

  it('reasoning tokens delay the first visible one', async () => {
    const res = new RecordingResponse()
    writeStream(res as unknown as ServerResponse, {
      frames: frames(1, 1),
      ttftMs: 100,
      tokenDelayMs: 10,
      reasoningTokens: 5,
      tail: null,
    })
    await vi.runAllTimersAsync()
    expect(res.writes.map(([at]) => at)).toEqual([150, 160])
  })

  it('stops writing when the client goes away', async () => {
    const res = new RecordingResponse()
    writeStream(res as unknown as ServerResponse, {
      frames: frames(1, 1, 1),
      ttftMs: 10,
      tokenDelayMs: 10,
      reasoningTokens: 0,
      tail: null,
    })
    await vi.advanceTimersByTimeAsync(10)
    res.destroyed = true
    res.emit('close')
    await vi.runAllTimersAsync()
    expect(res.writes).toEqual([[10, 'e0|']])
  })
})

describe('jsonDelayMs', () => {
  it('is what streaming the longest choice would take: ttft, then tokenDelayMs per further token', () => {
    const cfg = { ttftMs: 120, tokenDelayMs: 30 }
    expect(jsonDelayMs(cfg, [{ outputTokens: 5, reasoningTokens: 0 }])).toBe(120 + 4 * 30)
    expect(
      jsonDelayMs(cfg, [
        { outputTokens: 2, reasoningTokens: 0 },
        { outputTokens: 3, reasoningTokens: 2 },
      ]),
    ).toBe(120 + 4 * 30)
    expect(jsonDelayMs({ ttftMs: 0, tokenDelayMs: 0 }, [{ outputTokens: 9, reasoningTokens: 0 }])).toBe(0)
  })
})
