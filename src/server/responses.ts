/**
 * `POST /v1/responses` (OpenAI's Responses API) as a ServedApi of the core (answer.ts). A target whose
 * adapter takes the Responses API (OpenAI's own) is sent the client's body as it is and its answer goes back
 * untouched; any other target gets the request translated into chat completions by the ingress
 * (ingress/openai-responses) and its answer encoded back as a Response object, its stream as the documented
 * named events (`response.created` … `response.completed`; `error` and `response.failed` for a failure
 * after it began). A request only the Responses API can serve (a built-in tool, a file by URL…) goes to
 * passthrough targets only. Errors in OpenAI's shape.
 *
 * Answers are kept (response-store.ts) unless the request says `store: false` or routes.yaml's
 * `server.responses.retention_s` is 0, translated or passed through alike, so that the client key that made
 * them may refer to them: `previous_response_id` → the stored response's input and output items put before
 * this request's input (its instructions are not carried over, as on OpenAI), and each `item_reference` to a
 * kept output item → the item; the body then goes on, expanded, to whichever target serves — OpenAI's too.
 * An unknown `previous_response_id` is OpenAI's 400 `previous_response_not_found`; an unknown reference a
 * 400 naming it, except on an open router, where it goes to OpenAI targets only (OpenAI may hold it: its
 * store is the account's, and with no client keys there is no other tenant to read it). `conversation`,
 * `prompt` and `background` stay a 400, whichever target would serve.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import { randomBytes } from 'node:crypto'
import { decodeRequest } from '../ingress/openai-responses/decode-request.ts'
import { encodeResponse } from '../ingress/openai-responses/encode-response.ts'
import { encodeStream } from '../ingress/openai-responses/encode-stream.ts'
import type { ResponsesEncodeContext } from '../ingress/openai-responses/response-object.ts'
import type { IngressError } from '../ingress/types.ts'
import { ApiError } from '../lib/api-error.ts'
import type { ChatChunk, ChatRequest } from '../providers/openai-schema.ts'
import { SseFramer } from '../providers/sse-frames.ts'
import type { NativeRequest } from '../providers/types.ts'
import type { Untranslatable } from '../routing/execute.ts'
import type { DecodeContext, PassedWatcher, ServedApi } from './answer-types.ts'
import type { ErrorResponse } from './errors.ts'
import { ingressError } from './messages.ts'
import { approximateRequest } from './native-profile.ts'
import { isSafeId, type ResponseStore, type StoredItem, type StoredResponse } from './response-store.ts'
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
  /** Where the answer is kept (null: it is not — `store: false`, or retention 0). */
  readonly keep: Keep | null
  /** The response this request continued. */
  readonly previousResponseId: string | null
  /** The client's name for a parameter of the translation (null: untranslatable). */
  readonly param: ((canonical: string) => string) | null
}

/** What keeping a request's answer takes: the store, whose it is, and the request's input as expanded. */
interface Keep {
  readonly store: ResponseStore
  readonly scope: string
  readonly input: readonly StoredItem[]
  readonly inputBytes: number
  /** Random, to make a translated response's ids unguessable (the request id they are made from is not). */
  readonly nonce: string
}

/** Parameters that refer to state OpenAI stores: refused whichever target would serve (Headroom keeps none of it). */
const STATEFUL: ReadonlySet<string> = new Set(['previous_response_id', 'conversation', 'prompt', 'background'])

type Body = Record<string, unknown>

async function decode(raw: unknown, _headers: unknown, ctx: DecodeContext): Promise<ResponsesDecoded> {
  const store = ctx.deps.responses
  const object = isObject(raw)
  const ex = object && store.enabled ? await expand(raw, ctx.scope, store) : null
  const body = ex?.body ?? raw
  const keep: Keep | null =
    ex !== null && object && raw['store'] !== false
      ? { store, scope: ctx.scope, input: ex.input, inputBytes: ex.bytes + ctx.bodyBytes, nonce: nonce() }
      : null
  const previousResponseId = ex?.previous ?? null
  const d = decodeRequest(body, { kept: keep !== null, carried: ex?.carried ?? 0 })
  const at = { keep, previousResponseId, body: raw }
  if (d.ok) {
    const param = d.param ?? null
    return { ...at, req: d.request, warnings: d.warnings, native: native(body as Body), untranslatable: null, param }
  }
  if (!onlyNative(d.error, body as Body, ex?.leftRefs === true)) throw ingressError(d.error)
  const b = body as Body
  return {
    ...at,
    req: standIn(b),
    warnings: [],
    native: native(b),
    untranslatable: { param: d.error.param, why: d.error.message },
    param: null,
  }
}

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v)

const nonce = () => randomBytes(10).toString('hex')

/** A body with what it refers to in the store put in its place. */
interface Expanded {
  readonly body: Body
  /** The input as items: the continued response's input and output, then this request's. */
  readonly input: readonly StoredItem[]
  /** Approximate bytes of what came from the store. */
  readonly bytes: number
  readonly previous: string | null
  /** How many leading items of `input` are the continued response's. */
  readonly carried: number
  /** References left as they were, for OpenAI to resolve (an open router only). */
  readonly leftRefs: boolean
}

/**
 * `previous_response_id` and `item_reference`s resolved from the store (what is not well-formed is left for the
 * decoder to refuse). Unknown: the 400s OpenAI answers; an open router leaves unknown references to OpenAI.
 */
