/**
 * OpenAI Chat Completions request → provider-neutral request, validated the way the real API does
 * (https://platform.openai.com/docs/api-reference/chat/create): unknown arguments, roles, tool-call
 * sequencing, reasoning-model restrictions, limits, JSON mode and image data are all 400s there.
 */
import { parseDataUrl, sniffImage } from './images.ts'
import type { ModelInfo } from './models.ts'
import { IMAGE_TOKENS, MESSAGE_OVERHEAD, textTokens } from './tokens.ts'
import type { Segment, SimRequest, ToolChoiceMode, ToolResult, ToolSpec } from './types.ts'
import { isObj, num, type Obj, str, typeName } from './values.ts'
import type { ErrorOut, Parsed } from './wire.ts'

export interface OpenAIParsed extends Parsed {
  includeUsage: boolean
}

const KNOWN = new Set(
  (
    'model messages stream stream_options temperature top_p max_tokens max_completion_tokens stop n seed user tools ' +
    'tool_choice parallel_tool_calls response_format frequency_penalty presence_penalty logprobs top_logprobs ' +
    'logit_bias metadata store reasoning_effort verbosity service_tier modalities audio prediction ' +
    'web_search_options functions function_call safety_identifier prompt_cache_key prompt_cache_retention'
  ).split(' '),
)
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function'])
/** The content part types each role takes. */
const PART_TYPES: Readonly<Record<string, readonly string[]>> = {
  system: ['text'],
  developer: ['text'],
  user: ['text', 'image_url', 'input_audio', 'file'],
  assistant: ['text', 'refusal'],
  tool: ['text'],
  function: ['text'],
}
/** Function and json_schema names: letters, digits, `_` and `-`, at most 64 of them. */
const NAME = /^[a-zA-Z0-9_-]+$/
const NAME_MAX = 64
const MAX_CONTENT_STRING = 1_048_576
export const EFFORT: Record<string, number> = { none: 0, minimal: 0, low: 1, medium: 2, high: 4, xhigh: 6 }

export function invalid(
  message: string,
  param: string | null = null,
  code: string | null = null,
  status = 400,
): ErrorOut {
  return { status, body: { error: { message, type: 'invalid_request_error', param, code } } }
}

export const missing = (p: string) => invalid(`Missing required parameter: '${p}'.`, p, 'missing_required_parameter')

/** `'a', 'b', and 'c'`: the real API's list of supported values. */
export function supported(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`)
  return q.length <= 2 ? q.join(' and ') : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`
}

/** A function or json_schema name: the real API's length and pattern errors. */
export function badName(name: string, p: string): ErrorOut | null {
  if (name.length > NAME_MAX)
    return invalid(
      `Invalid '${p}': string too long. Expected a string with maximum length ${NAME_MAX}, but got a string with length ${name.length} instead.`,
      p,
      'string_above_max_length',
    )
  if (!NAME.test(name))
    return invalid(
      `Invalid '${p}': string does not match pattern. Expected a string that matches the pattern '${NAME.source}'.`,
      p,
      'invalid_value',
    )
  return null
}

/** Text of a content value (string or parts), images counted; null when it is malformed. */
function content(
  v: unknown,
  path: string,
  out: { text: string; images: number; keys: string },
  types: readonly string[] = PART_TYPES['user']!,
): ErrorOut | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') {
    if (v.length > MAX_CONTENT_STRING) {
      return invalid(
        `Invalid '${path}': string too long. Expected a string with maximum length ${MAX_CONTENT_STRING}, but got a string with length ${v.length} instead.`,
        path,
        'string_above_max_length',
      )
    }
    out.text += v
    return null
  }
  if (!Array.isArray(v))
    return invalid(
      `Invalid type for '${path}': expected one of a string or array of objects, but got ${typeName(v)} instead.`,
      path,
      'invalid_type',
    )
  for (let j = 0; j < v.length; j++) {
    const part: unknown = v[j]
    const pp = `${path}[${j}]`
    if (!isObj(part))
      return invalid(
        `Invalid type for '${pp}': expected an object, but got ${typeName(part)} instead.`,
        pp,
        'invalid_type',
      )
    const type = str(part['type'])
    if (type === undefined) return missing(`${pp}.type`)
    if (!types.includes(type))
      return invalid(
        `Invalid value: '${type}'. Supported values are: ${supported(types)}.`,
        `${pp}.type`,
        'invalid_value',
      )
    if (type === 'text') {
      const t = str(part['text'])
      if (t === undefined) return missing(`${pp}.text`)
      out.text += (out.text && !out.text.endsWith('\n') ? '\n' : '') + t
    } else if (type === 'image_url') {
      const url = isObj(part['image_url']) ? str(part['image_url']['url']) : undefined
      if (url === undefined) return missing(`${pp}.image_url.url`)
      const data = parseDataUrl(url)
      if (data) {
        if (sniffImage(data.data) === null) {
          return invalid(
            "You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
            null,
            'invalid_image_format',
          )
        }
      } else if (!/^https?:\/\//.test(url)) {
        return invalid(
          `Invalid '${pp}.image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value without the 'data:' prefix.`,
          `${pp}.image_url.url`,
          'invalid_value',
        )
      }
      out.images++
      out.keys += url
    } else if (type === 'refusal') {
      out.text += str(part['refusal']) ?? ''
    } else {
      out.images++ // audio and files are counted like images
      out.keys += JSON.stringify(part)
    }
  }
  return null
}

