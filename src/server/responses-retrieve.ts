/**
 * `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}`: a response /v1/responses kept (response-store.ts),
 * as the client got it, or forgotten (on every replica sharing Redis) — for the client key that made it only; any
 * other id is OpenAI's 404. `POST /v1/responses/{id}/cancel`: OpenAI's 400 for a response not made with
 * `background: true`, which every kept one is (Headroom refuses background on create).
 * Reference: https://platform.openai.com/docs/api-reference/responses/get
 */
import type { IncomingHttpHeaders } from 'node:http'
import { ApiError } from '../lib/api-error.ts'
import { authenticate, scopeOf } from './auth.ts'
import { isSafeId, type StoredItem, type StoredResponse } from './response-store.ts'
import type { AppDeps } from './types.ts'

function notFound(id: string): ApiError {
  const named = isSafeId(id) ? ` with id '${id}'` : ''
  return new ApiError(404, `Response${named} not found.`, 'not_found', null, 'invalid_request_error')
}

/** The response kept for the caller; 404 when there is none of that id. */
export async function findKept(headers: IncomingHttpHeaders, deps: AppDeps, id: string): Promise<StoredResponse> {
  const scope = scopeOf(authenticate(headers, deps.config.current().auth))
  const r = await deps.responses.find(scope, id)
  if (r === undefined) throw notFound(id)
  return r
}

/**
 * The kept Response object; 404 when it is not kept for the caller. `stream=true` (OpenAI replays a background
 * response's events) is a 400: the openai SDK would read a JSON answer to it as an empty stream, without an error.
 */
export async function retrieveResponse(
  headers: IncomingHttpHeaders,
  deps: AppDeps,
  id: string,
  stream: string | undefined,
): Promise<StoredItem> {
  if (stream === 'true')
    throw new ApiError(
      400,
      'Headroom does not stream a kept response (stream=true replays a background response, and Headroom runs ' +
        'none in the background): retrieve it without stream.',
      'unsupported_parameter',
      'stream',
    )
  if (stream !== undefined && stream !== 'false')
    throw new ApiError(400, "Invalid 'stream': expected true or false.", 'invalid_value', 'stream')
  return (await findKept(headers, deps, id)).response
}

/**
 * OpenAI cancels only responses created with `background: true`; Headroom keeps none of those, so a kept
 * response gets OpenAI's 400 for a synchronous one (https://platform.openai.com/docs/api-reference/responses/cancel).
 */
export async function cancelResponse(headers: IncomingHttpHeaders, deps: AppDeps, id: string): Promise<never> {
  await findKept(headers, deps, id)
  throw new ApiError(400, 'Cannot cancel a synchronous response.', null, null, 'invalid_request_error')
}

/** Forgets a kept response: OpenAI's deletion object; 404 when it is not kept for the caller. */
export async function deleteResponse(
  headers: IncomingHttpHeaders,
  deps: AppDeps,
  id: string,
): Promise<{ id: string; object: 'response.deleted'; deleted: true }> {
  const scope = scopeOf(authenticate(headers, deps.config.current().auth))
  if (!(await deps.responses.forget(scope, id))) throw notFound(id)
  return { id, object: 'response.deleted', deleted: true }
}
