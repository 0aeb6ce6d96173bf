/**
 * OpenAI Responses request → provider-neutral request, validated the way the real API does
 * (https://platform.openai.com/docs/api-reference/responses/create): unknown parameters (and the Chat
 * Completions names that moved), flat function tools, `text.format`, `reasoning` on reasoning models
 * only, `max_output_tokens` of at least 16; then the conversation, continued from
 * `previous_response_id` (404 when the simulator holds no such response).
 */
import type { ModelInfo } from './models.ts'
import { badType, badValue, intParam, outOfRange } from './openai-errors.ts'
import { badName, EFFORT, invalid, missing } from './openai-request.ts'
import { checkCalls, readInput } from './responses-input.ts'
import { type ConvItem, history, itemSegment, type ResponseStore, type StoredResponse } from './responses-store.ts'
import { blankRequest } from './sim-request.ts'
import { MESSAGE_OVERHEAD, textTokens } from './tokens.ts'
import type { Segment, SimRequest, ToolChoiceMode, ToolResult, ToolSpec } from './types.ts'
import { isObj, num, type Obj, str } from './values.ts'
import type { ErrorOut, Parsed } from './wire.ts'

export interface ResponsesParsed extends Parsed {
  /** This request's own items (what a stored response adds to its chain, before the output). */
  turn: ConvItem[]
  previous: StoredResponse | null
  /** The request fields a Response object echoes, defaults filled in. */
  echo: Obj
  store: boolean
}

const KNOWN = new Set(
  (
    'model input instructions max_output_tokens max_tool_calls temperature top_p top_logprobs stream stream_options ' +
    'text tools tool_choice parallel_tool_calls reasoning include store background previous_response_id ' +
    'conversation truncation metadata user safety_identifier prompt_cache_key prompt_cache_retention ' +
    'prompt_cache_options service_tier prompt context_management moderation presence_penalty ' +
    'frequency_penalty'
  ).split(' '),
)
/**
 * What `POST /v1/responses/input_tokens` takes: the fields that shape the prompt, no sampling, output cap or
 * stream (openai-node's InputTokenCountParams; https://platform.openai.com/docs/api-reference/responses/input-tokens).
 */
const COUNT_KNOWN = new Set(
  (
    'model input instructions text tools tool_choice parallel_tool_calls reasoning previous_response_id ' +
    'conversation truncation personality'
  ).split(' '),
)
/** Chat Completions parameters the Responses API names otherwise. */
const MOVED: Readonly<Record<string, string>> = {
  messages: 'input',
  response_format: 'text.format',
  max_tokens: 'max_output_tokens',
  max_completion_tokens: 'max_output_tokens',
  reasoning_effort: 'reasoning.effort',
}
const TOOL_TYPES = [
  'function',
  'file_search',
  'computer',
  'computer_use_preview',
  'web_search',
  'web_search_2025_08_26',
  'mcp',
  'code_interpreter',
  'programmatic_tool_calling',
  'image_generation',
  'local_shell',
  'shell',
  'custom',
  'namespace',
  'tool_search',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'apply_patch',
]
const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh']
const FORMATS = ['json_object', 'text', 'json_schema']
const MIN_OUTPUT_TOKENS = 16

const VERBOSITY = ['low', 'medium', 'high']
const TOOL_CHOICES = ['none', 'auto', 'required']

const unknownParam = (p: string) => invalid(`Unknown parameter: '${p}'.`, p, 'unknown_parameter')
const isSet = (v: unknown) => v !== undefined && v !== null
const notWithModel = (p: string, code: string | null) =>
  invalid(`Unsupported parameter: '${p}' is not supported with this model.`, p, code)

/** The first member of `o` the API does not know, as its error (`at.member`). */
function extraMember(o: Obj, allowed: readonly string[], at: string): ErrorOut | null {
  for (const k in o) if (!allowed.includes(k)) return unknownParam(`${at}.${k}`)
  return null
}

/** A value that must be one of `values` (when set). */
function oneOf(v: unknown, p: string, values: readonly string[]): ErrorOut | null {
  return isSet(v) && (typeof v !== 'string' || !values.includes(v)) ? badValue(p, String(v), values) : null
}

