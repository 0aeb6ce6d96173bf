/**
 * Gemini generateContent request → provider-neutral request. The API speaks proto-JSON: camelCase and
 * snake_case field names are both accepted, and an unknown field name is a 400 ("Unknown name …:
 * Cannot find field."). Turn rules for function calling are enforced as the API does.
 * Reference: https://ai.google.dev/api/generate-content and https://ai.google.dev/gemini-api/docs/function-calling
 */
import { sniffImage } from './images.ts'
import type { ModelInfo } from './models.ts'
import { IMAGE_TOKENS, MESSAGE_OVERHEAD, textTokens } from './tokens.ts'
import type { Segment, SimRequest, ToolChoiceMode, ToolResult, ToolSpec } from './types.ts'
import { isObj, num, type Obj, str } from './values.ts'
import type { ErrorOut, Parsed } from './wire.ts'

export interface GeminiParsed extends Parsed {
  sse: boolean
}

const TOP = [
  'contents',
  'tools',
  'toolConfig',
  'safetySettings',
  'systemInstruction',
  'generationConfig',
  'cachedContent',
  'model',
]
const GEN = [
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'enableEnhancedCivicAnswers',
  'speechConfig',
  'thinkingConfig',
  'imageConfig',
  'mediaResolution',
]
const CONTENT = ['role', 'parts']
const PART = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'thought',
  'thoughtSignature',
  'executableCode',
  'codeExecutionResult',
  'videoMetadata',
]
const FN_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/
const MIME_TYPES = new Set(['text/plain', 'application/json', 'application/xml', 'application/yaml', 'text/x.enum'])

export function googleError(status: number, code: string, message: string, details?: unknown[]): ErrorOut {
  return { status, body: { error: { code: status, message, status: code, ...(details ? { details } : {}) } } }
}

export const badRequest = (message: string) => googleError(400, 'INVALID_ARGUMENT', message)

const snakeCache = new Map<string, string>()
function snake(camel: string): string {
  let s = snakeCache.get(camel)
  if (s === undefined) snakeCache.set(camel, (s = camel.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)))
  return s
}

/** Reads a field under its camelCase or snake_case name. */
export function get(o: Obj, camel: string): unknown {
  const v = o[camel]
  return v !== undefined ? v : o[snake(camel)]
}

/** Proto-JSON refuses unknown names; `at` is the snake_case path the API reports. */
export function unknownField(o: Obj, known: readonly string[], at: string | null): ErrorOut | null {
  for (const k in o) {
    const camel = k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())
    if (known.includes(camel)) continue
    const desc = `Invalid JSON payload received. Unknown name "${k}"${at ? ` at '${at}'` : ''}: Cannot find field.`
    return googleError(400, 'INVALID_ARGUMENT', desc, [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: at ?? '', description: desc }],
      },
    ])
  }
  return null
}

interface PartsInfo {
  text: string
  images: number
  keys: string
  calls: number
  responses: ToolResult[]
  /** Tokens of function calls and responses (the JSON of their arguments / results). */
  extra: number
}

function parts(c: Obj, i: number): PartsInfo | ErrorOut {
  const ps = c['parts']
  if (!Array.isArray(ps) || ps.length === 0)
    return badRequest(`* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`)
  const info: PartsInfo = { text: '', images: 0, keys: '', calls: 0, responses: [], extra: 0 }
  for (let j = 0; j < ps.length; j++) {
    const p: unknown = ps[j]
    if (!isObj(p))
      return badRequest(`Invalid JSON payload received. Expected an object at 'contents[${i}].parts[${j}]'.`)
    const e = unknownField(p, PART, `contents[${i}].parts[${j}]`)
    if (e) return e
    const text = str(p['text'])
    if (text !== undefined && p['thought'] !== true) info.text += (info.text ? '\n' : '') + text
    const inline = get(p, 'inlineData')
    if (isObj(inline)) {
      const mime = str(get(inline, 'mimeType')) ?? ''
      const data = str(inline['data']) ?? ''
      if (mime.startsWith('image/') && sniffImage(data) === null)
        return badRequest(
          'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
        )
      if (mime.startsWith('image/')) info.images++
      info.keys += data
    }
    const file = get(p, 'fileData')
    if (isObj(file)) {
      if ((str(get(file, 'mimeType')) ?? '').startsWith('image/')) info.images++
      info.keys += str(get(file, 'fileUri')) ?? ''
    }
    const call = get(p, 'functionCall')
    if (isObj(call)) {
      const j = JSON.stringify(call)
      info.calls++
      info.keys += j
      info.extra += textTokens(j) + 3
    }
    const resp = get(p, 'functionResponse')
    if (isObj(resp)) {
      const r = JSON.stringify(resp['response'] ?? {})
      info.responses.push({ name: str(resp['name']) ?? '', content: r })
      info.keys += JSON.stringify(resp)
      info.extra += textTokens(r) + 3
    }
  }
  return info
}

