/**
 * `POST /v1/responses` (OpenAI's Responses API) as a ServedApi of the core (answer.ts): stateless — the body
 * decoded into the canonical request by the ingress (ingress/openai-responses; what refers to stored state
 * is a 400 naming the parameter), the answer encoded back as a Response object, the stream as the
 * documented named events (`response.created` … `response.completed`; `error` and `response.failed` for a
 * failure after it began). Errors in OpenAI's shape.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import { decodeRequest } from '../ingress/openai-responses/decode-request.ts'
import { encodeResponse } from '../ingress/openai-responses/encode-response.ts'
import { encodeStream } from '../ingress/openai-responses/encode-stream.ts'
import type { ResponsesEncodeContext } from '../ingress/openai-responses/response-object.ts'
import type { ChatChunk, ChatRequest } from '../providers/openai-schema.ts'
import type { ServedApi } from './answer.ts'
import type { ErrorResponse } from './errors.ts'
import { ingressError } from './messages.ts'
import { sseEvent } from './sse-writer.ts'
import type { RequestIds } from './types.ts'

interface ResponsesDecoded {
  readonly req: ChatRequest
  readonly warnings: readonly string[]
  /** The body as the client sent it: a response echoes its fields. */
  readonly body: unknown
}

function decode(body: unknown): ResponsesDecoded {
  const d = decodeRequest(body)
  if (!d.ok) throw ingressError(d.error)
  return { req: d.request, warnings: d.warnings, body }
}

const context = (d: ResponsesDecoded, ids: RequestIds): ResponsesEncodeContext => ({
  model: d.req.model,
  id: ids.requestId,
  body: d.body,
})

async function* events(
  chunks: AsyncIterable<ChatChunk>,
  d: ResponsesDecoded,
  ids: RequestIds,
  fail: (err: unknown) => ErrorResponse,
): AsyncIterable<string> {
  const describeError = (err: unknown) => {
    const r = fail(err)
    return { status: r.status, ...r.body.error }
  }
  for await (const e of encodeStream(chunks, context(d, ids), { describeError })) yield sseEvent(e)
}

export const openaiResponses: ServedApi<ResponsesDecoded> = {
  errorShape: 'openai',
  decode,
  canonical: (d) => d.req,
  warnings: (d) => d.warnings,
  json: (answer, d, ids) => JSON.stringify(encodeResponse(answer, context(d, ids))),
  events,
}
