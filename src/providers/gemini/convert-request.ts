/**
 * OpenAI chat request → Gemini `GenerateContentRequest`. Pure. What Gemini cannot do is a 400 naming the
 * parameter when it would change the answer, else a warning. Nothing is clamped.
 * https://ai.google.dev/api/generate-content#request-body
 */
import {
  type ChatMessage,
  type ChatRequest,
  contentText,
  maxOutputTokens,
  stopSequences,
  type ToolDef,
  type UserContent,
} from '../openai-schema.ts'
import { tooManyStops } from '../provider-errors.ts'
import { unknownEffort } from '../reasoning-effort.ts'
import type { Target } from '../types.ts'
import { SchemaError, toGeminiSchema } from './convert-schema.ts'
import { invalidRequest, notForGemini } from './errors.ts'
import type {
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequest,
  GeminiToolConfig,
} from './gemini-types.ts'
import { thinkingConfig } from './thinking-config.ts'

export interface GeminiRequestPlan {
  body: GeminiRequest
  /** Parameters that were dropped or approximated (the server sends them in `x-headroom-warning`). */
  warnings: string[]
}

/** `generationConfig.stopSequences` takes at most 5 (https://ai.google.dev/api/generate-content#generationconfig). */
const MAX_STOP_SEQUENCES = 5

/**
 * input_audio formats → the audio MIME types Gemini reads
 * (https://ai.google.dev/gemini-api/docs/audio#supported-formats).
 */
const AUDIO_MIME: Readonly<Record<string, string>> = {
  wav: 'audio/wav',
  mp3: 'audio/mp3',
  aiff: 'audio/aiff',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
}

/** Image URL extensions → MIME type for `fileData`; Gemini needs one and a URL carries none. */
const IMAGE_MIME: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
}

/** OpenAI parameters with no Gemini counterpart that are safe to leave out: each becomes a warning when set. */
const IGNORED: ReadonlyArray<readonly [param: string, isSet: (v: unknown) => boolean]> = [
  ['user', (v) => v != null],
  // true is Gemini's own behaviour (it may return several calls at once); only false asks for something else.
  ['parallel_tool_calls', (v) => v === false],
  ['logit_bias', (v) => v != null && typeof v === 'object' && Object.keys(v).length > 0],
  ['logprobs', (v) => v === true],
  ['top_logprobs', (v) => v != null],
  ['metadata', (v) => v != null],
  ['store', (v) => v === true],
  ['service_tier', (v) => v != null],
  ['safety_identifier', (v) => v != null],
  ['prompt_cache_key', (v) => v != null],
  ['verbosity', (v) => v != null],
  ['prediction', (v) => v != null],
  ['web_search_options', (v) => v != null],
  ['audio', (v) => v != null],
  ['modalities', (v) => Array.isArray(v) && v.some((m) => m !== 'text')],
]

export function toGeminiRequest(req: ChatRequest, target: Pick<Target, 'provider' | 'model'>): GeminiRequestPlan {
  const provider = target.provider
  const effort = unknownEffort(req, provider)
  if (effort) throw effort
  const warnings: string[] = []
  const extra = req as Record<string, unknown>
  for (const [param, isSet] of IGNORED) {
    if (isSet(extra[param])) warnings.push(`${param} is not supported by Gemini and was not sent`)
  }
  if (extra['functions'] != null || extra['function_call'] != null) {
    throw notForGemini(
      provider,
      'functions/function_call (deprecated) are not translated for Gemini; send tools/tool_choice',
      'functions',
    )
  }

  const body: GeminiRequest = { contents: toContents(req.messages, provider, warnings) }
  const system = req.messages.flatMap((m) =>
    m.role === 'system' || m.role === 'developer' ? [contentText(m.content)] : [],
  )
  const systemParts = system.filter((t) => t.length > 0).map((text) => ({ text }))
  if (systemParts.length > 0) body.systemInstruction = { parts: systemParts }
  if (req.tools && req.tools.length > 0)
    body.tools = [{ functionDeclarations: req.tools.map((t, k) => declaration(t, k, provider, warnings)) }]
  const toolConfig = toToolConfig(req, provider)
  if (toolConfig) body.toolConfig = toolConfig
  const config = generationConfig(req, provider, warnings)
  const thinking = thinkingConfig(req, target.model, warnings)
  if (thinking) config.thinkingConfig = thinking
  if (Object.keys(config).length > 0) body.generationConfig = config
  return { body, warnings }
}

