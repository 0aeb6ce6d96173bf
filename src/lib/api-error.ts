/**
 * An error Headroom itself raises about a request (bad input, unknown model, a budget spent), in OpenAI's
 * error vocabulary; the server turns it into the error answer (server/errors.ts). Here, below every
 * layer, so that admission and the server alike can refuse a request.
 */

/** OpenAI's error `type` for a status. */
export function defaultErrorType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

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
