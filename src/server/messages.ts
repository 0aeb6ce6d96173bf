/**
 * `POST /v1/messages` (Anthropic's Messages API, for the Anthropic SDK and Claude Code) as a ServedApi of
 * the core (answer.ts): the body decoded into the canonical request by the ingress
 * (ingress/anthropic-messages), answers and streams encoded back into Anthropic's shapes — named SSE events,
 * `event: error` for a failure after the stream began — and every error in Anthropic's shape
 * (https://docs.anthropic.com/en/api/errors).
 */
import type { IncomingHttpHeaders } from 'node:http'
import { decodeRequest } from '../ingress/anthropic-messages/decode-request.ts'
import { encodeError } from '../ingress/anthropic-messages/encode-error.ts'
import { encodeResponse } from '../ingress/anthropic-messages/encode-response.ts'
import { encodeStream } from '../ingress/anthropic-messages/encode-stream.ts'
import type { IngressError } from '../ingress/types.ts'
import { ApiError } from '../lib/api-error.ts'
import type { ChatChunk, ChatRequest } from '../providers/openai-schema.ts'
import type { ServedApi } from './answer.ts'
import type { ErrorResponse } from './errors.ts'
import { sseEvent } from './sse-writer.ts'
import type { RequestIds } from './types.ts'

interface MessagesDecoded {
  readonly req: ChatRequest
  readonly warnings: readonly string[]
}

/** A header value Headroom forwards: printable ASCII, at most this long. */
const MAX_HEADER = 1024
const PRINTABLE = /^[\x20-\x7e]*$/

/**
 * `anthropic-version` and `anthropic-beta`: printable ASCII and bounded (they are forwarded to Anthropic
 * targets), else a 400 naming the header. Node joins a repeated `anthropic-beta` into one comma list.
 */
export function checkAnthropicHeaders(headers: IncomingHttpHeaders): void {
  for (const name of ['anthropic-version', 'anthropic-beta']) {
    const v = headers[name]
    if (v === undefined) continue
    const value = Array.isArray(v) ? v.join(', ') : v
    if (value.length <= MAX_HEADER && PRINTABLE.test(value)) continue
    throw new ApiError(
      400,
      `${name}: the header must be printable ASCII of at most ${MAX_HEADER} characters.`,
      'invalid_header',
      name,
    )
  }
}

export function ingressError(e: IngressError): ApiError {
  return new ApiError(e.status, e.message, e.code, e.param, e.type)
}

function decode(body: unknown): MessagesDecoded {
  const d = decodeRequest(body)
  if (!d.ok) throw ingressError(d.error)
  return { req: d.request, warnings: d.warnings }
}

async function* events(
  chunks: AsyncIterable<ChatChunk>,
  d: MessagesDecoded,
  ids: RequestIds,
  fail: (err: unknown) => ErrorResponse,
): AsyncIterable<string> {
  try {
    for await (const e of encodeStream(chunks, { model: d.req.model, id: ids.requestId })) yield sseEvent(e)
  } catch (err) {
    const r = fail(err)
    yield sseEvent({ event: 'error', data: encodeError(r.status, r.body.error).body })
  }
}

export const anthropicMessages: ServedApi<MessagesDecoded> = {
  errorShape: 'anthropic',
  checkHeaders: checkAnthropicHeaders,
  decode,
  canonical: (d) => d.req,
  warnings: (d) => d.warnings,
  json: (answer, d, ids) => JSON.stringify(encodeResponse(answer, { model: d.req.model, id: ids.requestId })),
  events,
}
