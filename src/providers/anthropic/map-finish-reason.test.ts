import { describe, expect, it } from 'vitest'
import { mapFinishReason } from './map-finish-reason.ts'

describe('mapFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('%s → %s', (raw, want) => {
    expect(mapFinishReason(raw)).toBe(want)
  })

  it('maps reasons newer than this table to stop', () => {
    expect(mapFinishReason('some_future_reason')).toBe('stop')
    expect(mapFinishReason('toString')).toBe('stop') // not read off Object.prototype
  })

  it('keeps null (a stream that has not finished) as null', () => {
    expect(mapFinishReason(null)).toBeNull()
    expect(mapFinishReason(undefined)).toBeNull()
  })
})
