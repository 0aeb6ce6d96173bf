/**
 * ChatRequest → Anthropic Messages request (pure). What Anthropic can't do is a 400 naming the
 * parameter, or — when dropping it cannot change the answer's meaning — a warning the server reports.
 * https://docs.claude.com/en/api/messages, https://docs.claude.com/en/api/openai-sdk (Anthropic's own
 * table of how OpenAI parameters are treated).
 */
import type {
  CacheControlEphemeral,
  ContentBlockParam,
  DocumentBlockParam,
  ImageBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  TextBlockParam,
  Tool,
  ToolChoice,
} from '@anthropic-ai/sdk/resources/messages'
import {
  type ChatMessage,
  type ChatRequest,
  maxOutputTokens,
  stopSequences,
  type UserContent,
} from '../openai-schema.ts'
import { unknownEffort } from '../reasoning-effort.ts'
import { DEFAULT_MAX_TOKENS, type Target } from '../types.ts'
import { invalidRequest, unsupportedHere } from './errors.ts'
import { applyThinking } from './thinking.ts'
import { foldToolMedia } from './tool-result-media.ts'

// Anthropic requires `max_tokens` and has no server default: without one from the client, the target's
// (routes.yaml `default_max_tokens`), else DEFAULT_MAX_TOKENS. https://docs.claude.com/en/api/messages
export { DEFAULT_MAX_TOKENS }

/** The forced tool that carries a `response_format` answer (the name LiteLLM uses). */
export const JSON_TOOL_NAME = 'json_tool_call'

/**
 * SDK 1.x (API version 2026-10-21) dropped `temperature` and `top_p` from its types because newer
 * models reject them; the API still takes them for models that support sampling, so they are sent as
 * extra body fields, and a model that refuses them answers 400 itself (which the client then sees).
 */
type AnthropicParams = Omit<MessageCreateParamsBase, 'stream' | 'tools'> & {
  tools?: Tool[]
  temperature?: number
  top_p?: number
}

export interface ConvertedRequest {
  params: AnthropicParams
  /** Parameters dropped because Anthropic has no equivalent; reported in `meta.warnings`. */
  warnings: string[]
  /** Set when `response_format` is emulated with a forced tool, whose input is the answer's content. */
  jsonToolName: string | null
}

type Turn = { role: 'user' | 'assistant'; content: ContentBlockParam[] }

/** Parameters read below; any other non-null field is reported as ignored. */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'n',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
])

/** Parameters that are no-ops at these values, so dropping them changes nothing. */
function isDefault(key: string, v: unknown): boolean {
  if (v === null || v === undefined || v === false) return true
  if ((key === 'frequency_penalty' || key === 'presence_penalty' || key === 'top_logprobs') && v === 0) return true
  if (key === 'logit_bias' || key === 'metadata') return typeof v === 'object' && Object.keys(v).length === 0
  return false
}

const IMAGE_TYPES: Readonly<Record<string, 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp'>> = {
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg', // not a registered type, but common in data URLs for the same format
  'image/png': 'image/png',
  'image/gif': 'image/gif',
  'image/webp': 'image/webp',
}

