/**
 * `GET /v1/responses/{id}` and `DELETE /v1/responses/{id}`: a response /v1/responses kept (response-store.ts),
 * as the client got it (or replayed as its event stream), or forgotten (on every replica sharing Redis) — for the client key that made it only; any
 * other id is OpenAI's 404. `POST /v1/responses/{id}/cancel`: OpenAI's 400 for a response not made with
 * `background: true`, which every kept one is (Headroom refuses background on create).
 * Reference: https://platform.openai.com/docs/api-reference/responses/get
 */
import type { IncomingHttpHeaders } from 'node:http'
import { replayStream } from '../ingress/openai-responses/encode-stream.ts'
import type { ResponseObject } from '../ingress/openai-responses/response-object.ts'
import { ApiError } from '../lib/api-error.ts'
import { authenticate, scopeOf } from './auth.ts'
import { isSafeId, type StoredItem, type StoredResponse } from './response-store.ts'
import { sseEvent } from './sse-writer.ts'
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

/** A retrieval's query: `stream`, and `starting_after` (a sequence number) for a stream. */
export interface RetrieveQuery {
  stream?: string | undefined
  starting_after?: string | undefined
}

/**
 * The kept Response object as JSON; with `stream=true`, replayed as its Responses stream (the events after
 * `starting_after`), as OpenAI replays a stored response and the openai SDK's `retrieve(id, { stream: true })`
 * reads it. 404 when it is not kept for the caller.
 * Reference: https://platform.openai.com/docs/api-reference/responses/get
 */
export async function retrieveResponse(
  headers: IncomingHttpHeaders,
  deps: AppDeps,
  id: string,
  query: RetrieveQuery,
): Promise<{ json: StoredItem } | { sse: string }> {
  const { stream, starting_after } = query
  if (stream !== undefined && stream !== 'true' && stream !== 'false')
    throw new ApiError(400, "Invalid 'stream': expected true or false.", 'invalid_value', 'stream')
  const after = stream === 'true' ? startingAfter(starting_after) : -1
  const { response } = await findKept(headers, deps, id)
  if (stream !== 'true') return { json: response }
  const events = replayStream(response as unknown as ResponseObject)
  return {
    sse: events
      .filter((e) => e.data.sequence_number > after)
      .map(sseEvent)
      .join(''),
  }
}

function startingAfter(v: string | undefined): number {
  if (v === undefined) return -1
  if (!/^\d{1,9}$/.test(v))
    throw new ApiError(
      400,
      "Invalid 'starting_after': expected the sequence number (an integer, 0 or more) of the last event received.",
      'invalid_value',
      'starting_after',
    )
  return Number(v)
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
