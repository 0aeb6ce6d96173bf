/**
 * A `POST /v1/responses` body → the canonical chat-completions request, or the 400 OpenAI's words would
 * give. The decoder itself is stateless: whatever refers to stored state (`previous_response_id`,
 * `conversation`, `prompt`, `background`) is a 400 naming the parameter; the server expands what it keeps
 * (`previous_response_id`, `item_reference`: server/responses.ts) before the body comes here.
 *
 * Field by field (the same table, for users, is in docs/providers.md):
 * - same name in chat: `model`, `temperature`, `top_p`, `metadata`, `user`, `service_tier`, `safety_identifier`,
 *   `prompt_cache_key`, `prompt_cache_retention`;
 * - `instructions` + `input` → `messages` (convert-input.ts); `tools`, `tool_choice`, `parallel_tool_calls` →
 *   the same, function tools nested (convert-tools.ts); `max_output_tokens` → `max_completion_tokens`;
 *   `text.format` → `response_format`; `reasoning.effort` → `reasoning_effort`; `stream` → `stream` with
 *   `stream_options.include_usage` (the final event carries the usage);
 * - a warning, not sent: `text.verbosity`, `reasoning.summary` without an effort (with one, the target's reasoning
 *   text comes back as a `reasoning` item's summary), `truncation: 'auto'`, `include`, `top_logprobs`,
 *   `stream_options.include_obfuscation: true`, `store: true` when the caller keeps nothing (absent, OpenAI's
 *   default is true, so only an explicit `true` is worth a word), and any field Headroom does not know;
 * - no effect, no word: `max_tool_calls` (it counts built-in tool calls, of which there are none here);
 * - a 400: `previous_response_id`, `conversation`, `prompt`, `background: true`.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create
 */

import { ApiError } from '../../lib/api-error.ts'
import type { ChatRequest } from '../../providers/openai-schema.ts'
import { received } from '../openai-wording.ts'
import type { Decoded } from '../types.ts'
import { convertInput } from './convert-input.ts'
import { convertTools } from './convert-tools.ts'
import { parseAt, unsupported } from './describe-issue.ts'
import { responsesParam } from './param-names.ts'
import { ResponseCreateBody, type ResponseCreateBodyT } from './request-schema.ts'

const KNOWN = new Set(Object.keys(ResponseCreateBody.shape))
const STATELESS = 'Headroom keeps no responses (routes.yaml server.responses.retention_s is 0)'
// "json" in any case; spelled out rather than with the `i` flag, which scans long prompts half as fast.
const JSON_WORD = /[jJ][sS][oO][nN]/

/**
 * `kept`: the caller keeps the answer (routes.yaml `server.responses`), so `store: true` is honoured, not warned
 * of. `carried`: how many leading input items the server took from the response `previous_response_id` named.
 */
export function decodeRequest(raw: unknown, opts: { kept?: boolean; carried?: number } = {}): Decoded {
  try {
    return { ok: true, ...decode(raw, opts.kept === true, opts.carried ?? 0) }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    const { status, type, message, param, code } = err
    return { ok: false, error: { status, type, message, param, code } }
  }
}

function decode(
  raw: unknown,
  kept: boolean,
  carried: number,
): { request: ChatRequest; warnings: string[]; param: (canonical: string) => string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ApiError(400, `The request body must be a JSON object, but got ${received(raw)}.`, 'invalid_type')
  }
  const body = parseAt(ResponseCreateBody, raw, [])
  refuseStateful(body)
  if (body.metadata != null) checkMetadata(body.metadata)
  const warnings: string[] = []
  const input = convertInput(body.input, body.instructions, carried)
  if (input.messages.length === 0) {
    const expected = 'Expected an array with minimum length 1, but got an empty array instead.'
    const message = `Invalid 'input': empty array. ${expected}`
    throw new ApiError(400, message, 'empty_array', 'input')
  }
  const request: ChatRequest = { model: body.model, messages: input.messages }
  Object.assign(request, convertTools(body, warnings))
  warnings.push(...input.warnings)
  if (body.stream === true) {
    request.stream = true
    request.stream_options = { include_usage: true }
  }
  if (body.max_output_tokens != null) request.max_completion_tokens = body.max_output_tokens
  copy(body, request, ['temperature', 'top_p', 'metadata', 'user', 'service_tier'])
  copy(body, request, ['safety_identifier', 'prompt_cache_key', 'prompt_cache_retention'])
  if (body.reasoning?.effort != null) request.reasoning_effort = body.reasoning.effort
  const format = body.text?.format
  if (format != null) {
    if (format.type === 'json_object' && !input.messages.some((m) => JSON_WORD.test(text(m.content)))) {
      const message = "'input' must contain the word 'json' in some form, to use 'text.format' of type 'json_object'."
      throw new ApiError(400, message, null, 'input')
    }
    request.response_format = responseFormat(format)
  }
  warnings.push(...notHonoured(body, raw as Record<string, unknown>, kept))
  return { request, warnings, param: (p) => responsesParam(p, input.sources) }
}