export function toAnthropicRequest(req: ChatRequest, target: Target): ConvertedRequest {
  const provider = target.provider
  const warnings: string[] = []

  if (req.n != null && req.n > 1) throw unsupportedHere(provider, 'n > 1 is not supported by Anthropic', 'n')
  const effort = unknownEffort(req, provider)
  if (effort) throw effort
  if (req.temperature != null && req.temperature > 1) {
    throw unsupportedHere(
      provider,
      `temperature must be between 0 and 1 for Anthropic (got ${req.temperature}); OpenAI's 0–2 range is not rescaled`,
      'temperature',
      'unsupported_value',
    )
  }
  for (const [key, value] of Object.entries(req)) {
    if (!HANDLED.has(key) && !isDefault(key, value))
      warnings.push(`${key} is not supported by Anthropic and was ignored`)
  }

  const system: TextBlockParam[] = []
  const turns: Turn[] = []
  const push = (role: Turn['role'], blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return
    const last = turns[turns.length - 1]
    // Anthropic would merge consecutive same-role turns itself; merging here keeps tool results together.
    if (last && last.role === role) last.content.push(...blocks)
    else turns.push({ role, content: blocks })
  }

  req.messages.forEach((m: ChatMessage, i: number) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(m.content, provider, i))
        break
      case 'user': {
        if (typeof m.content === 'string') {
          push('user', textBlocks(m.content, provider, i))
          break
        }
        const last = turns.at(-1)
        const parts =
          last?.role === 'user'
            ? foldToolMedia(m.content, last.content, (p, j) => userPart(p, provider, i, j))
            : m.content.map((p, j) => [p, j] as const)
        push(
          'user',
          parts.flatMap(([p, j]) => userPart(p, provider, i, j)),
        )
        break
      }
      case 'assistant': {
        const blocks: ContentBlockParam[] = []
        if (typeof m.content === 'string') blocks.push(...textBlocks(m.content, provider, i))
        else if (m.content)
          for (const p of m.content)
            blocks.push(...textBlocks(p.type === 'text' ? [p] : [{ type: 'text', text: p.refusal }], provider, i))
        for (const call of m.tool_calls ?? []) {
          blocks.push({
            type: 'tool_use',
            id: call.id,
            name: call.function.name,
            input: toolInput(call.function.arguments, provider, i),
          })
        }
        push('assistant', blocks)
        break
      }
      case 'tool': {
        const content = typeof m.content === 'string' ? m.content : textBlocks(m.content, provider, i)
        push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, ...(content.length > 0 ? { content } : {}) }])
        break
      }
    }
  })

  // Anthropic refuses an empty conversation and empty text blocks (dropped above): said here, so that another
  // target may serve it. https://docs.claude.com/en/api/messages
  if (turns.length === 0) {
    const why = 'Anthropic needs at least one user or assistant message with content besides system messages'
    throw unsupportedHere(provider, why, 'messages')
  }

  const params: AnthropicParams = {
    model: target.model,
    max_tokens: maxOutputTokens(req) ?? target.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
    messages: turns.map(orderToolResultsFirst),
  }
  if (system.length > 0) params.system = system
  if (req.temperature != null) params.temperature = req.temperature
  if (req.top_p != null) params.top_p = req.top_p
  const stop = stopSequences(req.stop)
  if (stop.length > 0) params.stop_sequences = stop
  if (req.user != null) params.metadata = { user_id: req.user }

  const jsonToolName = applyTools(req, params, provider)
  applyThinking(req.reasoning_effort, maxOutputTokens(req), params, target, warnings)
  return { params, warnings, jsonToolName }
}

