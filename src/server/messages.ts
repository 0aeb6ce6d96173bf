/**
 * `POST /v1/messages` (Anthropic's Messages API, for the Anthropic SDK and Claude Code) as a ServedApi of
 * the core (answer.ts). A target whose adapter takes Anthropic's API is sent the client's body as it is
 * (passthrough: nothing lost to translation, `anthropic-version` and `anthropic-beta` forwarded) and its
 * answer goes back untouched; any other target gets the request translated by the ingress
 * (ingress/anthropic-messages) and its answer encoded back into Anthropic's shapes — named SSE events,
 * `event: error` for a failure after the stream began. A request only Anthropic can serve (a server tool, a
 * document by file id…) goes to passthrough targets only. Every error is in Anthropic's shape
 * (https://docs.anthropic.com/en/api/errors).
 */
import type { IncomingHttpHeaders } from 'node:http'
import { decodeParsed, parseRequest } from '../ingress/anthropic-messages/decode-request.ts'
import { encodeError } from '../ingress/anthropic-messages/encode-error.ts'
import { encodeResponse } from '../ingress/anthropic-messages/encode-response.ts'
import { encodeStream } from '../ingress/anthropic-messages/encode-stream.ts'
import type { MessagesRequest } from '../ingress/anthropic-messages/request-schema.ts'
import type { IngressError } from '../ingress/types.ts'
import { ApiError } from '../lib/api-error.ts'
import type { ChatChunk, ChatRequest } from '../providers/openai-schema.ts'
import type { NativeRequest } from '../providers/types.ts'
import type { Untranslatable } from '../routing/execute.ts'
import { estimatePromptTokens } from '../routing/tokens.ts'
import type { ServedApi } from './answer-types.ts'
import type { ErrorResponse } from './errors.ts'
import { approximateRequest } from './native-profile.ts'
import { sseEvent } from './sse-writer.ts'
import type { RequestIds } from './types.ts'

interface MessagesDecoded {
  /** The translation, or (untranslatable) a stand-in from which admission and planning size the request. */
  readonly req: ChatRequest
  readonly warnings: readonly string[]
  readonly native: NativeRequest
  readonly untranslatable: Untranslatable | null
}

/** A header value Headroom forwards: printable ASCII, at most this long. */
const MAX_HEADER = 1024
const PRINTABLE = /^[\x20-\x7e]*$/
const FORWARDED = ['anthropic-version', 'anthropic-beta'] as const

/** A header as one value: Node joins most repeated headers itself; an array is joined the same way. */
function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v
}

/**
 * `anthropic-version` and `anthropic-beta`: printable ASCII and bounded (they are forwarded to Anthropic
 * targets), else a 400 naming the header. A repeated `anthropic-beta` is one comma list.
 */
export function checkAnthropicHeaders(headers: IncomingHttpHeaders): void {
  for (const name of FORWARDED) {
    const value = single(headers[name])
    if (value === undefined || (value.length <= MAX_HEADER && PRINTABLE.test(value))) continue
    throw new ApiError(
      400,
      `${name}: the header must be printable ASCII of at most ${MAX_HEADER} characters.`,
      'invalid_header',
      name,
    )
  }
}

/** The headers passed through to an Anthropic target (checked by checkAnthropicHeaders). */
export function anthropicHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of FORWARDED) {
    const value = single(headers[name])
    if (value !== undefined) out[name] = value
  }
  return out
}

export function ingressError(e: IngressError): ApiError {
  return new ApiError(e.status, e.message, e.code, e.param, e.type)
}

function decode(raw: unknown, headers: IncomingHttpHeaders): MessagesDecoded {
  const parsed = parseRequest(raw)
  if (!parsed.ok) throw ingressError(parsed.error)
  const body = parsed.body
  const native: NativeRequest = {
    api: 'anthropic-messages',
    body: raw as Record<string, unknown>,
    stream: body.stream === true,
    headers: anthropicHeaders(headers),
  }
  const d = decodeParsed(body)
  if (d.ok) return { req: d.request, warnings: d.warnings, native, untranslatable: null }
  return {
    req: messagesStandIn(body),
    warnings: [],
    native,
    untranslatable: { param: d.error.param, why: d.error.message },
  }
}

/** A request only Anthropic can serve, as admission and planning see it: its size, output cap and tools. */
export function messagesStandIn(b: MessagesRequest): ChatRequest {
  const tools = (b.tools ?? []).map((t) => String(t.name ?? t.type))
  return approximateRequest({
    model: b.model,
    content: { system: b.system, messages: b.messages, tools: b.tools },
    maxTokens: b.max_tokens,
    stream: b.stream === true,
    tools,
  })
}

async function* events(
  chunks: AsyncIterable<ChatChunk>,
  d: MessagesDecoded,
  ids: RequestIds,
  fail: (err: unknown) => ErrorResponse,
): AsyncIterable<string> {
  try {
    const ctx = { model: d.req.model, id: ids.requestId, promptEstimate: estimatePromptTokens(d.req) }
    for await (const e of encodeStream(chunks, ctx)) yield sseEvent(e)
  } catch (err) {
    yield errorEvent(fail(err))
  }
}

/** Anthropic's `event: error`, which its SDK raises. */
function errorEvent(r: ErrorResponse): string {
  return sseEvent({ event: 'error', data: encodeError(r.status, r.body.error).body })
}

export const anthropicMessages: ServedApi<MessagesDecoded> = {
  api: 'messages',
  errorShape: 'anthropic',
  checkHeaders: checkAnthropicHeaders,
  decode,
  canonical: (d) => d.req,
  warnings: (d) => d.warnings,
  json: (answer, d, ids) => JSON.stringify(encodeResponse(answer, { model: d.req.model, id: ids.requestId })),
  events,
  native: { request: (d) => d, errorEvent },
}