/** Parameters, checked in the order the real API reports them when several are wrong. */
function checkParams(b: Obj, model: ModelInfo, known: ReadonlySet<string>): ErrorOut | null {
  for (const k in b) {
    const to = MOVED[k]
    if (to !== undefined) {
      const message = `Unsupported parameter: '${k}'. In the Responses API, this parameter has moved to '${to}'.`
      return invalid(message, k === 'messages' ? null : k, 'unsupported_parameter')
    }
    if (!known.has(k)) return unknownParam(k)
  }
  for (const [p, lo, hi] of [
    ['temperature', 0, 2],
    ['top_p', 0, 1],
  ] as const) {
    const v = b[p]
    if (!isSet(v)) continue
    if (typeof v !== 'number') return badType(p, 'a decimal', v)
    const e = outOfRange(p, v, lo, hi, false)
    if (e) return e
    // Reasoning models take the default temperature only, and no top_p at all (no code in these errors).
    if (model.reasoning && (p === 'top_p' || v !== 1)) return notWithModel(p, null)
  }
  for (const p of ['stream', 'store', 'parallel_tool_calls', 'background'] as const) {
    if (isSet(b[p]) && typeof b[p] !== 'boolean') return badType(p, 'a boolean', b[p])
  }
  for (const p of ['instructions', 'user', 'previous_response_id', 'safety_identifier', 'prompt_cache_key'] as const) {
    if (isSet(b[p]) && typeof b[p] !== 'string') return badType(p, 'a string', b[p])
  }
  const maxOut = intParam(b, 'max_output_tokens', MIN_OUTPUT_TOKENS, model.maxOutputTokens)
  if (typeof maxOut === 'object') return maxOut
  for (const [p, lo, hi] of [
    ['max_tool_calls', 1, Infinity],
    ['top_logprobs', 0, 20],
  ] as const) {
    const v = intParam(b, p, lo, hi)
    if (typeof v === 'object') return v
  }
  const truncation = oneOf(b['truncation'], 'truncation', ['auto', 'disabled'])
  if (truncation) return truncation
  const so = b['stream_options']
  if (isSet(so)) {
    if (!isObj(so)) return badType('stream_options', 'an object', so)
    const e = extraMember(so, ['include_obfuscation'], 'stream_options')
    if (e) return e
  }
  // Not simulated: background runs (they need polling), stored conversations and prompts (the simulator
  // knows none, so the ids are unknown ones).
  if (b['background'] === true) return invalid('The simulator does not run background responses.', 'background')
  const conv = b['conversation']
  if (isSet(conv)) {
    const id = isObj(conv) ? String(conv['id']) : String(conv)
    return invalid(`Conversation with id '${id}' not found.`, 'conversation', null, 404)
  }
  const prompt = b['prompt']
  if (isSet(prompt)) {
    return invalid(`Prompt with id '${isObj(prompt) ? String(prompt['id']) : ''}' not found.`, 'prompt', null, 404)
  }
  return null
}

/** `reasoning`: the effort sets how many tokens are spent thinking; non-reasoning models refuse it. */
function reasoningOf(b: Obj, model: ModelInfo): { factor: number; echo: Obj } | ErrorOut {
  const r = b['reasoning']
  const medium = EFFORT['medium'] ?? 2
  if (!isSet(r)) return { factor: medium, echo: { effort: model.reasoning ? 'medium' : null, summary: null } }
  if (!isObj(r)) return badType('reasoning', 'an object', r)
  const extra = extraMember(r, ['effort', 'summary', 'generate_summary'], 'reasoning')
  if (extra) return extra
  const effort = r['effort']
  if (isSet(effort)) {
    if (typeof effort !== 'string') {
      return badType('reasoning.effort', "one of 'minimal', 'low', 'medium', or 'high'", effort)
    }
    if (!EFFORTS.includes(effort)) return badValue('reasoning.effort', effort, EFFORTS)
    if (!model.reasoning) return notWithModel('reasoning.effort', 'unsupported_parameter')
  }
  const e = str(effort) ?? 'medium'
  const echo = { effort: model.reasoning ? e : null, summary: str(r['summary']) ?? null }
  return { factor: EFFORT[e] ?? medium, echo }
}