/** Tools, tool_choice and the response_format emulation; returns the JSON tool's name when used. */
function applyTools(req: ChatRequest, params: AnthropicParams, provider: string): string | null {
  const tools: Tool[] = (req.tools ?? []).map((t, i) => {
    const schema = t.function.parameters ?? { type: 'object', properties: {} }
    if (schema['type'] !== 'object') {
      throw invalidRequest(
        provider,
        `tools[${i}].function.parameters must be a JSON Schema of type "object" for Anthropic`,
        `tools[${i}].function.parameters`,
      )
    }
    const tool: Tool = { name: t.function.name, input_schema: { ...schema, type: 'object' } }
    if (t.function.description != null) tool.description = t.function.description
    if (t.function.strict != null) tool.strict = t.function.strict
    return tool
  })
  const disableParallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {}
  let choice: ToolChoice | undefined = toolChoice(req.tool_choice, disableParallel)
  if (choice && tools.length === 0 && (choice.type === 'any' || choice.type === 'tool')) {
    throw invalidRequest(provider, 'tool_choice requires tools', 'tool_choice')
  }

  let jsonToolName: string | null = null
  const fmt = req.response_format
  if (fmt && fmt.type !== 'text') {
    // Structured output as a forced tool (LiteLLM's approach) rather than `output_config.format`:
    // every Claude model and every Anthropic-compatible server supports tools, while output_config
    // exists only on newer models and API versions. The tool's input comes back as message content.
    if (tools.some((t) => t.name === JSON_TOOL_NAME)) {
      throw unsupportedHere(
        provider,
        `a tool may not be named ${JSON_TOOL_NAME} together with response_format on Anthropic`,
        'tools',
        'unsupported_value',
      )
    }
    const schema = fmt.type === 'json_schema' ? fmt.json_schema.schema : null
    if (schema && schema['type'] !== undefined && schema['type'] !== 'object') {
      throw invalidRequest(
        provider,
        'response_format.json_schema.schema must have type "object" for Anthropic',
        'response_format',
      )
    }
    tools.push({
      name: JSON_TOOL_NAME,
      description:
        (fmt.type === 'json_schema' ? fmt.json_schema.description : null) ??
        'Respond with the answer as JSON, as the input of this tool.',
      input_schema: schema
        ? { ...schema, type: 'object' }
        : { type: 'object', properties: {}, additionalProperties: true },
    })
    jsonToolName = JSON_TOOL_NAME
    if (tools.length === 1 || choice?.type === 'none') {
      // Only the JSON tool may answer, exactly once.
      choice = { type: 'tool', name: JSON_TOOL_NAME, disable_parallel_tool_use: true }
    } else if (!choice || choice.type === 'auto') {
      // With the client's tools too, the model must call one of them or answer through the JSON tool.
      choice = { type: 'any', ...disableParallel }
    }
  }

  if (tools.length > 0) {
    params.tools = tools
    if (choice) params.tool_choice = choice
    else if (req.parallel_tool_calls === false) params.tool_choice = { type: 'auto', disable_parallel_tool_use: true }
  }
  return jsonToolName
}

function toolChoice(
  c: ChatRequest['tool_choice'],
  disableParallel: { disable_parallel_tool_use?: boolean },
): ToolChoice | undefined {
  if (c == null) return undefined
  if (c === 'none') return { type: 'none' }
  if (c === 'auto') return { type: 'auto', ...disableParallel }
  if (c === 'required') return { type: 'any', ...disableParallel }
  return { type: 'tool', name: c.function.name, ...disableParallel }
}

/** Anthropic wants a user turn's tool_result blocks before any other block. */
function orderToolResultsFirst(t: Turn): MessageParam {
  if (t.role === 'user' && t.content.some((b) => b.type === 'tool_result')) {
    return {
      role: 'user',
      content: [
        ...t.content.filter((b) => b.type === 'tool_result'),
        ...t.content.filter((b) => b.type !== 'tool_result'),
      ],
    }
  }
  return t
}

function cacheControl(
  part: { [k: string]: unknown },
  provider: string,
  i: number,
): { cache_control?: CacheControlEphemeral } {
  const cc = part['cache_control']
  if (cc === undefined || cc === null) return {}
  // LiteLLM-style extension: clients mark prompt-cache breakpoints on content parts.
  // https://docs.claude.com/en/docs/build-with-claude/prompt-caching
  const rec = typeof cc === 'object' ? (cc as Record<string, unknown>) : {}
  const ttl = rec['ttl']
  if (rec['type'] !== 'ephemeral' || (ttl !== undefined && ttl !== '5m' && ttl !== '1h')) {
    throw invalidRequest(
      provider,
      `messages[${i}]: cache_control must be {"type":"ephemeral","ttl"?:"5m"|"1h"}`,
      `messages[${i}].content`,
    )
  }
  return { cache_control: ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl } }
}

const blank = (text: string): boolean => text.trim() === ''

/**
 * Text content → text blocks; empty and whitespace-only strings are left out (Anthropic refuses both: "text
 * content blocks must be non-empty", "… must contain non-whitespace text"; https://docs.claude.com/en/api/messages).
 */
