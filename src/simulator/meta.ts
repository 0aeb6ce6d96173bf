/**
 * The side endpoints clients touch besides generation: model lists (OpenAI, Anthropic and Gemini
 * shapes) and token counting (Anthropic count_tokens, OpenAI's Responses input_tokens, Gemini countTokens). Authenticated like the
 * rest; never rate-limited or faulted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { anthropicModelList, anthropicWire } from './anthropic.ts'
import { parseAnthropic } from './anthropic-request.ts'
import { prefixes } from './cache.ts'
import { geminiModel, geminiWire } from './gemini.ts'
import { parseGemini } from './gemini-request.ts'
import { openaiModelList, openaiWire } from './openai.ts'
import { invalid } from './openai-request.ts'
import { parseResponses, responsesModelOf } from './responses-request.ts'
import type { SimState } from './state.ts'
import { isObj, type Obj } from './values.ts'
import { type ApiWire, type ErrorOut, isErrorOut, type Parsed, readBody, send } from './wire.ts'

function reply<P extends Parsed>(
  res: ServerResponse,
  wire: ApiWire<P>,
  e: ErrorOut | { status: number; json: string },
): void {
  const h = wire.jsonHeaders.slice()
  wire.addHeaders(h, wire.requestId(Date.now()), 0)
  if ('json' in e) return send(res, e.status, h, e.json)
  if (e.headers) h.push(...e.headers)
  send(res, e.status, h, wire.errorJson(e, wire.requestId(Date.now())))
}

function authorize<P extends Parsed>(st: SimState, wire: ApiWire<P>, req: IncomingMessage, url: URL): ErrorOut | null {
  const key = wire.key(req, url)
  if (key === '') return wire.authError(true, key)
  if (st.validKeys !== null && !st.validKeys.has(key)) return wire.authError(false, key)
  return wire.checkHeaders(req)
}

async function jsonBody(req: IncomingMessage): Promise<Obj | null> {
  try {
    const v: unknown = JSON.parse(await readBody(req))
    return isObj(v) ? v : null
  } catch {
    return null
  }
}

/** `GET …/v1/models[/{id}]`: Anthropic's list when the request carries `anthropic-version`. */
export function listModels(st: SimState, req: IncomingMessage, res: ServerResponse, url: URL, id: string | null): void {
  if (req.headers['anthropic-version'] !== undefined) {
    const e = authorize(st, anthropicWire, req, url)
    if (e) return reply(res, anthropicWire, e)
    const all = st.models.list('anthropic')
    if (id === null) return reply(res, anthropicWire, { status: 200, json: anthropicModelList(all) })
    const m = st.models.lookup('anthropic', id)
    if (!m) return reply(res, anthropicWire, anthropicWire.notFound(id))
    const one = JSON.parse(anthropicModelList([m])) as { data: unknown[] }
    return reply(res, anthropicWire, { status: 200, json: JSON.stringify(one.data[0]) })
  }
  const e = authorize(st, openaiWire, req, url)
  if (e) return reply(res, openaiWire, e)
  const all = st.models.list('openai', 'all')
  if (id === null) return reply(res, openaiWire, { status: 200, json: openaiModelList(all) })
  const m = st.models.lookup('openai', id)
  if (!m) return reply(res, openaiWire, invalid(`The model '${id}' does not exist`, 'model', 'model_not_found', 404))
  const one = JSON.parse(openaiModelList([{ id, created: m.created }])) as { data: unknown[] }
  return reply(res, openaiWire, { status: 200, json: JSON.stringify(one.data[0]) })
}

/** `GET /v1beta/models[/{id}]`. */
export function listGeminiModels(
  st: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  id: string | null,
): void {
  const e = authorize(st, geminiWire, req, url)
  if (e) return reply(res, geminiWire, e)
  if (id === null) {
    const models = st.models.list('gemini', 'all').map(geminiModel)
    return reply(res, geminiWire, { status: 200, json: JSON.stringify({ models }) })
  }
  const m = st.models.lookup('gemini', id)
  if (!m) return reply(res, geminiWire, geminiWire.notFound(id))
  return reply(res, geminiWire, { status: 200, json: JSON.stringify(geminiModel(m)) })
}

/** `POST /v1/messages/count_tokens` → `{"input_tokens": N}`. */
export async function anthropicCountTokens(
  st: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const e = authorize(st, anthropicWire, req, url)
  if (e) return reply(res, anthropicWire, e)
  const body = await jsonBody(req)
  if (!body) return reply(res, anthropicWire, anthropicWire.badJson('invalid JSON'))
  const id = anthropicWire.modelOf(body, { api: 'anthropic', path: '/v1/messages/count_tokens' })
  if (typeof id !== 'string') return reply(res, anthropicWire, id)
  const m = st.models.lookup('anthropic', id)
  if (!m) return reply(res, anthropicWire, anthropicWire.notFound(id))
  const p = parseAnthropic(body, m, true)
  if (isErrorOut(p)) return reply(res, anthropicWire, p)
  reply(res, anthropicWire, { status: 200, json: JSON.stringify({ input_tokens: prefixes(p.req.segments).total }) })
}

/**
 * `POST /v1/responses/input_tokens` → `{"object": "response.input_tokens", "input_tokens": N}`: the request checked
 * as the Responses API checks it (only the fields that shape the prompt), `previous_response_id` counted in.
 */
export async function openaiInputTokens(
  st: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const e = authorize(st, openaiWire, req, url)
  if (e) return reply(res, openaiWire, e)
  const body = await jsonBody(req)
  if (!body) return reply(res, openaiWire, openaiWire.badJson('invalid JSON'))
  const id = responsesModelOf(body)
  if (typeof id !== 'string') return reply(res, openaiWire, id)
  const m = st.models.lookup('openai', id)
  if (!m)
    return reply(res, openaiWire, invalid(`The requested model '${id}' does not exist.`, 'model', 'model_not_found'))
  const p = parseResponses(body, m, st.responses, true)
  if (isErrorOut(p)) return reply(res, openaiWire, p)
  const json = JSON.stringify({ object: 'response.input_tokens', input_tokens: prefixes(p.req.segments).total })
  reply(res, openaiWire, { status: 200, json })
}

/** `POST /v1beta/models/{model}:countTokens` (`contents` or a whole `generateContentRequest`). */
export async function geminiCountTokens(
  st: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  id: string,
): Promise<void> {
  const e = authorize(st, geminiWire, req, url)
  if (e) return reply(res, geminiWire, e)
  const body = await jsonBody(req)
  if (!body) return reply(res, geminiWire, geminiWire.badJson('invalid JSON'))
  const m = st.models.lookup('gemini', id)
  if (!m) return reply(res, geminiWire, geminiWire.notFound(id))
  const inner: Obj = isObj(body['generateContentRequest'])
    ? { ...body['generateContentRequest'] }
    : { contents: body['contents'] }
  delete inner['model']
  const p = parseGemini(inner, m, undefined)
  if (isErrorOut(p)) return reply(res, geminiWire, p)
  const total = prefixes(p.req.segments).total
  reply(res, geminiWire, {
    status: 200,
    json: JSON.stringify({ totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] }),
  })
}
