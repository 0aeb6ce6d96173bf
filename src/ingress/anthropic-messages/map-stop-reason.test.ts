import { describe, expect, it } from 'vitest'
import { mapStopReason } from './map-stop-reason.ts'

const plain = { toolCalls: false, matchedStop: null }

describe('finish_reason → stop_reason', () => {
  it.each([
    ['stop', plain, 'end_turn', null],
    ['length', plain, 'max_tokens', null],
    ['tool_calls', { toolCalls: true, matchedStop: null }, 'tool_use', null],
    ['function_call', { toolCalls: true, matchedStop: null }, 'tool_use', null],
    ['content_filter', plain, 'refusal', null],
    ['stop', { toolCalls: false, matchedStop: '###' }, 'stop_sequence', '###'],
    ['stop', { toolCalls: true, matchedStop: null }, 'tool_use', null],
    // A cut by max tokens stays a cut, whatever else is known.
    ['length', { toolCalls: true, matchedStop: 'x' }, 'max_tokens', null],
    [null, plain, 'end_turn', null],
    ['a reason newer than this code', plain, 'end_turn', null],
  ])('%s %o → %s', (finish, facts, stopReason, stopSequence) => {
    expect(mapStopReason(finish, facts)).toEqual({ stop_reason: stopReason, stop_sequence: stopSequence })
  })
})