/** What refers to state OpenAI stores and the decoder does not: each is a 400 naming it. */
function refuseStateful(body: ResponseCreateBodyT): void {
  if (body.previous_response_id != null) {
    throw unsupported('previous_response_id', `${STATELESS}; send the whole conversation in input`)
  }
  if (body.conversation != null) {
    throw unsupported('conversation', 'Headroom keeps no conversations; send the whole conversation in input')
  }
  if (body.prompt != null) throw unsupported('prompt', 'Headroom holds no stored prompts; send instructions')
  if (body.background === true) {
    throw unsupported('background', 'Headroom answers in the foreground only: a response cannot be polled later')
  }
}

/** OpenAI's bounds on `metadata`: 16 pairs, keys of up to 64 characters (values: the schema's 512), in its words. */
function checkMetadata(metadata: Record<string, string>): void {
  const keys = Object.keys(metadata)
  if (keys.length > 16) {
    const expected = `Expected an object with at most 16 properties, but got an object with ${keys.length} properties instead.`
    throw new ApiError(
      400,
      `Invalid 'metadata': too many properties. ${expected}`,
      'object_above_max_properties',
      'metadata',
    )
  }
  const long = keys.find((k) => k.length > 64)
  if (long === undefined) return
  const expected = `Expected a string with maximum length 64, but got a string with length ${long.length} instead.`
  const message = `Invalid property name in 'metadata': '${long.slice(0, 3)}...${long.slice(-3)}' is too long. ${expected}`
  throw new ApiError(400, message, 'property_name_above_max_length', `metadata.${long}`)
}

function copy<K extends keyof ResponseCreateBodyT & string>(from: ResponseCreateBodyT, to: ChatRequest, keys: K[]) {
  for (const k of keys) if (from[k] != null) to[k] = from[k]
}

function text(content: ChatRequest['messages'][number]['content']): string {
  if (content == null || typeof content === 'string') return content ?? ''
  let out = ''
  for (const p of content) if (p.type === 'text') out += p.text
  return out
}

type TextFormatT = NonNullable<NonNullable<ResponseCreateBodyT['text']>['format']>

function responseFormat(format: TextFormatT): ChatRequest['response_format'] {
  if (format.type !== 'json_schema') return { type: format.type }
  const json_schema: { name: string; schema: Record<string, unknown>; description?: string; strict?: boolean } = {
    name: format.name,
    schema: format.schema,
  }
  if (format.description != null) json_schema.description = format.description
  if (format.strict != null) json_schema.strict = format.strict
  return { type: 'json_schema', json_schema }
}

/** A warning for each field sent that has no chat-completions counterpart and would change something. */
function notHonoured(body: ResponseCreateBodyT, raw: Record<string, unknown>, kept: boolean): string[] {
  const out: string[] = []
  if (body.store === true && !kept) {
    out.push('store: responses are not stored (routes.yaml server.responses.retention_s is 0)')
  }
  if (body.text?.verbosity != null) out.push('text.verbosity is not supported by chat completions and was not sent')
  const summary = body.reasoning?.summary ?? body.reasoning?.generate_summary
  // Anthropic and Gemini targets think, and show it, only when asked an effort (see docs/clients.md).
  if (summary != null && body.reasoning?.effort == null)
    out.push('reasoning.summary: without reasoning.effort, a translated target returns no summary')
  if (body.truncation === 'auto') {
    out.push("truncation 'auto' is not supported: input too long for the model fails instead of being cut")
  }
  if (body.include != null && body.include.length > 0) out.push(`include: ${body.include.join(', ')} will not come`)
  if (body.top_logprobs != null) out.push("top_logprobs is not supported by Headroom's /v1/responses and was not sent")
  if (body.stream_options?.include_obfuscation === true) {
    out.push('stream_options.include_obfuscation: events carry no obfuscation field')
  }
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) out.push(`${key} is not known to Headroom's /v1/responses and was ignored`)
  }
  return out
}
