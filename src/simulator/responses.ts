/**
 * The OpenAI Responses wire (`POST /v1/responses`, https://platform.openai.com/docs/api-reference/responses):
 * OpenAI's key, headers, rate limits and error bodies (the chat wire's), the `response` object, and the
 * named-event stream (https://platform.openai.com/docs/api-reference/responses-streaming) in which every
 * event carries its `sequence_number` from 0: response.created, response.in_progress, then per output
 * item output_item.added … output_item.done (text: content_part.added, output_text.delta…, output_text.done,
 * content_part.done; function calls: function_call_arguments.delta…, .done), then response.completed or
 * response.incomplete with the usage. No `[DONE]` line. A stored response can be continued with
 * `previous_response_id`, so the wire is made per simulator around its store.
 */
import { openaiWire, SSE_HEADERS } from './openai.ts'
import { invalid } from './openai-request.ts'
import { parseResponses, type ResponsesParsed, responsesModelOf } from './responses-request.ts'
import type { ConvItem, ResponseStore } from './responses-store.ts'
import { fnv1a, hexChars, mix } from './rng.ts'
import { charPieces, toolCallTokens } from './tokens.ts'
import type { Answer } from './types.ts'
import type { ApiWire, Frame, RenderCtx } from './wire.ts'

const SERVER_ERROR = 'The server had an error while processing your request. Sorry about that!'

interface OutputText {
  type: 'output_text'
  annotations: never[]
  logprobs: never[]
  text: string
}

type OutputItem =
  | { id: string; type: 'reasoning'; summary: never[] }
  | { id: string; type: 'message'; status: string; content: OutputText[]; role: 'assistant' }
  | { id: string; type: 'function_call'; status: string; arguments: string; call_id: string; name: string }

type Status = 'in_progress' | 'completed' | 'incomplete'

/** Item ids share the response's origin: `msg_`, `fc_`, `rs_` + 48 hex digits, like the real ones. */
function itemId(ctx: RenderCtx, prefix: string, k: number): string {
  return prefix + hexChars(mix(fnv1a(ctx.id), k), 48)
}

function statusOf(a: Answer): Status {
  return a.finish === 'length' ? 'incomplete' : 'completed'
}

/** The output of an answer: its reasoning (when it spent any), then its text or its function calls. */
function outputItems(a: Answer, ctx: RenderCtx): OutputItem[] {
  const items: OutputItem[] = []
  if (a.reasoningTokens > 0) items.push({ id: itemId(ctx, 'rs_', 0), type: 'reasoning', summary: [] })
  // A cap spent entirely on reasoning leaves no message at all.
  if (a.toolCalls.length === 0 && !(a.finish === 'length' && a.text === '')) {
    const content: OutputText[] = [{ type: 'output_text', annotations: [], logprobs: [], text: a.text }]
    items.push({ id: itemId(ctx, 'msg_', 1), type: 'message', status: statusOf(a), content, role: 'assistant' })
  }
  a.toolCalls.forEach((c, k) => {
    const id = itemId(ctx, 'fc_', 2 + k)
    items.push({ id, type: 'function_call', status: 'completed', arguments: c.argsJson, call_id: c.id, name: c.name })
  })
  return items
}

function usage(a: Answer, ctx: RenderCtx) {
  const output = a.outputTokens + a.reasoningTokens
  return {
    input_tokens: ctx.usage.promptTokens,
    input_tokens_details: { cached_tokens: ctx.usage.cachedTokens },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: a.reasoningTokens },
    total_tokens: ctx.usage.promptTokens + output,
  }
}

/** The `response` object, in the real API's key order; `a` null while in progress. */
function response(p: ResponsesParsed, ctx: RenderCtx, a: Answer | null, output: readonly OutputItem[]) {
  const status: Status = a === null ? 'in_progress' : statusOf(a)
  const e = p.echo
  return {
    id: ctx.id,
    object: 'response',
    created_at: ctx.created,
    status,
    background: false,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: e['instructions'],
    max_output_tokens: e['max_output_tokens'],
    max_tool_calls: null,
    model: p.model.responseModel,
    output,
    parallel_tool_calls: e['parallel_tool_calls'],
    previous_response_id: e['previous_response_id'],
    prompt_cache_key: null,
    reasoning: e['reasoning'],
    safety_identifier: null,
    service_tier: a === null ? 'auto' : 'default',
    store: p.store,
    temperature: e['temperature'],
    text: e['text'],
    tool_choice: e['tool_choice'],
    tools: e['tools'],
    top_logprobs: 0,
    top_p: e['top_p'],
    truncation: e['truncation'],
    usage: a === null ? null : usage(a, ctx),
    user: e['user'],
    metadata: e['metadata'],
  }
}