/** Function tools are flat in this API (`{type, name, parameters}`); built-in tools are taken, never called. */
function toolsOf(b: Obj, segments: Segment[]): { tools: ToolSpec[]; echo: unknown[] } | ErrorOut {
  const raw = b['tools']
  const tools: ToolSpec[] = []
  const echo: unknown[] = []
  if (!isSet(raw)) return { tools, echo }
  if (!Array.isArray(raw)) return badType('tools', 'an array', raw)
  for (let i = 0; i < raw.length; i++) {
    const t: unknown = raw[i]
    if (!isObj(t)) return badType(`tools[${i}]`, 'an object', t)
    const type = t['type']
    if (type === undefined) return missing(`tools[${i}].type`)
    const bad = oneOf(type, `tools[${i}].type`, TOOL_TYPES)
    if (bad) return bad
    const key = JSON.stringify(t)
    segments.push({ key, tokens: textTokens(key) })
    if (type !== 'function') {
      echo.push(t)
      continue
    }
    const name = str(t['name'])
    if (name === undefined) return missing(`tools[${i}].name`)
    const badN = badName(name, `tools[${i}].name`)
    if (badN) return badN
    const parameters = t['parameters'] ?? { type: 'object', properties: {} }
    tools.push({ name, schema: parameters })
    echo.push({ type, name, description: t['description'] ?? null, parameters, strict: t['strict'] ?? true })
  }
  return { tools, echo }
}

type Choice = { mode: ToolChoiceMode; forced: string | null; echo: unknown }

function toolChoiceOf(b: Obj, tools: ToolSpec[]): Choice | ErrorOut {
  const tc = b['tool_choice']
  if (!isSet(tc)) return { mode: tools.length > 0 ? 'auto' : 'none', forced: null, echo: 'auto' }
  if (typeof tc === 'string') {
    const bad = oneOf(tc, 'tool_choice', TOOL_CHOICES)
    if (bad) return bad
    return { mode: tc as ToolChoiceMode, forced: null, echo: tc }
  }
  if (!isObj(tc)) return badType('tool_choice', "one of an object or 'none', 'auto', or 'required'", tc)
  if (tc['type'] !== 'function') return { mode: 'auto', forced: null, echo: tc }
  const name = str(tc['name'])
  if (name === undefined) return missing('tool_choice.name')
  if (!tools.some((t) => t.name === name)) {
    return invalid("Tool choice 'function' not found in 'tools' parameter.", 'tool_choice')
  }
  return { mode: 'tool', forced: name, echo: { type: 'function', name } }
}

/** `text.format` (json_object needs the word "json" somewhere in the input) and `text.verbosity`. */
function textOf(b: Obj, jsonWord: boolean): { json: { schema: unknown } | null; echo: Obj } | ErrorOut {
  const text = b['text']
  const echo: Obj = { format: { type: 'text' }, verbosity: 'medium' }
  if (!isSet(text)) return { json: null, echo }
  if (!isObj(text)) return badType('text', 'an object', text)
  const verbosity = text['verbosity']
  const bad = extraMember(text, ['format', 'verbosity'], 'text') ?? oneOf(verbosity, 'text.verbosity', VERBOSITY)
  if (bad) return bad
  if (isSet(verbosity)) echo['verbosity'] = verbosity
  const f = text['format']
  if (!isSet(f)) return { json: null, echo }
  if (!isObj(f)) return badType('text.format', 'an object', f)
  const type = str(f['type']) ?? ''
  if (!FORMATS.includes(type)) return badValue('text.format.type', type, FORMATS)
  echo['format'] = f
  if (type === 'text') return { json: null, echo }
  if (type === 'json_object') {
    if (!jsonWord) {
      const m = "Response input messages must contain the word 'json' in some form to use 'text.format' of type"
      return invalid(`${m} 'json_object'.`, 'input')
    }
    return { json: { schema: null }, echo }
  }
  const name = str(f['name'])
  if (name === undefined) return missing('text.format.name')
  const badN = badName(name, 'text.format.name')
  if (badN) return badN
  if (!isSet(f['schema'])) return missing('text.format.schema')
  return { json: { schema: f['schema'] }, echo }
}

/** The model as named: a missing one is refused here, an unknown one by the registry (a 400 on this API). */
export function responsesModelOf(b: Obj): string | ErrorOut {
  const m = b['model']
  if (m === undefined) return missing('model')
  // The real API words a null model as "an object" (measured); other types as usual.
  if (typeof m !== 'string') return badType('model', 'a string', m === null ? {} : m)
  return m
}

