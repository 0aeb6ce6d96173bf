/**
 * `POST /v1/responses` (OpenAI's Responses API) as a ServedApi of the core (answer.ts). A target whose
 * adapter takes the Responses API (OpenAI's own) is sent the client's body as it is and its answer goes back
 * untouched; any other target gets the request translated into chat completions by the ingress
 * (ingress/openai-responses) and its answer encoded back as a Response object, its stream as the documented
 * named events (`response.created` … `response.completed`; `error` and `response.failed` for a failure
 * after it began). A request only the Responses API can serve (a built-in tool, a file by URL…) goes to
 * passthrough targets only. Headroom stores nothing: what refers to stored state (`previous_response_id`,
 * `conversation`, `prompt`, `background`, `item_reference`) is a 400 naming it, whichever target would serve.
 * Errors in OpenAI's shape. Reference: https://platform.openai.com/docs/api-reference/responses
 */
import { decodeRequest } from '../ingress/openai-responses/decode-request.ts'
import { encodeResponse } from '../ingress/openai-responses/encode-response.ts'
import { encodeStream } from '../ingress/openai-responses/encode-stream.ts'
import type { ResponsesEncodeContext } from '../ingress/openai-responses/response-object.ts'
import type { IngressError } from '../ingress/types.ts'
import type { ChatChunk, ChatRequest } from '../providers/openai-schema.ts'
import type { NativeRequest } from '../providers/types.ts'
import type { Untranslatable } from '../routing/execute.ts'
import type { ServedApi } from './answer-types.ts'
import type { ErrorResponse } from './errors.ts'
import { ingressError } from './messages.ts'
import { approximateRequest } from './native-profile.ts'
import { sseEvent } from './sse-writer.ts'
import type { RequestIds } from './types.ts'

interface ResponsesDecoded {
  /** The translation, or (untranslatable) a stand-in from which admission and planning size the request. */
  readonly req: ChatRequest
  readonly warnings: readonly string[]
  /** The body as the client sent it: a translated response echoes its fields. */
  readonly body: unknown
  readonly native: NativeRequest
  readonly untranslatable: Untranslatable | null
}

/** Parameters that refer to state OpenAI stores: refused whichever target would serve (Headroom is stateless). */
const STATEFUL: ReadonlySet<string> = new Set(['previous_response_id', 'conversation', 'prompt', 'background'])

type Body = Record<string, unknown>

function decode(raw: unknown): ResponsesDecoded {
  const d = decodeRequest(raw)
  if (d.ok)
    return { req: d.request, warnings: d.warnings, body: raw, native: native(raw as Body), untranslatable: null }
  if (!onlyNative(d.error, raw as Body)) throw ingressError(d.error)
  const body = raw as Body
  return { req: standIn(body), warnings: [], body, native: native(body), untranslatable: { param: d.error.param } }
}

const native = (body: Body): NativeRequest => ({
  api: 'openai-responses',
  body,
  stream: body['stream'] === true,
  headers: {},
})

/**
 * A refusal of translation (what chat completions have no way to say — a built-in tool, a file by URL), not
 * of the request: the Responses API itself can serve it. The decoder checks the body's shape first, so its
 * `unsupported_*` refusals come only for bodies that are valid Responses requests.
 */
function onlyNative(e: IngressError, body: Body): boolean {
  if (e.code !== 'unsupported_parameter' && e.code !== 'unsupported_value') return false
  if (e.param !== null && STATEFUL.has(e.param)) return false
  return !hasItemReference(body['input'])
}

function hasItemReference(input: unknown): boolean {
  if (!Array.isArray(input)) return false
  return (input as unknown[]).some((i) => (i as { type?: unknown } | null)?.type === 'item_reference')
}

function standIn(b: Body): ChatRequest {
  const tools = Array.isArray(b['tools']) ? (b['tools'] as Array<{ name?: unknown; type?: unknown }>) : []
  const cap = b['max_output_tokens']
  return approximateRequest({
    model: String(b['model']),
    content: { instructions: b['instructions'], input: b['input'], tools: b['tools'] },
    maxTokens: typeof cap === 'number' ? cap : null,
    stream: b['stream'] === true,
    tools: tools.map((t) => String(t.name ?? t.type)),
  })
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

const SEQUENCE = /"sequence_number":(\d+)/g

/**
 * The `error` event ending a passed-through stream, numbered after the last event sent; flat as OpenAI's
 * reference documents it and nested as its live API sends it, like the translated stream's (encode-stream.ts).
 */
function errorEvent(r: ErrorResponse, last: string | null): string {
  let seq = -1
  for (const m of last?.matchAll(SEQUENCE) ?? []) seq = Number(m[1])
  const { message, type, code, param } = r.body.error
  const data = { type: 'error', code, message, param, sequence_number: seq + 1, error: { type, code, message, param } }
  return sseEvent({ event: 'error', data })
}

export const openaiResponses: ServedApi<ResponsesDecoded> = {
  api: 'responses',
  errorShape: 'openai',
  decode,
  canonical: (d) => d.req,
  warnings: (d) => d.warnings,
  json: (answer, d, ids) => JSON.stringify(encodeResponse(answer, context(d, ids))),
  events,
  native: { request: (d) => d, errorEvent },
}
