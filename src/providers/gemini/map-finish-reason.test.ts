import { describe, expect, it } from 'vitest'
import { mapFinishReason } from './map-finish-reason.ts'

describe('mapFinishReason', () => {
  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['LANGUAGE', 'content_filter'],
    ['OTHER', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['IMAGE_PROHIBITED_CONTENT', 'content_filter'],
    ['IMAGE_RECITATION', 'content_filter'],
    ['IMAGE_OTHER', 'content_filter'],
    ['NO_IMAGE', 'stop'],
    ['MALFORMED_FUNCTION_CALL', 'stop'],
    ['UNEXPECTED_TOOL_CALL', 'stop'],
    ['TOO_MANY_TOOL_CALLS', 'stop'],
    ['FINISH_REASON_UNSPECIFIED', 'stop'],
  ])('%s → %s', (raw, want) => {
    expect(mapFinishReason(raw)).toBe(want)
  })

  it('turns any reason into tool_calls when the candidate made function calls (Gemini says STOP)', () => {
    expect(mapFinishReason('STOP', true)).toBe('tool_calls')
    expect(mapFinishReason('MAX_TOKENS', true)).toBe('tool_calls')
  })

  it('maps unknown (newer) reasons to stop and keeps a missing one null', () => {
    expect(mapFinishReason('SOMETHING_NEW')).toBe('stop')
    expect(mapFinishReason('constructor')).toBe('stop')
    expect(mapFinishReason(undefined)).toBeNull()
    expect(mapFinishReason(null, true)).toBeNull()
  })
})
