import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { RequestIds } from './types.ts'

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

// A random per-process prefix and a counter: unique, and no syscall per request (randomBytes per
// request showed up at ~2% of the CPU).
const PREFIX = `req_${randomBytes(6).toString('hex')}`
let counter = 0

/**
 * A new `req_…` id. Always ours: a client's id is no key — twenty requests sent with one would
 * collapse into one in the spend table.
 */
export function requestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER
  return PREFIX + counter.toString(36).padStart(6, '0')
}

/**
 * The client's own id for its request, when it is a sane token (it reaches headers, logs and the
 * spend table): `x-client-request-id` (the header OpenAI's API takes for this,
 * https://platform.openai.com/docs/api-reference/supplying-your-own-request-id-with-x-client-request-id), else
 * `x-request-id`.
 */
export function clientRequestId(headers: IncomingHttpHeaders): string | null {
  const id = headers['x-client-request-id'] ?? headers['x-request-id']
  return typeof id === 'string' && SAFE_ID.test(id) ? id : null
}

/**
 * The response headers naming the request: our id, under OpenAI's name (`x-request-id`) and Anthropic's
 * (`request-id`, which the Anthropic SDK reads into `_request_id` and errors' `requestID`:
 * https://docs.anthropic.com/en/api/errors#request-id), and the client's own id echoed back when it sent
 * a sane one.
 */
export function idHeaders(ids: RequestIds): Record<string, string> {
  return ids.clientRequestId === null
    ? { 'x-request-id': ids.requestId, 'request-id': ids.requestId }
    : { 'x-request-id': ids.requestId, 'request-id': ids.requestId, 'x-client-request-id': ids.clientRequestId }
}
