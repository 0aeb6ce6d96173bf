/**
 * Gemini failures → ProviderError. Sources:
 * - an HTTP error: status + Google's `error.message` + `error.details`
 *   (google.rpc `ErrorInfo`, `RetryInfo`, `QuotaFailure`, …) from the body
 *   `{"error":{"code","message","status","details"}}`;
 * - `{"error":{…}}` as an SSE event after HTTP 200;
 * - timeouts, cancellation, connection failures and broken or unreadable stream bodies.
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
import { STATUS_CODES } from 'node:http'
import { HttpTimeoutError, isIdleTimeout } from '../http.ts'
import type { FailureContext } from '../http-adapter.ts'
import {
  badResponse,
  cancelled,
  type ErrorContext,
  streamBroken,
  timedOut,
  unreachable,
  unsupportedHere,
} from '../provider-errors.ts'
import { clientStatusFor, kindForStatus, ProviderError } from '../types.ts'
import { GeminiCallError, type GeminiErrorBody, type GeminiFailure } from './gemini-types.ts'
import { findDetail, parseGeminiRateLimits } from './rate-limits.ts'

export { badResponse, type ErrorContext, streamBroken } from '../provider-errors.ts'

/** `ErrorInfo.reason`, e.g. `API_KEY_INVALID` (https://cloud.google.com/apis/design/errors#error_info). */
function errorReason(details: readonly unknown[]): string | undefined {
  const reason = findDetail(details, 'ErrorInfo')?.['reason']
  return typeof reason === 'string' ? reason : undefined
}

/** 400s about the model rather than the request, by their message (Gemini gives them only INVALID_ARGUMENT). */
const TARGET_MESSAGES: readonly RegExp[] = [
  // https://ai.google.dev/gemini-api/docs/long-context ("The input token count (1200000) exceeds the maximum number of
  // tokens allowed (1048576).")
  /exceeds the maximum number of tokens allowed/,
  // https://ai.google.dev/gemini-api/docs/thinking (2.5 Pro: "Budget 0 is invalid. This model only works in thinking
  // mode.")
  /only works in thinking mode/,
]

function codeFor(status: number): string | null {
  if (status === 404) return 'model_not_found'
  if (status === 429) return 'rate_limit_exceeded'
  if (status === 503) return 'overloaded'
  return null
}

/** An HTTP error answer → ProviderError. */
export function httpError(
  provider: string,
  status: number,
  message: string,
  details: readonly unknown[],
  now: number,
): ProviderError {
  const text = message || `${provider} answered HTTP ${status} with no error message`
  const raw = { status, message: text, details }
  // Gemini answers a bad key with 400 INVALID_ARGUMENT; to a client and to routing it is a 401.
  if (status === 400 && errorReason(details) === 'API_KEY_INVALID') {
    return new ProviderError({
      provider,
      status: 401,
      upstreamStatus: status,
      kind: 'auth',
      message: text,
      code: 'invalid_api_key',
      raw,
    })
  }
  const limits = status === 429 ? parseGeminiRateLimits(details, now) : null
  const aboutTarget = status === 400 && TARGET_MESSAGES.some((re) => re.test(text))
  return new ProviderError({
    provider,
    status: clientStatusFor(status),
    upstreamStatus: status,
    kind: aboutTarget ? 'unsupported' : kindForStatus(status),
    message: text,
    code: codeFor(status),
    retryAfterMs: limits?.retryAfterMs ?? null,
    limits,
    raw,
  })
}

/** A `{"error":{…}}` event after the stream began (HTTP 200 already sent): always kind `stream`. */
export function streamErrorEvent(provider: string, body: GeminiErrorBody, now: number): ProviderError {
  const details = body.details ?? []
  const limits = parseGeminiRateLimits(details, now)
  const upstream = body.code !== undefined && body.code >= 400 && body.code <= 599 ? body.code : 500
  return new ProviderError({
    provider,
    status: clientStatusFor(upstream),
    upstreamStatus: null,
    kind: 'stream',
    message: body.message || `${provider} reported an error mid-stream`,
    code: 'stream_error',
    retryAfterMs: limits?.retryAfterMs ?? null,
    limits,
    raw: body,
  })
}

/** The client's request is wrong whatever the target (a 400 that names the parameter). */
export function invalidRequest(provider: string, message: string, param: string): ProviderError {
  return new ProviderError({
    provider,
    status: 400,
    kind: 'bad_request',
    message: `${message} (provider ${provider})`,
    param,
    code: 'unsupported_parameter',
  })
}

