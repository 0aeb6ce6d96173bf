/**
 * What a stream that fails after it began tells the client: the error (`error` event) and the response as
 * far as it got (`response.failed`, `status: 'failed'`, `error: {code, message}`). OpenAI's `error.code`
 * there is one of a fixed list: a rate limit is `rate_limit_exceeded`, a refused prompt `invalid_prompt`,
 * anything else `server_error`.
 * Reference: https://platform.openai.com/docs/api-reference/responses-streaming/response/failed
 */
import type { ResponseError } from 'openai/resources/responses/responses'
import { ApiError } from '../../lib/api-error.ts'
import { scrubError } from '../../providers/redact.ts'
import { ProviderError } from '../../providers/types.ts'
import type { ResponseObject } from './response-object.ts'

/** An error, as the client is told it. */
export interface StreamFailure {
  status: number
  message: string
  type: string
  code?: string | null
  param?: string | null
}

const INTERNAL: StreamFailure = {
  status: 500,
  message: 'Headroom hit an internal error; the request id in x-request-id identifies it in the logs.',
  type: 'server_error',
  code: 'internal_error',
}

/**
 * An error thrown by the source of chunks → what the client is told. Provider errors are scrubbed of
 * key-shaped tokens (the attempt loop already scrubbed the target's own key); anything unexpected is an
 * internal error, its details for the log only.
 */
export function describeFailure(err: unknown): StreamFailure {
  if (err instanceof ProviderError) {
    const e = scrubError(err, [])
    return { status: e.status, message: e.message, type: e.type, code: e.code, param: e.param }
  }
  if (err instanceof ApiError) {
    return { status: err.status, message: err.message, type: err.type, code: err.code, param: err.param }
  }
  return INTERNAL
}

function responseErrorCode(status: number): ResponseError['code'] {
  if (status === 429) return 'rate_limit_exceeded'
  if (status === 400) return 'invalid_prompt'
  return 'server_error'
}

export function failedResponse(response: ResponseObject, failure: StreamFailure): ResponseObject {
  return { ...response, status: 'failed', error: { code: responseErrorCode(failure.status), message: failure.message } }
}