function toContents(messages: readonly ChatMessage[], provider: string, warnings: string[]): GeminiContent[] {
  const contents: GeminiContent[] = []
  /** Gemini's functionResponse has no call id, only the function name: recovered from the earlier call. */
  const callNames = new Map<string, string>()
  let named = false
  const push = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    if (parts.length === 0) return
    const last = contents.at(-1)
    // Consecutive same-role turns become one (tool results and the user text after them included).
    if (last?.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
  }
  messages.forEach((m, i) => {
    if ('name' in m && m.name != null) named = true
    switch (m.role) {
      case 'system':
      case 'developer':
        break // → systemInstruction
      case 'user':
        push(
          'user',
          typeof m.content === 'string'
            ? text(m.content)
            : m.content.flatMap((p, j) => userPart(p, `messages[${i}].content[${j}]`, provider, warnings)),
        )
        break
      case 'assistant': {
        const parts: GeminiPart[] =
          typeof m.content === 'string'
            ? text(m.content)
            : (m.content ?? []).flatMap((p) => text(p.type === 'text' ? p.text : p.refusal))
        if (m.content == null && m.refusal != null) parts.push(...text(m.refusal))
        ;(m.tool_calls ?? []).forEach((call, k) => {
          callNames.set(call.id, call.function.name)
          parts.push({
            functionCall: {
              name: call.function.name,
              args: parseArgs(call.function.arguments, `messages[${i}].tool_calls[${k}].function.arguments`, provider),
            },
          })
        })
        push('model', parts)
        break
      }
      case 'tool': {
        const name = callNames.get(m.tool_call_id)
        if (name === undefined) {
          throw invalidRequest(
            provider,
            `messages[${i}].tool_call_id "${m.tool_call_id}" matches no tool call of an earlier assistant message; Gemini needs the function name`,
            `messages[${i}].tool_call_id`,
          )
        }
        push('user', [{ functionResponse: { name, response: toolResponse(contentText(m.content)) } }])
        break
      }
      default: {
        const _exhaustive: never = m
      }
    }
  })
  if (named) warnings.push('messages[].name is not supported by Gemini and was not sent')
  if (contents.length === 0)
    throw notForGemini(
      provider,
      'Gemini needs at least one user or assistant message besides system messages',
      'messages',
    )
  return contents
}

/** Gemini rejects empty text parts ("contents.parts must not be empty"); an empty string carries nothing. */
function text(s: string): GeminiPart[] {
  return s.length > 0 ? [{ text: s }] : []
}

