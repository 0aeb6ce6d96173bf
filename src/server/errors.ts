/**
 * The one error path: anything thrown while handling a request becomes an OpenAI-shaped error body
 * `{"error":{"message","type","param","code"}}` with the right status. Messages never contain a key.
 */
import { ProviderError, defaultErrorType } from '../providers/types.ts'
import type { OpenAIErrorBody } from '../providers/openai-schema.ts'

/** An error Headroom itself raises about a request (bad input, unknown model, too large). */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly type: string = defaultErrorType(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

const HEADER_UNSAFE = /[^\x20-\x7e]/g

/** A value safe to put in a header: printable ASCII (no CR/LF injection), bounded in length. */
export function headerValue(value: string, max = 256): string {
  return value.replace(HEADER_UNSAFE, '?').slice(0, max)
}

export interface ErrorResponse {
  status: number
  body: OpenAIErrorBody
  headers: Record<string, string>
}

// Key-shaped tokens: OpenAI (sk-…, sk-proj-…), Anthropic (sk-ant-…), Google (AIza…). Providers echo
// masked keys in 401 messages ("Incorrect API key provided: sk-abc…xyz"); no part of a key is passed on.
const KEY_PATTERN = /\b(sk-[A-Za-z0-9_*.-]{4,}|AIza[A-Za-z0-9_-]{10,})/g

export function redactKeys(message: string, secrets: readonly string[] = []): string {
  let out = message
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]')
  return out.replace(KEY_PATTERN, '[redacted]')
}

export function toErrorResponse(err: unknown, secrets: readonly string[] = []): ErrorResponse {
  if (err instanceof ApiError) {
    return {
      status: err.status,
      body: { error: { message: err.message, type: err.type, param: err.param, code: err.code } },
      headers: err.headers,
    }
  }
  if (err instanceof ProviderError) {
    const headers: Record<string, string> = {}
    if (err.retryAfterMs !== null) headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)))
    return {
      status: err.status,
      body: { error: { message: redactKeys(err.message, secrets), type: err.type, param: err.param, code: err.code } },
      headers,
    }
  }
  return {
    status: 500,
    body: { error: { message: 'Headroom hit an internal error; the request id in x-request-id identifies it in the logs.', type: 'server_error', param: null, code: 'internal_error' } },
    headers: {},
  }
}
