import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ProviderError } from '../types.ts'
import type { ErrorContext } from './errors.ts'
import { httpError, httpFailure, invalidRequest, streamErrorEvent, toProviderError } from './errors.ts'
import { GeminiCallError, type GeminiFailure } from './gemini-types.ts'

const now = 1_760_000_000_000
const ctx = (over: Partial<ErrorContext> = {}): ErrorContext => ({
  provider: 'google',
  now,
  during: 'request',
  ...over,
})
const fail = (f: GeminiFailure, over: Partial<ErrorContext> = {}) => toProviderError(new GeminiCallError(f), ctx(over))
const http = (status: number, message: string, details: unknown[] = []) =>
  fail({ type: 'http', status, statusText: '', message, details })

interface Recorded {
  name: string
  status: number
  body: { error: { message: string } }
}
const recorded = JSON.parse(readFileSync(join(import.meta.dirname, '__fixtures__', 'error-answers.json'), 'utf8')) as {
  target: Recorded[]
  request: Recorded[]
}

describe('httpError: a 4xx about the target or about the request', () => {
  it.each(recorded.target.map((a) => [a.name, a] as const))(
    "%s → unsupported (fails over), with Google's status and message",
    (_name, a) => {
      const e = http(a.status, a.body.error.message)
      expect(e).toMatchObject({ kind: 'unsupported', status: a.status, message: a.body.error.message })
    },
  )

  it.each(recorded.request.map((a) => [a.name, a] as const))(
    '%s → bad_request (straight back to the client)',
    (_name, a) => {
      expect(http(a.status, a.body.error.message).kind).toBe('bad_request')
    },
  )
})

describe('httpError', () => {
  it('turns 400 API_KEY_INVALID into 401 invalid_api_key (auth)', () => {
    const e = http(400, 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid.' },
    ])
    expect(e).toMatchObject({
      status: 401,
      upstreamStatus: 400,
      kind: 'auth',
      code: 'invalid_api_key',
      type: 'authentication_error',
      retryable: false,
    })
    expect(e.message).toBe('API key not valid. Please pass a valid API key.')
  })

  it('keeps other 400s as bad_request', () => {
    expect(http(400, '* GenerateContentRequest.contents: contents is not specified')).toMatchObject({
      status: 400,
      kind: 'bad_request',
      type: 'invalid_request_error',
      retryable: false,
    })
  })

  it('maps 429 with RetryInfo to rate_limit with retryAfterMs and limits', () => {
    const e = http(429, 'You exceeded your current quota. Please retry in 14.6s.', [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '15s' },
    ])
    expect(e).toMatchObject({
      status: 429,
      kind: 'rate_limit',
      code: 'rate_limit_exceeded',
      retryAfterMs: 15_000,
      retryable: true,
    })
    expect(e.limits).toEqual({ at: now, retryAfterMs: 15_000 })
  })

  it.each([
    [404, 404, 'unsupported', 'model_not_found'],
    [500, 500, 'server', null],
    [503, 503, 'overloaded', 'overloaded'],
    [504, 504, 'server', null],
    [403, 403, 'auth', null],
  ])('%d → status %d kind %s', (status, want, kind, code) => {
    expect(http(status, 'x')).toMatchObject({ status: want, upstreamStatus: status, kind, code })
  })

  // Keys in it are scrubbed where every adapter's errors enter the core (../redact.ts).
  it('passes Google’s message on, and says something when Google said nothing', () => {
    expect(httpError('google', 400, 'API key not valid.', [], now).message).toBe('API key not valid.')
    expect(httpError('google', 502, '', [], now).message).toBe('google answered HTTP 502 with no error message')
  })
})

