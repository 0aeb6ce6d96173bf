/**
 * The one error path: anything thrown while handling a request becomes an OpenAI-shaped error body
 * `{"error":{"message","type","param","code"}}` with the right status. No field of it ever holds a key.
 */

import { ApiError } from '../lib/api-error.ts'
import type { OpenAIErrorBody } from '../providers/openai-schema.ts'
import { scrubError } from '../providers/redact.ts'
import { ProviderError } from '../providers/types.ts'

const HEADER_UNSAFE = /[^\x20-\x7e]/g

/** A value safe to put in a header: printable ASCII (no CR/LF injection), bounded in length. */
export function headerValue(value: string, max = 256): string {
  return value.replace(HEADER_UNSAFE, '?').slice(0, max)
}

/** The `x-headroom-warning` value: each thing Headroom or the provider could not do as asked, `; `-separated. */
export function warningHeader(warnings: readonly string[]): string | undefined {
  if (warnings.length === 0) return undefined
  return headerValue(warnings.join('; '), 1000)
}

export interface ErrorResponse {
  status: number
  body: OpenAIErrorBody
  headers: Record<string, string>
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
    // Scrubbed at the attempt already (with the target's key); again here with every configured secret.
    const e = scrubError(err, secrets)
    return {
      status: e.status,
      body: { error: { message: e.message, type: e.type, param: e.param, code: e.code } },
      headers,
    }
  }
  return {
    status: 500,
    body: {
      error: {
        message: 'Headroom hit an internal error; the request id in x-request-id identifies it in the logs.',
        type: 'server_error',
        param: null,
        code: 'internal_error',
      },
    },
    headers: {},
  }
}