/** An output item as the conversation reads it later (null: a reasoning item, or a message left empty). */
function convItem(it: OutputItem): ConvItem | null {
  if (it.type === 'function_call') return { kind: 'call', callId: it.call_id, name: it.name, args: it.arguments }
  const text = it.type === 'message' ? (it.content[0]?.text ?? '') : ''
  return text === '' ? null : { kind: 'message', role: 'assistant', text, images: 0, keys: '' }
}

/** Keeps a stored response (its input and output) for `previous_response_id`, its items for `item_reference`. */
function remember(store: ResponseStore, p: ResponsesParsed, items: readonly OutputItem[], ctx: RenderCtx): void {
  if (!p.store) return
  const out: ConvItem[] = []
  for (const it of items) {
    const c = convItem(it)
    store.putItem(it.id, c)
    if (c) out.push(c)
  }
  store.put(ctx.id, { previous: p.previous, items: p.turn.concat(out) })
}

/** Every event of a streamed response, paced by the output tokens each delta carries. */
function events(p: ResponsesParsed, a: Answer, items: readonly OutputItem[], ctx: RenderCtx): Frame[] {
  const out: Frame[] = []
  const ev = (type: string, body: Record<string, unknown>, tokens = 0) => {
    const data = JSON.stringify({ type, sequence_number: out.length, ...body })
    out.push({ data: `event: ${type}\ndata: ${data}\n\n`, tokens })
  }
  const pending = response(p, ctx, null, [])
  ev('response.created', { response: pending })
  ev('response.in_progress', { response: pending })
  items.forEach((item, output_index) => {
    const at = { item_id: item.id, output_index }
    if (item.type === 'message') {
      ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } })
      const empty: OutputText = { type: 'output_text', annotations: [], logprobs: [], text: '' }
      ev('response.content_part.added', { ...at, content_index: 0, part: empty })
      const group = a.json ? 4 : 1
      for (let i = 0; i < a.pieces.length; i += group) {
        const n = Math.min(group, a.pieces.length - i)
        const delta = a.pieces.slice(i, i + n).join('')
        ev('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] }, n)
      }
      ev('response.output_text.done', { ...at, content_index: 0, text: a.text, logprobs: [] })
      ev('response.content_part.done', { ...at, content_index: 0, part: item.content[0] })
    } else if (item.type === 'function_call') {
      ev('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } })
      const parts = charPieces(item.arguments, Math.max(8, Math.ceil(item.arguments.length / 3)))
      const per = Math.max(1, Math.ceil(toolCallTokens(item.arguments) / Math.max(1, parts.length)))
      for (const delta of parts) ev('response.function_call_arguments.delta', { ...at, delta }, per)
      ev('response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments })
    } else {
      ev('response.output_item.added', { output_index, item })
    }
    ev('response.output_item.done', { output_index, item })
  })
  const final = response(p, ctx, a, items)
  ev(final.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final })
  return out
}

export function responsesWire(store: ResponseStore): ApiWire<ResponsesParsed> {
  return {
    ...openaiWire,
    responseId: (seed) => `resp_${hexChars(seed, 48)}`,
    modelOf: (body) => responsesModelOf(body),
    notFound: (model) => invalid(`The requested model '${model}' does not exist.`, 'model', 'model_not_found'),
    wrongKind: (model) => invalid(`The requested model '${model}' is not supported with the Responses API.`, 'model'),
    parse: (body, model) => parseResponses(body, model, store),
    streamHeaders: () => SSE_HEADERS,
    render(p, answers, ctx) {
      const a = answers[0] as Answer
      const items = outputItems(a, ctx)
      remember(store, p, items, ctx)
      return JSON.stringify(response(p, ctx, a, items))
    },
    frames(p, answers, ctx) {
      const a = answers[0] as Answer
      const items = outputItems(a, ctx)
      remember(store, p, items, ctx)
      return events(p, a, items, ctx)
    },
    errorFrame: (_p, sent) => {
      const error = { type: 'error', sequence_number: sent, code: 'server_error', message: SERVER_ERROR, param: null }
      return `event: error\ndata: ${JSON.stringify(error)}\n\n`
    },
    malformedFrame: () => 'event: response.output_text.delta\ndata: {not json\n\n',
  }
}
