/**
 * OpenAI (and OpenAI-compatible) failures → ProviderError. The error body is
 * `{"error":{"message","type","param","code"}}`; compatible servers (vLLM, Ollama, proxies) sometimes send
 * `{"error":"text"}`, `{"message":…}` or plain text, so the parse is tolerant.
 * https://platform.openai.com/docs/guides/error-codes
 */
import { HttpTimeoutError, isIdleTimeout } from '../http.ts'
import { cancelled, streamBroken, timedOut, unreachable } from '../provider-errors.ts'
import { clientStatusFor, type HeaderSource, kindForStatus, ProviderError, type ProviderErrorKind } from '../types.ts'
import { parseOpenAIRateLimits } from './rate-limits.ts'

interface ParsedError {
  message: string
  type?: string
  code?: string
  param?: string
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined
}

export function parseErrorBody(text: string): ParsedError | null {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    const t = text.trim()
    return t ? { message: t.slice(0, 500) } : null
  }
  if (Array.isArray(body)) body = body[0]
  if (typeof body !== 'object' || body === null) return null
  const rec = body as Record<string, unknown>
  const e = rec['error']
  if (typeof e === 'string') return { message: e }
  const src = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : rec
  const message = str(src['message']) ?? str(src['detail'])
  if (!message) return null
  const out: ParsedError = { message }
  const type = str(src['type'])
  const code = str(src['code'])
  const param = str(src['param'])
  if (type) out.type = type
  if (code) out.code = code
  if (param) out.param = param
  return out
}

/**
 * 400 codes that are about the model, not the request: a parameter or value it refuses (reasoning models,
 * https://platform.openai.com/docs/guides/reasoning), a prompt over its context window.
 */
const TARGET_CODES: ReadonlySet<string> = new Set([
  'unsupported_parameter',
  'unsupported_value',
  'context_length_exceeded',
])

function kindFor(status: number, parsed: ParsedError | null): ProviderErrorKind {
  // insufficient_quota is a 429 that waiting won't fix: https://platform.openai.com/docs/guides/error-codes
  if (status === 429 && (parsed?.code === 'insufficient_quota' || parsed?.type === 'insufficient_quota')) return 'quota'
  if (status === 400 && parsed) {
    if (parsed.code !== undefined && TARGET_CODES.has(parsed.code)) return 'unsupported'
    // vLLM says it without the code: https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
    if (/maximum context length is \d+ tokens/.test(parsed.message)) return 'unsupported'
    // "max_tokens is too large: 32000. This model supports at most 16384 completion tokens" (code null): this model's
    // cap.
    if (
      (parsed.param === 'max_tokens' || parsed.param === 'max_completion_tokens') &&
      /supports at most/.test(parsed.message)
    )
      return 'unsupported'
  }
  return kindForStatus(status)
}

/** An upstream HTTP error response → ProviderError. */
export function httpError(
  provider: string,
  status: number,
  headers: HeaderSource,
  bodyText: string,
  now: number,
): ProviderError {
  const parsed = parseErrorBody(bodyText)
  const limits = parseOpenAIRateLimits(headers, now)
  const kind = kindFor(status, parsed)
  const message = parsed?.message ?? `${provider} answered HTTP ${status} with no error message`
  return new ProviderError({
    provider,
    status: clientStatusFor(status),
    upstreamStatus: status,
    kind,
    message,
    type: parsed?.type,
    code: parsed?.code ?? (status === 429 ? 'rate_limit_exceeded' : null),
    param: parsed?.param ?? null,
    retryAfterMs: limits?.retryAfterMs ?? null,
    limits,
    raw: bodyText.slice(0, 2000),
  })
}

/**
 * A failure below HTTP (refused, reset, timed out, aborted) → ProviderError. `idleMs`: the body idle
 * timeout the call was made with, named when that is what fired. An aborted `signal` is a cancellation
 * whatever its reason: undici rejects with the reason itself (e.g. the route's deadline), not an AbortError.
 */
export function transportError(
  provider: string,
  err: unknown,
  during: 'request' | 'stream',
  signal: AbortSignal,
  idleMs = 0,
): ProviderError {
  if (err instanceof ProviderError) return err
  const e = err as { name?: string; code?: string; message?: string }
  if (signal.aborted || e?.name === 'AbortError') return cancelled(provider)
  if (err instanceof HttpTimeoutError) return timedOut(provider, `timed out: ${err.message}`)
  const detail = isIdleTimeout(err)
    ? `no data for ${idleMs} ms`
    : e?.code
      ? `${e.code}`
      : (e?.message ?? 'unknown error')
  return during === 'stream' ? streamBroken(provider, detail) : unreachable(provider, detail)
}

export { badResponse } from '../provider-errors.ts'