/** `countOnly`: the input_tokens endpoint, which takes only the fields that shape the prompt (COUNT_KNOWN). */
export function parseResponses(
  b: Obj,
  model: ModelInfo,
  store: ResponseStore,
  countOnly = false,
): ResponsesParsed | ErrorOut {
  const err = checkParams(b, model, countOnly ? COUNT_KNOWN : KNOWN)
  if (err) return err
  const previousId = str(b['previous_response_id']) ?? null
  // Here as everywhere but `model`, null means absent.
  const input = b['input']
  if (!isSet(input) && previousId === null) return missing('input')
  const turn = isSet(input) ? readInput(input, (id) => store.item(id)) : []
  if (!Array.isArray(turn)) return turn
  const segments: Segment[] = []
  const tools = toolsOf(b, segments)
  if ('status' in tools) return tools
  const choice = toolChoiceOf(b, tools.tools)
  if ('status' in choice) return choice
  const reasoning = reasoningOf(b, model)
  if ('status' in reasoning) return reasoning
  const instructions = str(b['instructions']) ?? null
  const texts = [instructions ?? '', ...turn.map((t) => (t.kind === 'message' ? t.text : ''))]
  const jsonWord = texts.some((t) => /json/i.test(t))
  const text = textOf(b, jsonWord)
  if ('status' in text) return text

  // A stage after every field check, as on the real API: the conversation this request continues.
  let previous: StoredResponse | null = null
  if (previousId !== null) {
    previous = store.get(previousId) ?? null
    if (previous === null) {
      const message = `Previous response with id '${previousId}' not found.`
      return invalid(message, 'previous_response_id', 'previous_response_not_found', 404)
    }
  }
  const items = history(previous).concat(turn)
  const calls = checkCalls(items)
  if ('status' in calls) return calls
  // Instructions count as a system message would on chat completions.
  if (instructions !== null) {
    segments.push({ key: `s${instructions}`, tokens: MESSAGE_OVERHEAD + textTokens(instructions) })
  }
  for (const it of items) segments.push(itemSegment(it))

  const req = simRequest(b, items, calls.names, segments)
  req.tools = tools.tools
  req.toolChoice = choice.mode
  req.forcedTool = choice.forced
  req.json = text.json
  req.reasoningFactor = reasoning.factor
  const prompt = segments.reduce((s, x) => s + x.tokens, 3)
  const limit = model.contextTokens
  if (prompt > limit) {
    const m = `Your input exceeds the context window of this model. Please adjust your input and try again.`
    return invalid(m, 'input', 'context_length_exceeded')
  }
  const echo: Obj = {
    instructions,
    max_output_tokens: num(b['max_output_tokens']) ?? null,
    parallel_tool_calls: b['parallel_tool_calls'] !== false,
    previous_response_id: previousId,
    reasoning: reasoning.echo,
    temperature: num(b['temperature']) ?? 1,
    text: text.echo,
    tool_choice: choice.echo,
    tools: tools.echo,
    top_p: num(b['top_p']) ?? 1,
    truncation: str(b['truncation']) ?? 'disabled',
    user: str(b['user']) ?? null,
    metadata: isObj(b['metadata']) ? b['metadata'] : {},
  }
  return { model, req, stream: b['stream'] === true, turn, previous, echo, store: b['store'] !== false }
}

/** What generation reads from the conversation: the last user turn, or the tool results it ends with. */
function simRequest(b: Obj, items: readonly ConvItem[], names: Map<string, string>, segments: Segment[]): SimRequest {
  let lastUser = { text: '', images: 0 }
  for (const it of items) if (it.kind === 'message' && it.role === 'user') lastUser = it
  let toolResults: ToolResult[] | null = null
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i] as ConvItem
    if (it.kind !== 'output') break
    ;(toolResults ??= []).unshift({ name: names.get(it.callId) ?? '', content: it.text })
  }
  const last = items[items.length - 1]
  return {
    ...blankRequest(segments),
    lastUserText: lastUser.text,
    images: lastUser.images,
    endsWithUser: last !== undefined && last.kind === 'message' && last.role === 'user',
    toolResults,
    parallelTools: b['parallel_tool_calls'] !== false,
    maxTokens: num(b['max_output_tokens']) ?? null,
  }
}