/** A valid OpenAI request Gemini cannot take as it is: another target of the route may (kind `unsupported`). */
export function notForGemini(provider: string, message: string, param: string): ProviderError {
  return unsupportedHere(provider, `${message} (provider ${provider})`, param)
}

function fromFailure(f: GeminiFailure, ctx: ErrorContext): ProviderError {
  const { provider } = ctx
  const stream = ctx.during === 'stream'
  const detail = 'message' in f ? f.message : ''
  switch (f.type) {
    case 'http':
      return httpError(provider, f.status, f.message, f.details, ctx.now)
    case 'cancelled':
      return cancelled(provider)
    case 'timeout':
      if (stream) return streamBroken(provider, `no data for ${f.timeoutMs} ms`)
      return timedOut(provider, `did not answer within ${f.timeoutMs} ms`)
    case 'connection':
      return unreachable(provider, detail)
    case 'malformed':
      return stream ? streamBroken(provider, detail) : badResponse(provider, detail)
    case 'broken':
      if (stream) return streamBroken(provider, detail)
      return new ProviderError({
        provider,
        status: 502,
        kind: 'connection',
        message: `${provider} connection broke: ${detail}`,
        code: 'connection_error',
      })
    case 'invalid_model':
      return new ProviderError({
        provider,
        status: 400,
        kind: 'bad_request',
        message: `Invalid 'model' for ${provider}: ${detail}.`,
        param: 'model',
        code: 'invalid_value',
      })
    default: {
      const _exhaustive: never = f
      return _exhaustive
    }
  }
}

/** Anything thrown by client.ts or while reading its stream → ProviderError. */
export function toProviderError(err: unknown, ctx: ErrorContext): ProviderError {
  if (err instanceof ProviderError) return err
  if (ctx.signal?.aborted) return cancelled(ctx.provider)
  if (err instanceof GeminiCallError) return fromFailure(err.failure, ctx)
  const detail = err instanceof Error ? err.message : String(err)
  if (ctx.during === 'stream') return streamBroken(ctx.provider, detail)
  return unreachable(ctx.provider, detail)
}

/** A non-2xx answer → Google's `error.message` and `error.details` (`{"error":{code,message,status,details}}`). */
export function httpFailure(status: number, text: string): Extract<GeminiFailure, { type: 'http' }> {
  let message = ''
  let details: unknown[] = []
  try {
    const e = (JSON.parse(text) as { error?: { message?: unknown; details?: unknown } } | null)?.error
    if (typeof e?.message === 'string') message = e.message
    if (Array.isArray(e?.details)) details = e.details as unknown[]
  } catch {
    // not JSON: an HTML page from a proxy, say
  }
  return { type: 'http', status, statusText: STATUS_CODES[status] ?? '', message, details }
}

/** A failure below HTTP → GeminiCallError: cancelled, timed out, unreachable, or a body cut short. */
function callError(err: unknown, ctx: Pick<FailureContext, 'signal' | 'phase' | 'timeoutMs'>): GeminiCallError {
  if (err instanceof GeminiCallError) return err
  const failed = (f: GeminiFailure) => new GeminiCallError(f, { cause: err })
  const aborted = ctx.signal.aborted || (err as { name?: unknown } | null)?.name === 'AbortError'
  if (aborted) return failed({ type: 'cancelled' })
  const timedOut = err instanceof HttpTimeoutError || isIdleTimeout(err)
  if (timedOut) return failed({ type: 'timeout', timeoutMs: ctx.timeoutMs })
  if (ctx.phase === 'request') return failed({ type: 'connection', message: messageOf(err) })
  const what = ctx.phase === 'stream' ? 'the stream' : 'the body'
  return failed({ type: 'broken', message: `the connection broke while reading ${what} (${messageOf(err)})` })
}

function messageOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null
  if (typeof e?.code === 'string') return e.code
  return typeof e?.message === 'string' && e.message ? e.message : 'unknown error'
}

/** Anything that failed during a call (transport, timeout, cancel) → ProviderError. */
export function callFailure(err: unknown, ctx: FailureContext): ProviderError {
  if (err instanceof ProviderError) return err
  const { provider, now, signal } = ctx
  const during = ctx.phase === 'stream' ? 'stream' : 'request'
  return toProviderError(callError(err, ctx), { provider, now, signal, during })
}