/** `extraFields`: take request fields OpenAI does not know (an OpenAI-compatible server's own), unchecked. */
export function parseOpenAI(b: Obj, model: ModelInfo, extraFields = false): OpenAIParsed | ErrorOut {
  if (!extraFields) for (const k in b) if (!KNOWN.has(k)) return invalid(`Unrecognized request argument supplied: ${k}`)
  // OpenAI's chat models (gpt-4.1, gpt-4o…) refuse reasoning_effort (mozilla-ai/any-llm#270); a compatible
  // server's models may take it.
  if (!extraFields && !model.reasoning && isSet(b['reasoning_effort'])) return unsupported('reasoning_effort')
  const msgs = b['messages']
  if (msgs === undefined) return missing('messages')
  if (!Array.isArray(msgs))
    return invalid(
      `Invalid type for 'messages': expected an array of objects, but got ${typeName(msgs)} instead.`,
      'messages',
      'invalid_type',
    )
  if (msgs.length === 0)
    return invalid(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    )

  const err = checkParams(b, model)
  if (err) return err

  const tools: ToolSpec[] = []
  const segments: Segment[] = []
  const rawTools = b['tools']
  if (rawTools !== undefined && rawTools !== null) {
    if (!Array.isArray(rawTools))
      return invalid(
        `Invalid type for 'tools': expected an array of objects, but got ${typeName(rawTools)} instead.`,
        'tools',
        'invalid_type',
      )
    if (rawTools.length === 0)
      return invalid(
        "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        'tools',
        'empty_array',
      )
    for (let i = 0; i < rawTools.length; i++) {
      const t: unknown = rawTools[i]
      if (!isObj(t))
        return invalid(
          `Invalid type for 'tools[${i}]': expected an object, but got ${typeName(t)} instead.`,
          `tools[${i}]`,
          'invalid_type',
        )
      if (t['type'] === 'custom') continue
      const fn = t['function']
      if (!isObj(fn)) return missing(`tools[${i}].function`)
      const name = str(fn['name'])
      if (name === undefined) return missing(`tools[${i}].function.name`)
      const bad = badName(name, `tools[${i}].function.name`)
      if (bad) return bad
      tools.push({ name, schema: fn['parameters'] ?? { type: 'object', properties: {} } })
      const key = JSON.stringify(fn)
      segments.push({ key, tokens: textTokens(key) })
    }
  }

  // Messages: validate roles and tool-call sequencing, build segments, find the last user turn.
  const callNames = new Map<string, string>()
  let pending: Set<string> | null = null
  let pendingAt = -1
  let lastUser = { text: '', images: 0, keys: '' }
  // Only JSON mode needs to know whether the word "json" appears (the real API requires it there).
  const wantsJsonWord = isObj(b['response_format']) && b['response_format']['type'] === 'json_object'
  let jsonWord = false
  for (let i = 0; i < msgs.length; i++) {
    const m: unknown = msgs[i]
    if (!isObj(m))
      return invalid(
        `Invalid type for 'messages[${i}]': expected an object, but got ${typeName(m)} instead.`,
        `messages[${i}]`,
        'invalid_type',
      )
    const role = str(m['role'])
    if (role === undefined) return missing(`messages[${i}].role`)
    if (!ROLES.has(role))
      return invalid(
        `Invalid value: '${role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${i}].role`,
        'invalid_value',
      )
    if (role === 'tool') {
      const id = str(m['tool_call_id'])
      if (id === undefined) return missing(`messages[${i}].tool_call_id`)
      if (pending === null)
        return invalid(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        )
      if (!callNames.has(id))
        return invalid(
          `Invalid parameter: 'tool_call_id' of '${id}' not found in 'tool_calls' of previous message.`,
          `messages.[${i}].tool_call_id`,
        )
      pending.delete(id)
    } else if (pending !== null && pending.size > 0) {
      return invalid(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
        `messages.[${pendingAt}].role`,
      )
    } else pending = null
    if ((role === 'user' || role === 'system' || role === 'developer') && m['content'] === undefined)
      return missing(`messages[${i}].content`)
    const c = { text: '', images: 0, keys: '' }
    const e = content(m['content'], `messages[${i}].content`, c, PART_TYPES[role])
    if (e) return e
    if (wantsJsonWord && !jsonWord && /json/i.test(c.text)) jsonWord = true
    let extra = role === 'tool' ? 3 : 0
    if (role === 'assistant' && Array.isArray(m['tool_calls']) && m['tool_calls'].length > 0) {
      pending = new Set()
      pendingAt = i
      callNames.clear()
      for (const tc of m['tool_calls'] as unknown[]) {
        const id = isObj(tc) ? str(tc['id']) : undefined
        const fn = isObj(tc) && isObj(tc['function']) ? tc['function'] : null
        if (id === undefined || fn === null) return missing(`messages[${i}].tool_calls[0].id`)
        callNames.set(id, str(fn['name']) ?? '')
        pending.add(id)
        const args = str(fn['arguments']) ?? ''
        c.keys += id + (str(fn['name']) ?? '') + args
        extra += textTokens(args) + 3
      }
    }
    if (role === 'user') lastUser = c
    const key = `${role}\u0000${c.text}\u0000${c.keys}${role === 'tool' ? String(m['tool_call_id']) : ''}`
    segments.push({ key, tokens: MESSAGE_OVERHEAD + textTokens(c.text) + c.images * IMAGE_TOKENS + extra })
  }
  if (pending !== null && pending.size > 0) {
    return invalid(
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
      `messages.[${pendingAt}].role`,
    )
  }

  const last = msgs[msgs.length - 1] as Obj
  let toolResults: ToolResult[] | null = null
  if (last['role'] === 'tool') {
    toolResults = []
    for (let i = msgs.length - 1; i >= 0 && (msgs[i] as Obj)['role'] === 'tool'; i--) {
      const m = msgs[i] as Obj
      const c = { text: '', images: 0, keys: '' }
      content(m['content'], '', c)
      toolResults.unshift({ name: callNames.get(String(m['tool_call_id'])) ?? '', content: c.text })
    }
  }

  // tool_choice and response_format
  let toolChoice: ToolChoiceMode = tools.length > 0 ? 'auto' : 'none'
  let forcedTool: string | null = null
  const tc = b['tool_choice']
  if (rawTools === undefined || rawTools === null) {
    for (const p of ['tool_choice', 'parallel_tool_calls'] as const) {
      if (b[p] !== undefined && b[p] !== null)
        return invalid(`Invalid value for '${p}': '${p}' is only allowed when 'tools' are specified.`, p)
    }
  }
  if (tc !== undefined && tc !== null) {
    if (typeof tc === 'string') {
      if (tc !== 'none' && tc !== 'auto' && tc !== 'required')
        return invalid(
          `Invalid value: '${tc}'. Supported values are: 'none', 'auto', and 'required'.`,
          'tool_choice',
          'invalid_value',
        )
      toolChoice = tc
    } else if (isObj(tc) && tc['type'] === 'function') {
      const name = isObj(tc['function']) ? str(tc['function']['name']) : undefined
      if (name === undefined) return missing('tool_choice.function.name')
      if (!tools.some((t) => t.name === name))
        return invalid(
          `Invalid value for 'tool_choice': function '${name}' is not among the 'tools' provided.`,
          'tool_choice',
          'invalid_value',
        )
      toolChoice = 'tool'
      forcedTool = name
    }
  }
  let json: { schema: unknown } | null = null
  const rf = b['response_format']
  if (isObj(rf)) {
    if (rf['type'] === 'json_object') {
      if (!jsonWord)
        return invalid(
          "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
          'messages',
        )
      json = { schema: null }
    } else if (rf['type'] === 'json_schema') {
      const js = rf['json_schema']
      if (!isObj(js)) return missing('response_format.json_schema')
      const name = str(js['name'])
      if (name === undefined) return missing('response_format.json_schema.name')
      const bad = badName(name, 'response_format.json_schema.name')
      if (bad) return bad
      json = { schema: js['schema'] ?? null }
    } else if (rf['type'] !== 'text') {
      return invalid(
        `Invalid value: '${String(rf['type'])}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
        'response_format.type',
        'invalid_value',
      )
    }
  }

  const stop = b['stop']
  const stream = b['stream'] === true
  const so = b['stream_options']
  if (so !== undefined && so !== null && !stream)
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options')
  const req: SimRequest = {
    segments,
    lastUserText: lastUser.text,
    images: lastUser.images,
    endsWithUser: last['role'] === 'user',
    toolResults,
    tools,
    toolChoice,
    forcedTool,
    parallelTools: b['parallel_tool_calls'] !== false,
    json,
    maxTokens: num(b['max_completion_tokens']) ?? num(b['max_tokens']) ?? null,
    stop:
      typeof stop === 'string'
        ? [stop]
        : Array.isArray(stop)
          ? stop.filter((s): s is string => typeof s === 'string')
          : [],
    choices: num(b['n']) ?? 1,
    userSeed: num(b['seed']) ?? null,
    reasoningFactor: EFFORT[str(b['reasoning_effort']) ?? 'medium'] ?? 2,
    reasoningBudget: null,
    thinkingBlock: false,
  }
  const prompt = segments.reduce((s, x) => s + x.tokens, 3)
  if (prompt > model.contextTokens) {
    return invalid(
      `This model's maximum context length is ${model.contextTokens} tokens. However, your messages resulted in ${prompt} tokens. Please reduce the length of the messages.`,
      'messages',
      'context_length_exceeded',
    )
  }
  if (req.maxTokens !== null && prompt + req.maxTokens > model.contextTokens) {
    return invalid(
      `This model's maximum context length is ${model.contextTokens} tokens. However, you requested ${prompt + req.maxTokens} tokens (${prompt} in the messages, ${req.maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      'messages',
      'context_length_exceeded',
    )
  }
  return { model, req, stream, includeUsage: stream && isObj(so) && so['include_usage'] === true }
}

const unsupported = (p: string) =>
  invalid(`Unsupported parameter: '${p}' is not supported with this model.`, p, 'unsupported_parameter')
const isSet = (v: unknown) => v !== undefined && v !== null

/**
 * What a reasoning model refuses, worded as OpenAI words it (https://platform.openai.com/docs/guides/reasoning;
 * the wordings come from reports: openai-python#2046, OpenHands#4131, chatbox#1830, fast-agent#279, smolagents#1893).
 */
function reasoningRefusal(b: Obj, id: string): ErrorOut | null {
  const oSeries = /^o\d/.test(id)
  if (isSet(b['max_tokens'])) {
    return invalid(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'max_tokens',
      'unsupported_parameter',
    )
  }
  const t = b['temperature']
  if (isSet(t) && t !== 1) {
    // o3-mini refuses the parameter outright; the others name the value.
    if (id === 'o3-mini') return unsupported('temperature')
    return invalid(
      `Unsupported value: 'temperature' does not support ${String(t)} with this model. Only the default (1) value is supported.`,
      'temperature',
      'unsupported_value',
    )
  }
  if (isSet(b['top_p']) && b['top_p'] !== 1) return unsupported('top_p')
  for (const p of ['presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs', 'logit_bias'] as const)
    if (isSet(b[p])) return unsupported(p)
  // The o-series refuses parallel_tool_calls even when false; gpt-5 takes it.
  if (oSeries && isSet(b['parallel_tool_calls'])) return unsupported('parallel_tool_calls')
  // Every reasoning model but o3-mini refuses stop sequences.
  if (id !== 'o3-mini' && isSet(b['stop'])) return unsupported('stop')
  return null
}

/** Scalar parameters: ranges, and what reasoning models (o-series, gpt-5*) refuse. */
function checkParams(b: Obj, model: ModelInfo): ErrorOut | null {
  if (model.reasoning) {
    const refused = reasoningRefusal(b, model.id)
    if (refused) return refused
  }
  const ranges: Array<[string, number, number, boolean]> = [
    ['temperature', 0, 2, false],
    ['top_p', 0, 1, false],
    ['presence_penalty', -2, 2, false],
    ['frequency_penalty', -2, 2, false],
    ['n', 1, 128, true],
    ['max_tokens', 1, Infinity, true],
    ['max_completion_tokens', 1, Infinity, true],
    ['top_logprobs', 0, 20, true],
    ['seed', -Infinity, Infinity, true],
  ]
  for (const [p, lo, hi, int] of ranges) {
    const v = b[p]
    if (v === undefined || v === null) continue
    const kind = int ? 'integer' : 'decimal'
    if (typeof v !== 'number' || (int && !Number.isInteger(v)))
      return invalid(
        `Invalid type for '${p}': expected ${int ? 'an integer' : 'a decimal'}, but got ${typeName(v)} instead.`,
        p,
        'invalid_type',
      )
    if (v < lo)
      return invalid(
        `Invalid '${p}': ${kind} below minimum value. Expected a value >= ${lo}, but got ${v} instead.`,
        p,
        `${kind}_below_min_value`,
      )
    if (v > hi)
      return invalid(
        `Invalid '${p}': ${kind} above maximum value. Expected a value <= ${hi}, but got ${v} instead.`,
        p,
        `${kind}_above_max_value`,
      )
  }
  for (const p of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = num(b[p])
    if (v !== undefined && v > model.maxOutputTokens) {
      return invalid(
        `${p} is too large: ${v}. This model supports at most ${model.maxOutputTokens} completion tokens, whereas you provided ${v}.`,
        p,
        'invalid_value',
      )
    }
  }
  if (b['top_logprobs'] !== undefined && b['top_logprobs'] !== null && b['logprobs'] !== true) {
    return invalid("The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.", 'top_logprobs')
  }
  const err = checkMaps(b)
  if (err) return err
  const stop = b['stop']
  if (Array.isArray(stop) && stop.length > 4)
    return invalid(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${stop.length} instead.`,
      'stop',
      'array_above_max_length',
    )
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !Array.isArray(stop))
    return invalid(
      `Invalid type for 'stop': expected one of a string or array of strings, but got ${typeName(stop)} instead.`,
      'stop',
      'invalid_type',
    )
  return null
}

/** `logit_bias` (token ids to -100…100) and `metadata` (16 pairs, keys up to 64, values up to 512 characters). */
function checkMaps(b: Obj): ErrorOut | null {
  const bias = b['logit_bias']
  if (bias !== undefined && bias !== null) {
    if (!isObj(bias))
      return invalid(
        `Invalid type for 'logit_bias': expected an object, but got ${typeName(bias)} instead.`,
        'logit_bias',
        'invalid_type',
      )
    for (const [k, v] of Object.entries(bias)) {
      if (!/^\d+$/.test(k))
        return invalid(
          `Invalid key in 'logit_bias': ${k}. You should only be submitting non-negative integers.`,
          'logit_bias',
        )
      const p = `logit_bias.${k}`
      if (typeof v !== 'number')
        return invalid(
          `Invalid type for '${p}': expected a decimal, but got ${typeName(v)} instead.`,
          p,
          'invalid_type',
        )
      if (v < -100)
        return invalid(
          `Invalid '${p}': decimal below minimum value. Expected a value >= -100, but got ${v} instead.`,
          p,
          'decimal_below_min_value',
        )
      if (v > 100)
        return invalid(
          `Invalid '${p}': decimal above maximum value. Expected a value <= 100, but got ${v} instead.`,
          p,
          'decimal_above_max_value',
        )
    }
  }
  const meta = b['metadata']
  if (meta === undefined || meta === null) return null
  if (!isObj(meta))
    return invalid(
      `Invalid type for 'metadata': expected an object, but got ${typeName(meta)} instead.`,
      'metadata',
      'invalid_type',
    )
  const pairs = Object.entries(meta)
  if (pairs.length > 16) {
    return invalid(
      `Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${pairs.length} properties instead.`,
      'metadata',
      'object_above_max_properties',
    )
  }
  for (const [k, v] of pairs) {
    const p = `metadata.${k}`
    if (typeof v !== 'string')
      return invalid(`Invalid type for '${p}': expected a string, but got ${typeName(v)} instead.`, p, 'invalid_type')
    if (v.length > 512)
      return invalid(
        `Invalid '${p}': string too long. Expected a string with maximum length 512, but got a string with length ${v.length} instead.`,
        p,
        'string_above_max_length',
      )
    if (k.length > 64) {
      const shown = `${k.slice(0, 3)}...${k.slice(-3)}`
      return invalid(
        `Invalid property name in 'metadata': '${shown}' is too long. Expected a string with maximum length 64, but got a string with length ${k.length} instead.`,
        p,
        'property_name_above_max_length',
      )
    }
  }
  return null
}