function userPart(p: UserContent, param: string, provider: string, warnings: string[]): GeminiPart[] {
  switch (p.type) {
    case 'text':
      return text(p.text)
    case 'image_url': {
      const { url, detail } = p.image_url
      if (detail != null && detail !== 'auto' && !warnings.includes(DETAIL_WARNING)) warnings.push(DETAIL_WARNING)
      const inline = dataUrl(url)
      if (inline) return [{ inlineData: inline }]
      if (/^(https?|gs):\/\//i.test(url)) return [{ fileData: { mimeType: imageMime(url), fileUri: url } }]
      throw invalidRequest(
        provider,
        `${param}.image_url.url must be a base64 data: URL or an http(s):// or gs:// URL`,
        `${param}.image_url.url`,
      )
    }
    case 'input_audio': {
      const mimeType = AUDIO_MIME[p.input_audio.format.toLowerCase()]
      if (!mimeType) {
        throw notForGemini(
          provider,
          `${param}.input_audio.format "${p.input_audio.format}" is not an audio format Gemini reads (${Object.keys(AUDIO_MIME).join(', ')})`,
          `${param}.input_audio.format`,
        )
      }
      return [{ inlineData: { mimeType, data: p.input_audio.data } }]
    }
    case 'file': {
      const inline = p.file.file_data ? dataUrl(p.file.file_data) : undefined
      if (inline) return [{ inlineData: inline }]
      throw notForGemini(
        provider,
        `${param}.file must carry file_data as a base64 data: URL for Gemini (file_id refers to OpenAI's file store)`,
        `${param}.file`,
      )
    }
    default: {
      const _exhaustive: never = p
      return _exhaustive
    }
  }
}

const DETAIL_WARNING = 'image_url.detail is not supported by Gemini and was not sent'

/** `data:<mime>;base64,<data>` → inlineData; undefined for anything else. */
function dataUrl(url: string): { mimeType: string; data: string } | undefined {
  const m = /^data:([^;,]+)((?:;[^;,]*)*);base64,(.*)$/is.exec(url)
  return m ? { mimeType: m[1]!.toLowerCase(), data: m[3]! } : undefined
}

function imageMime(url: string): string {
  let path = url
  try {
    path = new URL(url).pathname
  } catch {
    // gs:// and odd URLs: the raw string's extension will do
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase()
  return (ext && IMAGE_MIME[ext]) || 'image/jpeg'
}

function parseArgs(args: string, param: string, provider: string): Record<string, unknown> {
  // Some clients send "" for a call without arguments: that is the empty object, not an error.
  if (args.trim() === '') return {}
  let v: unknown
  try {
    v = JSON.parse(args)
  } catch {
    throw notForGemini(provider, `${param} is not valid JSON, which Gemini needs`, param)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw notForGemini(provider, `${param} must be a JSON object for Gemini`, param)
  return v as Record<string, unknown>
}

/**
 * `functionResponse.response` must be an object: a tool result that is one is sent as is, anything
 * else (text, an array, a number) as `{content: <text>}`, as LiteLLM does.
 * https://ai.google.dev/api/caching#FunctionResponse
 */
export function toolResponse(content: string): Record<string, unknown> {
  const t = content.trim()
  if (t.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(t)
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
    } catch {
      // not JSON after all: sent as text
    }
  }
  return { content }
}

function declaration(tool: ToolDef, k: number, provider: string, warnings: string[]): GeminiFunctionDeclaration {
  const fn = tool.function
  const out: GeminiFunctionDeclaration = { name: fn.name }
  if (fn.description != null) out.description = fn.description
  if (fn.parameters != null) {
    const param = `tools[${k}].function.parameters`
    const { schema, dropped } = convertSchema(fn.parameters, param, provider)
    if (dropped.length > 0) warnings.push(`${param}: Gemini cannot express ${dropped.join(', ')}; not sent`)
    // Gemini rejects an OBJECT with no properties; a function without arguments declares no parameters.
    if (!(schema.type === 'object' && schema.properties === undefined && schema.anyOf === undefined))
      out.parameters = schema
  }
  return out
}

function convertSchema(
  schema: Record<string, unknown>,
  param: string,
  provider: string,
): ReturnType<typeof toGeminiSchema> {
  try {
    return toGeminiSchema(schema)
  } catch (err) {
    if (err instanceof SchemaError) throw notForGemini(provider, `${param}: ${err.message}`, param)
    throw err
  }
}

function toToolConfig(req: ChatRequest, provider: string): GeminiToolConfig | undefined {
  const choice = req.tool_choice
  if (choice == null) return undefined
  const names = (req.tools ?? []).map((t) => t.function.name)
  if (names.length === 0) {
    if (choice === 'none' || choice === 'auto') return undefined
    throw invalidRequest(provider, 'tool_choice asks for a tool call but no tools were sent', 'tool_choice')
  }
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } }
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } }
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } }
  const name = choice.function.name
  if (!names.includes(name))
    throw invalidRequest(provider, `tool_choice names function "${name}", which is not in tools`, 'tool_choice')
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } }
}

function generationConfig(req: ChatRequest, provider: string, warnings: string[]): GeminiGenerationConfig {
  const c: GeminiGenerationConfig = {}
  if (req.temperature != null) c.temperature = req.temperature
  if (req.top_p != null) c.topP = req.top_p
  const max = maxOutputTokens(req)
  if (max !== undefined) c.maxOutputTokens = max
  const stop = stopSequences(req.stop)
  if (stop.length > MAX_STOP_SEQUENCES) throw tooManyStops(provider, stop.length, MAX_STOP_SEQUENCES)
  if (stop.length > 0) c.stopSequences = stop
  if (req.n != null) c.candidateCount = req.n
  if (req.seed != null) c.seed = req.seed
  if (req.presence_penalty != null) c.presencePenalty = req.presence_penalty
  if (req.frequency_penalty != null) c.frequencyPenalty = req.frequency_penalty
  const format = req.response_format
  if (format?.type === 'json_object') c.responseMimeType = 'application/json'
  if (format?.type === 'json_schema') {
    c.responseMimeType = 'application/json'
    const schema = format.json_schema.schema
    if (schema != null) {
      const param = 'response_format.json_schema.schema'
      const conv = convertSchema(schema, param, provider)
      if (conv.dropped.length > 0) warnings.push(`${param}: Gemini cannot express ${conv.dropped.join(', ')}; not sent`)
      c.responseSchema = conv.schema
    }
  }
  return c
}