describe('streamErrorEvent', () => {
  it('is kind stream, with the status Google put in the body', () => {
    const e = streamErrorEvent('google', { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' }, now)
    expect(e).toMatchObject({
      kind: 'stream',
      status: 500,
      upstreamStatus: null,
      message: 'Internal error encountered.',
      retryable: true,
    })
    expect(streamErrorEvent('google', {}, now)).toMatchObject({
      status: 500,
      message: 'google reported an error mid-stream',
    })
  })
})

describe('toProviderError', () => {
  it('passes ProviderErrors through', () => {
    const e = invalidRequest('google', 'no', 'stop')
    expect(toProviderError(e, ctx())).toBe(e)
    expect(e).toMatchObject({ status: 400, kind: 'bad_request', param: 'stop' })
  })

  it('reports a cancellation as 499 cancelled, whatever the error, once the caller aborted', () => {
    const ac = new AbortController()
    ac.abort()
    expect(toProviderError(new Error('boom'), ctx({ signal: ac.signal }))).toMatchObject({
      status: 499,
      kind: 'cancelled',
      retryable: false,
    })
    expect(fail({ type: 'cancelled' })).toMatchObject({ status: 499, kind: 'cancelled' })
  })

  it('maps timeouts: 504 before the answer, a broken stream after', () => {
    expect(fail({ type: 'timeout', timeoutMs: 5000 })).toMatchObject({
      status: 504,
      kind: 'timeout',
      message: 'google did not answer within 5000 ms',
    })
    expect(fail({ type: 'timeout', timeoutMs: 5000 }, { during: 'stream' })).toMatchObject({
      status: 502,
      kind: 'stream',
    })
  })

  it('maps connection failures, broken and malformed bodies', () => {
    expect(fail({ type: 'connection', message: 'fetch failed' })).toMatchObject({
      status: 502,
      kind: 'connection',
      message: 'could not reach google: fetch failed',
    })
    expect(fail({ type: 'broken', message: 'terminated' })).toMatchObject({ status: 502, kind: 'connection' })
    expect(fail({ type: 'broken', message: 'terminated' }, { during: 'stream' })).toMatchObject({
      status: 502,
      kind: 'stream',
      message: 'google stream broke: terminated',
    })
    expect(fail({ type: 'malformed', message: 'not JSON' })).toMatchObject({
      status: 502,
      kind: 'server',
      code: 'bad_upstream_response',
    })
    expect(fail({ type: 'malformed', message: 'not JSON' }, { during: 'stream' })).toMatchObject({ kind: 'stream' })
  })

  it("refuses a model id that cannot be one segment of Gemini's URL: a 400 naming the model, not retried", () => {
    expect(fail({ type: 'invalid_model', message: 'it may not contain ":"' })).toMatchObject({
      status: 400,
      kind: 'bad_request',
      param: 'model',
      code: 'invalid_value',
      retryable: false,
      message: 'Invalid \'model\' for google: it may not contain ":".',
    })
  })

  it('maps unknown errors by phase', () => {
    expect(toProviderError(new TypeError('x'), ctx())).toMatchObject({
      kind: 'connection',
      message: 'could not reach google: x',
    })
    expect(toProviderError('weird', ctx({ during: 'stream' }))).toBeInstanceOf(ProviderError)
    expect(toProviderError('weird', ctx({ during: 'stream' }))).toMatchObject({ kind: 'stream' })
  })
})

describe('httpFailure', () => {
  it("takes Google's message and details, and copes with a body that is not JSON", () => {
    const details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '15s' }]
    const message = 'You exceeded your quota.'
    const body = JSON.stringify({ error: { code: 429, message, status: 'RESOURCE_EXHAUSTED', details } })
    const failure = (status: number, statusText: string, message: string, details: unknown[]) => ({
      type: 'http',
      status,
      statusText,
      message,
      details,
    })
    expect(httpFailure(429, body)).toEqual(failure(429, 'Too Many Requests', message, details))
    const empty = (status: number, statusText: string) => failure(status, statusText, '', [])
    expect(httpFailure(502, '<html>bad gateway</html>')).toEqual(empty(502, 'Bad Gateway'))
    expect(httpFailure(500, 'null')).toEqual(empty(500, 'Internal Server Error'))
  })
})