async function expand(body: Body, scope: string, store: ResponseStore): Promise<Expanded> {
  const prevId = body['previous_response_id']
  let previous: StoredResponse | null = null
  if (typeof prevId === 'string') {
    previous = (await store.find(scope, prevId)) ?? null
    if (previous === null)
      throw notFound('Previous response', prevId, 'previous_response_not_found', 'previous_response_id')
  }
  const input = body['input']
  // An input of the wrong type is left for the decoder's 400, not replaced by the stored conversation.
  if (input !== undefined && typeof input !== 'string' && !Array.isArray(input)) {
    return { body, input: [], bytes: 0, previous: null, carried: 0, leftRefs: false }
  }
  const own: readonly unknown[] =
    typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : []
  const items: StoredItem[] = []
  let bytes = previous === null ? 0 : previous.inputBytes + previous.outputBytes
  let refs = 0
  let leftRefs = false
  for (let i = 0; i < own.length; i++) {
    const it = own[i]
    if (isObject(it) && it['type'] === 'item_reference' && typeof it['id'] === 'string') {
      const found = await store.findItem(scope, it['id'])
      if (found !== undefined) {
        items.push(found.item)
        bytes += found.bytes
        refs++
        continue
      }
      if (scope !== 'open') throw notFound('Item', it['id'], 'item_not_found', `input[${i}]`)
      leftRefs = true
    }
    items.push(it as StoredItem)
  }
  const all = previous === null ? items : [...previous.input, ...previous.output, ...items]
  if (previous === null && refs === 0) return { body, input: all, bytes, previous: null, carried: 0, leftRefs }
  const { previous_response_id: _, ...rest } = body
  const carried = all.length - items.length
  return { body: { ...rest, input: all }, input: all, bytes, previous: previous?.id ?? null, carried, leftRefs }
}

/** OpenAI's words for an id it does not hold; the id echoed only when it is one of ours or OpenAI's in shape. */
function notFound(what: string, id: string, code: string, param: string): ApiError {
  const named = isSafeId(id) ? ` with id '${id}'` : ''
  const why =
    'Headroom keeps responses for routes.yaml server.responses.retention_s, per client key, in this process ' +
    '(and, with HEADROOM_REDIS_URL, in Redis for the other replicas), and not those made with store: false.'
  return new ApiError(400, `${what}${named} not found. ${why}`, code, param, 'invalid_request_error')
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
function onlyNative(e: IngressError, body: Body, leftRefs: boolean): boolean {
  if (e.code !== 'unsupported_parameter' && e.code !== 'unsupported_value') return false
  if (e.param !== null && STATEFUL.has(e.param)) return false
  return leftRefs || !hasItemReference(body['input'])
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
  id: d.keep === null ? ids.requestId : ids.requestId + d.keep.nonce,
  body: d.body,
  store: d.keep !== null,
  previousResponseId: d.previousResponseId,
})

/** Keeps a response the client got (`bytes`: its JSON's length), if the request is kept and it is whole. */
function keepResponse(d: ResponsesDecoded, response: unknown, bytes: number): void {
  const k = d.keep
  if (k === null || !isObject(response)) return
  const { id, output, status } = response
  if (typeof id !== 'string' || !Array.isArray(output)) return
  if (status !== 'completed' && status !== 'incomplete') return
  const items = output.filter(isObject)
  k.store.put({
    scope: k.scope,
    id,
    input: k.input,
    response,
    output: items,
    inputBytes: k.inputBytes,
    outputBytes: bytes,
  })
}

const FINAL: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete'])

/**
 * A passed-through answer read as it goes by, untouched: the JSON body parsed, or a stream's final event
 * (`response.completed` / `.incomplete`, whose `response` is the whole Response) parsed from its frame.
 */
function watch(d: ResponsesDecoded): PassedWatcher | null {
  if (d.keep === null) return null
  let kept = false
  return {
    json(body) {
      try {
        keepResponse(d, JSON.parse(body), body.length)
      } catch {
        // Not JSON: the adapter would have refused it already; nothing to keep.
      }
    },
    frame(data) {
      if (kept || !(data.includes('response.completed') || data.includes('response.incomplete'))) return
      for (const ev of new SseFramer().push(Buffer.from(data))?.events ?? []) {
        if (ev.data === undefined) continue
        try {
          const e = JSON.parse(ev.data) as { type?: unknown; response?: unknown }
          if (typeof e.type !== 'string' || !FINAL.has(e.type)) continue
          keepResponse(d, e.response, ev.data.length)
          kept = true
        } catch {
          // An event that is not JSON: the adapter ends the stream on it.
        }
      }
    },
  }
}

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
  for await (const e of encodeStream(chunks, context(d, ids), { describeError })) {
    const frame = sseEvent(e)
    if (d.keep !== null && FINAL.has(e.event))
      keepResponse(d, (e.data as { response?: unknown }).response, frame.length)
    yield frame
  }
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
  paramName: (d) => d.param,
  canonical: (d) => d.req,
  warnings: (d) => d.warnings,
  json: (answer, d, ids) => {
    const response = encodeResponse(answer, context(d, ids))
    const json = JSON.stringify(response)
    keepResponse(d, response, json.length)
    return json
  },
  events,
  native: { request: (d) => d, errorEvent, watch },
}