function textBlocks(
  content: string | ReadonlyArray<{ type: 'text'; text: string; [k: string]: unknown }>,
  provider: string,
  i: number,
): TextBlockParam[] {
  if (typeof content === 'string') return blank(content) ? [] : [{ type: 'text', text: content }]
  return content
    .filter((p) => !blank(p.text))
    .map((p) => ({ type: 'text', text: p.text, ...cacheControl(p, provider, i) }))
}

function userPart(p: UserContent, provider: string, i: number, j: number): ContentBlockParam[] {
  switch (p.type) {
    case 'text':
      return textBlocks([p], provider, i)
    case 'image_url':
      return [{ ...image(p.image_url.url, provider, i, j), ...cacheControl(p, provider, i) }]
    case 'file':
      return [{ ...document(p.file, provider, i, j), ...cacheControl(p, provider, i) }]
    case 'input_audio':
      throw unsupportedHere(
        provider,
        `messages[${i}].content[${j}]: ${p.type} parts are not supported by Anthropic`,
        `messages[${i}].content[${j}]`,
      )
  }
}

function image(url: string, provider: string, i: number, j: number): ImageBlockParam {
  const param = `messages[${i}].content[${j}].image_url.url`
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } }
  const m = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url)
  if (!m) throw invalidRequest(provider, `${param}: only http(s) and data: URLs are supported by Anthropic`, param)
  const mediaType = IMAGE_TYPES[m[1]!.toLowerCase()]
  if (!mediaType) {
    throw invalidRequest(
      provider,
      `${param}: image type "${m[1]}" is not supported by Anthropic (use image/jpeg, image/png, image/gif or image/webp)`,
      param,
    )
  }
  if (!m[2]!.split(';').includes('base64'))
    throw invalidRequest(provider, `${param}: data: URLs must be base64-encoded for Anthropic`, param)
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: m[3]! } }
}

/**
 * A file part → a document block: Anthropic reads PDFs and plain text sent inline; a file_id is OpenAI's store.
 * https://docs.claude.com/en/docs/build-with-claude/pdf-support
 */
function document(
  file: { file_data?: string | null | undefined; filename?: string | null | undefined },
  provider: string,
  i: number,
  j: number,
): DocumentBlockParam {
  const param = `messages[${i}].content[${j}].file`
  const m = file.file_data == null ? null : /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(file.file_data)
  const type = m?.[1]?.toLowerCase()
  const base64 = m?.[2]?.split(';').includes('base64') === true
  const title = file.filename == null ? {} : { title: file.filename }
  if (m && base64 && type === 'application/pdf') {
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: m[3]! }, ...title }
  }
  if (m && type === 'text/plain') {
    const data = base64 ? Buffer.from(m[3]!, 'base64').toString('utf8') : decodeURIComponent(m[3]!)
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data }, ...title }
  }
  throw unsupportedHere(
    provider,
    `${param}: Anthropic takes files as file_data, a base64 data: URL of a PDF (application/pdf) or of plain text (text/plain)`,
    param,
  )
}

/** Tool-call arguments (a JSON string) → tool_use input (an object). */
function toolInput(args: string, provider: string, i: number): Record<string, unknown> {
  // Streaming clients record a call without arguments as "": that is an empty input, not bad JSON.
  if (args.trim() === '') return {}
  let v: unknown
  try {
    v = JSON.parse(args)
  } catch {
    throw unsupportedHere(
      provider,
      `messages[${i}].tool_calls: function.arguments is not valid JSON, which Anthropic needs`,
      `messages[${i}].tool_calls`,
      'unsupported_value',
    )
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw unsupportedHere(
      provider,
      `messages[${i}].tool_calls: function.arguments must be a JSON object for Anthropic`,
      `messages[${i}].tool_calls`,
      'unsupported_value',
    )
  }
  return v as Record<string, unknown>
}