export function parseGemini(b: Obj, model: ModelInfo, stream: 'sse' | 'array' | undefined): GeminiParsed | ErrorOut {
  const e0 = unknownField(b, TOP, null)
  if (e0) return e0
  const gc = get(b, 'generationConfig')
  const gen: Obj = isObj(gc) ? gc : {}
  const e1 = unknownField(gen, GEN, 'generation_config')
  if (e1) return e1
  const contents = b['contents']
  if (!Array.isArray(contents) || contents.length === 0)
    return badRequest('* GenerateContentRequest.contents: contents is not specified\n')

  const segments: Segment[] = []
  const sys = get(b, 'systemInstruction')
  if (isObj(sys)) {
    const info = parts(sys, 0)
    if ('status' in info) return info
    segments.push({ key: `s${info.text}`, tokens: MESSAGE_OVERHEAD + textTokens(info.text) })
  }
  const tools: ToolSpec[] = []
  const rawTools = b['tools']
  if (Array.isArray(rawTools)) {
    rawTools.forEach((t: unknown) => {
      const decls = isObj(t) ? get(t, 'functionDeclarations') : undefined
      if (!Array.isArray(decls)) return
      for (const d of decls)
        if (isObj(d))
          tools.push({
            name: str(d['name']) ?? '',
            schema: get(d, 'parametersJsonSchema') ?? d['parameters'] ?? { type: 'object' },
          })
    })
    for (let i = 0; i < tools.length; i++) {
      const t = tools[i] as ToolSpec
      if (!FN_NAME.test(t.name)) {
        return badRequest(
          `* GenerateContentRequest.tools[0].function_declarations[${i}].name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 64.\n`,
        )
      }
      const key = JSON.stringify(t)
      segments.push({ key, tokens: textTokens(key) })
    }
  }

  let prevRole = ''
  let prevCalls = 0
  let last: { role: string; info: PartsInfo } | null = null
  let lastUser: PartsInfo | null = null
  for (let i = 0; i < contents.length; i++) {
    const c: unknown = contents[i]
    if (!isObj(c)) return badRequest(`Invalid JSON payload received. Expected an object at 'contents[${i}]'.`)
    const e = unknownField(c, CONTENT, `contents[${i}]`)
    if (e) return e
    const role = str(c['role']) ?? 'user'
    if (role !== 'user' && role !== 'model' && role !== 'function')
      return badRequest('Please use a valid role: user, model.')
    const info = parts(c, i)
    if ('status' in info) return info
    if (info.responses.length > 0) {
      if (prevRole !== 'model' || prevCalls === 0)
        return badRequest('Please ensure that function response turn comes immediately after a function call turn.')
      if (info.responses.length !== prevCalls)
        return badRequest(
          'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
        )
    }
    if (role === 'model' && info.calls > 0 && prevRole === 'model') {
      return badRequest(
        'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
      )
    }
    segments.push({
      key: `${role}\u0000${info.text}\u0000${info.keys}`,
      tokens: MESSAGE_OVERHEAD + textTokens(info.text) + info.images * IMAGE_TOKENS + info.extra,
    })
    prevRole = role === 'model' ? 'model' : 'user'
    prevCalls = role === 'model' ? info.calls : 0
    last = { role, info }
    if (role !== 'model') lastUser = info
  }

  // Tool config
  let toolChoice: ToolChoiceMode = tools.length > 0 ? 'auto' : 'none'
  let forcedTool: string | null = null
  let offered = tools
  const tc = get(b, 'toolConfig')
  const fcc = isObj(tc) ? get(tc, 'functionCallingConfig') : undefined
  if (isObj(fcc)) {
    const mode = str(fcc['mode']) ?? 'AUTO'
    const allowed = get(fcc, 'allowedFunctionNames')
    if (Array.isArray(allowed) && allowed.length > 0) {
      if (mode !== 'ANY' && mode !== 'VALIDATED') {
        return badRequest(
          '* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names is only allowed when function calling mode is ANY.\n',
        )
      }
      offered = tools.filter((t) => allowed.includes(t.name))
    }
    if (mode === 'NONE') toolChoice = 'none'
    else if (mode === 'ANY') toolChoice = 'required'
    if (toolChoice === 'required' && offered.length === 1) {
      toolChoice = 'tool'
      forcedTool = (offered[0] as ToolSpec).name
    }
  }

  // Generation config
  const temperature = num(gen['temperature'])
  if (temperature !== undefined && (temperature < 0 || temperature > 2))
    return badRequest('* GenerateContentRequest.generation_config.temperature: must be in the range [0.0, 2.0].\n')
  const candidates = num(get(gen, 'candidateCount')) ?? 1
  if (candidates < 1 || candidates > 8)
    return badRequest('* GenerateContentRequest.generation_config.candidate_count: must be in the range [1, 8].\n')
  const stopList = get(gen, 'stopSequences')
  // https://ai.google.dev/api/generate-content#generationconfig: at most 5.
  if (Array.isArray(stopList) && stopList.length > 5)
    return badRequest(
      '* GenerateContentRequest.generation_config.stop_sequences: the number of stop_sequences must not exceed 5.\n',
    )
  const mime = str(get(gen, 'responseMimeType'))
  if (mime !== undefined && !MIME_TYPES.has(mime)) {
    return badRequest(
      '* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.\n',
    )
  }
  const schema = get(gen, 'responseJsonSchema') ?? get(gen, 'responseSchema')
  if (schema !== undefined && mime !== 'application/json' && mime !== 'text/x.enum') {
    return badRequest(
      '* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be `application/json` or `text/x.enum` when response_schema is set.\n',
    )
  }
  const thinking = get(gen, 'thinkingConfig')
  const budget = isObj(thinking) ? num(get(thinking, 'thinkingBudget')) : undefined
  if (budget === 0 && model.thinkingRequired)
    return badRequest('Budget 0 is invalid. This model only works in thinking mode.')
  const prompt = segments.reduce((s, x) => s + x.tokens, 3)
  if (prompt > model.contextTokens)
    return badRequest(
      `The input token count (${prompt}) exceeds the maximum number of tokens allowed (${model.contextTokens}).`,
    )

  const stops = get(gen, 'stopSequences')
  const lastInfo = last as { role: string; info: PartsInfo }
  const req: SimRequest = {
    segments,
    lastUserText: lastUser?.text ?? '',
    images: lastUser?.images ?? 0,
    endsWithUser: lastInfo.role !== 'model' && lastInfo.info.responses.length === 0,
    toolResults: lastInfo.info.responses.length > 0 ? lastInfo.info.responses : null,
    tools: offered,
    toolChoice,
    forcedTool,
    parallelTools: true,
    json: mime === 'application/json' ? { schema: schema ?? null } : null,
    maxTokens: num(get(gen, 'maxOutputTokens')) ?? null,
    stop: Array.isArray(stops) ? stops.filter((s): s is string => typeof s === 'string') : [],
    choices: candidates,
    userSeed: num(gen['seed']) ?? null,
    reasoningFactor: budget === 0 ? 0 : 2,
    reasoningBudget: budget !== undefined && budget > 0 ? budget : null,
    // Thought summaries come back only when asked: https://ai.google.dev/gemini-api/docs/thinking#summaries
    thinkingBlock: isObj(thinking) && get(thinking, 'includeThoughts') === true && budget !== 0,
  }
  return { model, req, stream: stream !== undefined, sse: stream === 'sse' }
}
