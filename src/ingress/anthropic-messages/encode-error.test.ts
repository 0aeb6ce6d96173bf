import { describe, expect, it } from 'vitest'
import { encodeError } from './encode-error.ts'

describe('router errors in Anthropic’s shape', () => {
  it.each([
    [400, 400, 'invalid_request_error'],
    [401, 401, 'authentication_error'],
    [402, 402, 'billing_error'],
    [403, 403, 'permission_error'],
    [404, 404, 'not_found_error'],
    [413, 413, 'request_too_large'],
    [429, 429, 'rate_limit_error'],
    [500, 500, 'api_error'],
    [504, 504, 'timeout_error'],
    [529, 529, 'overloaded_error'],
    // Anthropic never answers 503; its clients know overload as 529.
    [503, 529, 'overloaded_error'],
    // Statuses the docs don't list: their class's type, status unchanged.
    [409, 409, 'invalid_request_error'],
    [422, 422, 'invalid_request_error'],
    [502, 502, 'api_error'],
  ])('%i → %i %s', (status, sent, type) => {
    const err = { message: 'what happened', type: 'some_openai_type', code: 'some_code' }
    const body = { type: 'error', error: { type, message: 'what happened' } }
    expect(encodeError(status, err)).toEqual({ status: sent, body })
  })

  it('a refusal naming a chat parameter names its Messages counterpart first, once', () => {
    const message = (m: string, param: string | null) => encodeError(400, { message: m, param }).body.error.message
    expect(message('6 stop sequences, but google takes at most 5', 'stop')).toBe(
      'stop_sequences: 6 stop sequences, but google takes at most 5',
    )
    expect(message('stop_sequences: already named', 'stop')).toBe('stop_sequences: already named')
    expect(message('temperature: out of range', 'temperature')).toBe('temperature: out of range')
  })
})
