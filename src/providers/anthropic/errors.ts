/**
 * Anthropic failures → ProviderError. Three sources:
 * - HTTP error answers: status, headers and the
 *   `{"type":"error","error":{"type","message","details"?},"request_id"}` body;
 * - an `event: error` inside a 200 stream (`{"type":"error","error":{…}}`);
 * - transport errors (refused, reset, timed out, aborted), before the answer or while reading a body.
 * https://docs.claude.com/en/api/errors
 */
import { HttpTimeoutError, isIdleTimeout } from '../http.ts'
import { badResponse, cancelled, type ErrorContext, streamBroken, timedOut, unreachable } from '../provider-errors.ts'
import { clientStatusFor, type HeaderSource, kindForStatus, ProviderError, type ProviderErrorKind } from '../types.ts'
import { parseAnthropicRateLimits } from './rate-limits.ts'

export { badResponse, type ErrorContext, streamBroken, unsupportedHere } from '../provider-errors.ts'

/** The HTTP status Anthropic uses for each `error.type`, for errors that arrive without one (mid-stream). */
const STATUS_FOR_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
}

/** 429s that waiting won't fix: the organisation hit a spend limit, not a rate limit. */
const QUOTA_CODES: ReadonlySet<string> = new Set(['contract_spend_limit_reached', 'enforced_spend_limit_reached'])

interface ErrorBody {
  type?: string
  message?: string
  code?: string
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** `{"type":"error","error":{"type","message","details":{"error_code"}}}`, tolerating proxies' shapes. */
export function parseErrorBody(body: unknown): ErrorBody {
  if (typeof body === 'string') {
    try {
      return parseErrorBody(JSON.parse(body))
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {}
    }
  }
  if (typeof body !== 'object' || body === null) return {}
  const rec = body as Record<string, unknown>
  const inner = rec['error']
  const src = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : rec
  const details = src['details']
  const out: ErrorBody = {}
  const type = str(src['type'])
  const message = str(src['message']) ?? (typeof inner === 'string' ? inner : undefined)
  const code =
    typeof details === 'object' && details !== null
      ? str((details as Record<string, unknown>)['error_code'])
      : undefined
  if (type && type !== 'error') out.type = type
  if (message) out.message = message
  if (code) out.code = code
  return out
}

function codeFor(status: number, parsed: ErrorBody): string | null {
  if (parsed.code) return parsed.code
  if (status === 429) return 'rate_limit_exceeded'
  if (status === 529 || parsed.type === 'overloaded_error') return 'overloaded'
  return parsed.type ?? null
}

/**
 * 400s about the model rather than the request, by their message (Anthropic gives them no code of their
 * own): the prompt or its output cap over this model's limits, a sampling pair this model refuses.
 */
const TARGET_MESSAGES: readonly RegExp[] = [
  // https://docs.claude.com/en/docs/build-with-claude/context-windows ("prompt is too long: 208310 tokens > 200000
  // maximum")
  /^prompt is too long/,
  // https://docs.claude.com/en/docs/build-with-claude/context-windows ("input length and `max_tokens` exceed context
  // limit: …")
  /exceed context limit/,
  // https://docs.claude.com/en/docs/about-claude/models/overview ("max_tokens: 100000 > 64000, which is the maximum
  // allowed number of output tokens for …")
  /maximum allowed number of output tokens/,
  // https://docs.claude.com/en/docs/about-claude/models/migrating-to-claude-4 (Sonnet 4.5, Haiku 4.5: "`temperature`
  // and `top_p` cannot both be specified for this model")
  /cannot both be specified for this model/,
]

function kindFor(status: number, parsed: ErrorBody): ProviderErrorKind {
  if (status === 402 || parsed.type === 'billing_error' || (parsed.code && QUOTA_CODES.has(parsed.code))) return 'quota'
  if (status === 400 && parsed.message !== undefined && TARGET_MESSAGES.some((re) => re.test(parsed.message!)))
    return 'unsupported'
  return kindForStatus(status)
}

/** An HTTP error answer (status + headers + body) → ProviderError. */
export function httpError(
  provider: string,
  status: number,
  headers: HeaderSource | null,
  body: unknown,
  now: number,
): ProviderError {
  const parsed = parseErrorBody(body)
  const limits = headers ? parseAnthropicRateLimits(headers, now) : null
  return new ProviderError({
    provider,
    status: clientStatusFor(status),
    upstreamStatus: status,
    kind: kindFor(status, parsed),
    message: parsed.message ?? `${provider} answered HTTP ${status} with no error message`,
    code: codeFor(status, parsed),
    retryAfterMs: limits?.retryAfterMs ?? null,
    limits,
    raw: body,
  })
}

/** An `error` event after the stream began (HTTP 200 already sent): always kind `stream`. */
export function streamErrorEvent(provider: string, body: unknown): ProviderError {
  const parsed = parseErrorBody(body)
  const upstream = (parsed.type && STATUS_FOR_TYPE[parsed.type]) || 500
  return new ProviderError({
    provider,
    status: clientStatusFor(upstream),
    upstreamStatus: null,
    kind: 'stream',
    message: parsed.message ?? `${provider} reported an error mid-stream`,
    code: codeFor(upstream, parsed),
    raw: body,
  })
}

function causeDetail(err: unknown): string {
  let e: unknown = err
  // The socket error code (ECONNREFUSED, ECONNRESET) may be on a wrapped cause.
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    e = (e as { cause?: unknown }).cause
  }
  return err instanceof Error && err.message ? err.message : 'unknown error'
}

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError'
}

/**
 * A failure below HTTP, while sending or reading a body → ProviderError. `idleMs`: the idle timeout
 * the call was made with, named when that is what fired.
 */
export function toProviderError(err: unknown, ctx: ErrorContext & { idleMs?: number }): ProviderError {
  const { provider } = ctx
  if (err instanceof ProviderError) return err
  if (ctx.signal?.aborted || isAbort(err)) return cancelled(provider)
  if (err instanceof HttpTimeoutError) return timedOut(provider, `did not answer: ${err.message}`)
  if (isIdleTimeout(err)) {
    const detail = `no data for ${ctx.idleMs ?? 0} ms`
    return ctx.during === 'stream' ? streamBroken(provider, detail) : timedOut(provider, `went silent: ${detail}`)
  }
  if (ctx.during === 'stream') return streamBroken(provider, causeDetail(err))
  // A 2xx whose body would not parse: the provider answered, with garbage (a proxy's cut or HTML page).
  if (err instanceof SyntaxError) return badResponse(provider, `the body is not valid JSON (${err.message})`)
  return unreachable(provider, causeDetail(err))
}

/** A request Anthropic cannot serve as asked: a 400 naming the parameter, before anything is sent. */
export function invalidRequest(
  provider: string,
  message: string,
  param: string,
  code = 'invalid_value',
): ProviderError {
  return new ProviderError({ provider, status: 400, kind: 'bad_request', message, param, code })
}
