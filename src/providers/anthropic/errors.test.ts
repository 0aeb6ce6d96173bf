import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HttpTimeoutError } from '../http.ts'
import { headerSource, ProviderError } from '../types.ts'
import { httpError, parseErrorBody, streamErrorEvent, toProviderError } from './errors.ts'

const NOW = Date.parse('2025-08-21T12:40:00Z')
const ctx = { provider: 'anthropic', now: NOW, during: 'request' as const }

function body(type: string, message: string, extra: Record<string, unknown> = {}) {
  return { type: 'error', error: { type, message, ...extra }, request_id: 'req_011' }
}

/** An HTTP error answer as the adapter reads it: status, headers, and the body's text. */
function answer(status: number, b: unknown, headers: Record<string, string> = {}) {
  const text = b === undefined ? '' : JSON.stringify(b)
  return httpError('anthropic', status, headerSource({ 'request-id': 'req_011', ...headers }), text, NOW)
}

interface Recorded {
  name: string
  status: number
  body: unknown
}
const recorded = JSON.parse(readFileSync(join(import.meta.dirname, '__fixtures__', 'error-answers.json'), 'utf8')) as {
  target: Recorded[]
  request: Recorded[]
}

describe('httpError: a 4xx about the target or about the request', () => {
  it.each(recorded.target.map((a) => [a.name, a] as const))(
    "%s → unsupported (fails over), with Anthropic's status and message",
    (_name, a) => {
      const e = answer(a.status, a.body)
      expect(e.kind).toBe('unsupported')
      expect({ status: e.status, message: e.message }).toEqual({
        status: a.status,
        message: (a.body as { error: { message: string } }).error.message,
      })
    },
  )

  it.each(recorded.request.map((a) => [a.name, a] as const))(
    '%s → bad_request (straight back to the client)',
    (_name, a) => {
      expect(answer(a.status, a.body).kind).toBe('bad_request')
    },
  )
})

