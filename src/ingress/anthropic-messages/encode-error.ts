/**
 * A router error (an HTTP status and OpenAI-shaped details) → Anthropic's error answer,
 * `{"type":"error","error":{"type","message"}}`, with the `type` Anthropic uses for that status.
 * https://docs.anthropic.com/en/api/errors
 */

export interface AnthropicErrorBody {
  type: 'error'
  error: { type: string; message: string }
}

/** Anthropic's error type per status (402 and 504 from the SDK's and the newer docs' list). */
const TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
}

/**
 * Headroom answers 503 when every target is overloaded or unavailable (an upstream 529 included).
 * Anthropic never sends 503: its clients know overload as 529 `overloaded_error` (Claude Code retries
 * it as such), so that is what they get.
 */
const OVERLOADED = 503

/** A listed status's type, else `api_error` for a 5xx and `invalid_request_error` for a 4xx (as documented). */
function errorType(status: number): string {
  if (status === OVERLOADED) return 'overloaded_error'
  return TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
}

export function errorBody(status: number, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type: errorType(status), message } }
}

/**
 * Chat parameters a translated target may refuse, under their Messages names (a target's refusal names the
 * chat request it was sent): the message starts with the client's param, as Anthropic's own errors do.
 */
const MESSAGES_PARAM: Readonly<Record<string, string>> = { stop: 'stop_sequences' }

function inMessagesTerms(message: string, param: string | null | undefined): string {
  const name = param == null ? undefined : MESSAGES_PARAM[param]
  return name === undefined || message.startsWith(`${name}:`) ? message : `${name}: ${message}`
}

export function encodeError(
  status: number,
  err: { message: string; type?: string; code?: string | null; param?: string | null },
): { status: number; body: AnthropicErrorBody } {
  const message = inMessagesTerms(err.message, err.param)
  return { status: status === OVERLOADED ? 529 : status, body: errorBody(status, message) }
}
