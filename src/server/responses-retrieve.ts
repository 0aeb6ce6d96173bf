/**
 * `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}`: a response /v1/responses kept (response-store.ts),
 * as the client got it, or forgotten (on every replica sharing Redis) — for the client key that made it only; any
 * other id is OpenAI's 404.
 * Reference: https://platform.openai.com/docs/api-reference/responses/get
 */
import type { IncomingHttpHeaders } from 'node:http'
import { ApiError } from '../lib/api-error.ts'
import { authenticate, scopeOf } from './auth.ts'
import { isSafeId, type StoredItem } from './response-store.ts'
import type { AppDeps } from './types.ts'

function notFound(id: string): ApiError {
  const named = isSafeId(id) ? ` with id '${id}'` : ''
  return new ApiError(404, `Response${named} not found.`, 'not_found', null, 'invalid_request_error')
}

/** The kept Response object; 404 when it is not kept for the caller. */
export async function retrieveResponse(headers: IncomingHttpHeaders, deps: AppDeps, id: string): Promise<StoredItem> {
  const scope = scopeOf(authenticate(headers, deps.config.current().auth))
  const r = await deps.responses.find(scope, id)
  if (r === undefined) throw notFound(id)
  return r.response
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