describe('httpError: HTTP error answers', () => {
  it.each([
    [400, 'invalid_request_error', 400, 'bad_request', 'invalid_request_error', false],
    [401, 'authentication_error', 401, 'auth', 'authentication_error', false],
    [403, 'permission_error', 403, 'auth', 'permission_error', false],
    [404, 'not_found_error', 404, 'unsupported', 'not_found_error', false],
    [413, 'request_too_large', 413, 'bad_request', 'request_too_large', false],
    [429, 'rate_limit_error', 429, 'rate_limit', 'rate_limit_exceeded', true],
    [500, 'api_error', 500, 'server', 'api_error', true],
    [529, 'overloaded_error', 503, 'overloaded', 'overloaded', true],
    [402, 'billing_error', 402, 'quota', 'billing_error', false],
  ])('%i %s → status %i, kind %s, code %s', (status, type, clientStatus, kind, code, retryable) => {
    const e = answer(status, body(type, `the ${type} message`))
    expect(e).toBeInstanceOf(ProviderError)
    expect({
      status: e.status,
      upstream: e.upstreamStatus,
      kind: e.kind,
      code: e.code,
      retryable: e.retryable,
      message: e.message,
    }).toEqual({
      status: clientStatus,
      upstream: status,
      kind,
      code,
      retryable,
      message: `the ${type} message`,
    })
  })

  it('429: retry-after and the rate-limit headers that came with the error', () => {
    const e = answer(
      429,
      body('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
      {
        'retry-after': '12',
        'anthropic-ratelimit-tokens-remaining': '0',
        'anthropic-ratelimit-tokens-reset': '2025-08-21T12:40:12Z',
      },
    )
    expect(e.retryAfterMs).toBe(12_000)
    expect(e.limits).toEqual({ at: NOW, tokens: { remaining: 0, resetAt: NOW + 12_000 }, retryAfterMs: 12_000 })
    expect(e.type).toBe('rate_limit_error')
  })

  it('prefers retry-after-ms over retry-after', () => {
    const e = answer(429, body('rate_limit_error', 'slow down'), { 'retry-after-ms': '1500', 'retry-after': '9' })
    expect(e.retryAfterMs).toBe(1500)
  })

  it('a spend-limit 429 is quota (waiting will not help), keeping the error code', () => {
    const e = answer(
      429,
      body('rate_limit_error', 'Spend limit reached', { details: { error_code: 'enforced_spend_limit_reached' } }),
    )
    expect([e.kind, e.code, e.retryable]).toEqual(['quota', 'enforced_spend_limit_reached', false])
  })

  it('passes the message on (keys in it are scrubbed where adapters’ errors enter the core: ../redact.ts)', () => {
    const e = answer(401, body('authentication_error', 'invalid x-api-key'))
    expect([e.status, e.kind, e.message]).toEqual([401, 'auth', 'invalid x-api-key'])
  })

  it('a body that is not Anthropic-shaped still gives a useful message', () => {
    expect(answer(502, undefined).message).toBe('anthropic answered HTTP 502 with no error message')
    expect(httpError('anthropic', 503, null, '<html>upstream down</html>', NOW).message).toBe(
      '<html>upstream down</html>',
    )
    expect(answer(502, undefined).status).toBe(502)
  })
})

describe('toProviderError: below HTTP', () => {
  it('user abort → cancelled (499), not retryable', () => {
    const e = toProviderError(new DOMException('This operation was aborted', 'AbortError'), ctx)
    expect([e.kind, e.status, e.retryable]).toEqual(['cancelled', 499, false])
  })

  it('any failure after the caller aborted is a cancellation', () => {
    const ac = new AbortController()
    ac.abort()
    expect(toProviderError(new Error('socket hang up'), { ...ctx, signal: ac.signal }).kind).toBe('cancelled')
  })

  it('an AbortError while reading a stream is a cancellation', () => {
    const err = new Error('aborted')
    err.name = 'AbortError'
    expect(toProviderError(err, { ...ctx, during: 'stream' }).kind).toBe('cancelled')
  })

  it('timeout → timeout (504), retryable', () => {
    const e = toProviderError(new HttpTimeoutError('no response within 200 ms'), ctx)
    expect([e.kind, e.status, e.retryable, e.message]).toEqual([
      'timeout',
      504,
      true,
      'anthropic did not answer: no response within 200 ms',
    ])
  })

  it('connection error → connection, naming the socket error', () => {
    const cause = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    })
    const e = toProviderError(cause, ctx)
    expect([e.kind, e.status, e.retryable]).toEqual(['connection', 502, true])
    expect(e.message).toBe('could not reach anthropic: ECONNREFUSED')
  })

  it('a reset while reading a stream → stream', () => {
    const e = toProviderError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), {
      ...ctx,
      during: 'stream',
    })
    expect([e.kind, e.status, e.message]).toEqual(['stream', 502, 'anthropic stream broke: ECONNRESET'])
  })

  it('an `event: error` mid-stream → stream, with the status its type implies', () => {
    const e = streamErrorEvent('anthropic', body('overloaded_error', 'Overloaded'))
    expect([e.kind, e.status, e.code, e.message]).toEqual(['stream', 503, 'overloaded', 'Overloaded'])
  })

  it('passes ProviderErrors through', () => {
    const pe = new ProviderError({ provider: 'anthropic', status: 400, kind: 'bad_request', message: 'x' })
    expect(toProviderError(pe, ctx)).toBe(pe)
  })
})

describe('parseErrorBody', () => {
  it('reads the Anthropic envelope, JSON text, and plain text', () => {
    expect(parseErrorBody(body('not_found_error', 'model: claude-x'))).toEqual({
      type: 'not_found_error',
      message: 'model: claude-x',
    })
    expect(parseErrorBody('{"error":{"type":"api_error","message":"boom"}}')).toEqual({
      type: 'api_error',
      message: 'boom',
    })
    expect(parseErrorBody('Bad Gateway')).toEqual({ message: 'Bad Gateway' })
    expect(parseErrorBody(null)).toEqual({})
  })
})
