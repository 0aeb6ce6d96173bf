/**
 * Anthropic Messages request → provider-neutral request, validated like the real API
 * (https://docs.claude.com/en/api/messages): extra fields are refused, max_tokens is required,
 * temperature is 0–1, tool_result blocks must answer the tool_use blocks of the turn before, images
 * must be real images of the declared type, at most 4 cache_control breakpoints.
 */
import { IMAGE_MEDIA_TYPES, sniffImage } from './images.ts'
import type { ModelInfo } from './models.ts'
import { IMAGE_TOKENS, MESSAGE_OVERHEAD, textTokens } from './tokens.ts'
import type { Segment, SimRequest, ToolChoiceMode, ToolResult, ToolSpec } from './types.ts'
import { isObj, num, type Obj, str } from './values.ts'
import type { ErrorOut, Parsed } from './wire.ts'

export type AnthropicParsed = Parsed

const KNOWN = new Set(
  (
    'model messages max_tokens system temperature top_p top_k stop_sequences stream metadata tools tool_choice ' +
    'thinking service_tier output_config container inference_geo cache_control mcp_servers context_management output_format ' +
    'diagnostics speed user_profile_id workspace_id'
  ).split(' '),
)
const COUNT_KNOWN = new Set(
  (
    'model messages system tools tool_choice thinking output_config output_format cache_control speed mcp_servers ' +
    'context_management user_profile_id workspace_id'
  ).split(' '),
)
const BLOCKS = [
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'tool_result',
  'server_tool_use',
  'web_search_tool_result',
]
const BLOCK_SET = new Set(BLOCKS)
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/

export function invalid(message: string, status = 400, type = 'invalid_request_error'): ErrorOut {
  return { status, body: { type: 'error', error: { type, message } } }
}

function ttl(block: Obj): '5m' | '1h' | undefined {
  const cc = block['cache_control']
  if (!isObj(cc)) return undefined
  return cc['ttl'] === '1h' ? '1h' : '5m'
}

interface Turn {
  role: string
  /** Index of the turn's first message (error paths name it). */
  at: number
  blocks: Obj[]
}

function textOfResult(c: unknown): string {
  if (typeof c === 'string') return c
  if (!Array.isArray(c)) return ''
  return c.map((b) => (isObj(b) && b['type'] === 'text' ? (str(b['text']) ?? '') : '')).join('\n')
}

function checkBlock(b: Obj, path: string): ErrorOut | null {
  const type = str(b['type'])
  if (type === undefined || !BLOCK_SET.has(type)) {
    return invalid(
      `${path}.type: Input tag '${String(b['type'])}' found using 'type' does not match any of the expected tags: ${BLOCKS.map((t) => `'${t}'`).join(', ')}`,
    )
  }
  if (type === 'text' && typeof b['text'] !== 'string') return invalid(`${path}.text: Field required`)
  if (type === 'tool_use' && (typeof b['id'] !== 'string' || typeof b['name'] !== 'string'))
    return invalid(`${path}.id: Field required`)
  if (type === 'tool_result' && typeof b['tool_use_id'] !== 'string')
    return invalid(`${path}.tool_use_id: Field required`)
  if (type === 'image') {
    const src = b['source']
    if (!isObj(src)) return invalid(`${path}.source: Field required`)
    if (src['type'] === 'base64') {
      const mt = str(src['media_type'])
      if (mt === undefined || !IMAGE_MEDIA_TYPES.includes(mt))
        return invalid(
          `${path}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
        )
      const data = str(src['data'])
      if (data === undefined) return invalid(`${path}.source.base64.data: Field required`)
      const seen = sniffImage(data)
      if (seen === null) return invalid(`${path}.source.base64.data: Could not process image`)
      if (seen !== mt)
        return invalid(
          `${path}.source.base64: The image was specified using the ${mt} media type, but the image appears to be a ${seen} image`,
        )
    } else if (src['type'] === 'url') {
      if (typeof src['url'] !== 'string') return invalid(`${path}.source.url.url: Field required`)
    } else if (src['type'] === 'file') {
      if (typeof src['file_id'] !== 'string') return invalid(`${path}.source.file.file_id: Field required`)
    } else {
      return invalid(
        `${path}.source: Input tag '${String(src['type'])}' found using 'type' does not match any of the expected tags: 'base64', 'file', 'url'`,
      )
    }
  }
  return null
}

/**
 * What Anthropic refuses in a message beyond each block's shape: no content (`[]` or `''`; but for a final assistant
 * message, the prefill, whose text must not end in whitespace), an empty or whitespace-only text block, a `tool_use` block outside an assistant message
 * (https://docs.claude.com/en/api/messages; wordings as the API answers them).
 */
function conversationBlocks(blocks: readonly Obj[], i: number, role: string, last: boolean): ErrorOut | null {
  const prefill = last && role === 'assistant'
  if (prefill) {
    // As Anthropic's clients report it (e.g. langchain-ai/langchain#35072): the model continues this text.
    const end = blocks.at(-1)
    const trailing = end?.['type'] === 'text' && typeof end['text'] === 'string' && /\s$/.test(end['text'])
    return trailing ? invalid('messages: final assistant content cannot end with trailing whitespace') : null
  }
  if (blocks.length === 0)
    return invalid(
      `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
    )
  // Blank text passes beside other text (as LibreChat-AI/agents#124 found, trying each shape).
  const texts = blocks.filter((b) => b['type'] === 'text').map((b) => String(b['text']))
  if (texts.length > 0 && texts.every((t) => t.trim() === '') && !texts.includes(''))
    return invalid('messages: text content blocks must contain non-whitespace text')
  for (let j = 0; j < blocks.length; j++) {
    const b = blocks[j] as Obj
    if (b['type'] === 'text' && b['text'] === '') return invalid('messages: text content blocks must be non-empty')
    if (b['type'] === 'tool_use' && role !== 'assistant')
      return invalid(`messages.${i}.content.${j}: \`tool_use\` blocks can only be in \`assistant\` messages`)
  }
  return null
}

function blockSegment(b: Obj, overhead: number): Segment {
  const type = b['type']
  let tokens = overhead
  let key: string
  if (type === 'text') {
    key = `t${String(b['text'])}`
    tokens += textTokens(String(b['text']))
  } else if (type === 'image' || type === 'document') {
    key = JSON.stringify(b['source'])
    tokens += IMAGE_TOKENS
  } else if (type === 'tool_result') {
    const text = textOfResult(b['content'])
    key = `r${String(b['tool_use_id'])}${text}`
    tokens += textTokens(text) + 3
  } else {
    // Moving a breakpoint must not change the cached content, so cache_control is left out.
    const { cache_control: _ignored, ...rest } = b
    key = JSON.stringify(rest)
    tokens += textTokens(key) + (type === 'tool_use' ? 3 : 0)
  }
  const t = ttl(b)
  return t ? { key, tokens, cacheTtl: t } : { key, tokens }
}

/**
 * `countOnly`: the count_tokens endpoint, which takes only the fields that shape the prompt — no
 * max_tokens, sampling, stop sequences or stream (https://docs.claude.com/en/api/messages-count-tokens).
 */
export function parseAnthropic(b: Obj, model: ModelInfo, countOnly = false): AnthropicParsed | ErrorOut {
  const known = countOnly ? COUNT_KNOWN : KNOWN
  for (const k in b) if (!known.has(k)) return invalid(`${k}: Extra inputs are not permitted`)
  const msgs = b['messages']
  if (msgs === undefined) return invalid('messages: Field required')
  if (!Array.isArray(msgs)) return invalid('messages: Input should be a valid list')
  if (msgs.length === 0 && !countOnly) return invalid('messages: at least one message is required')
  const maxTokens = b['max_tokens']
  if (!countOnly) {
    if (maxTokens === undefined) return invalid('max_tokens: Field required')
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens))
      return invalid('max_tokens: Input should be a valid integer')
    if (maxTokens < 1) return invalid('max_tokens: Input should be greater than or equal to 1')
    if (maxTokens > model.maxOutputTokens)
      return invalid(
        `max_tokens: ${maxTokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.responseModel}`,
      )
  }
  const temperature = b['temperature']
  if (temperature !== undefined) {
    if (typeof temperature !== 'number') return invalid('temperature: Input should be a valid number')
    if (temperature > 1) return invalid('temperature: Input should be less than or equal to 1')
    if (temperature < 0) return invalid('temperature: Input should be greater than or equal to 0')
  }
  if (model.exclusiveSampling && temperature !== undefined && b['top_p'] !== undefined) {
    return invalid('`temperature` and `top_p` cannot both be specified for this model. Please use only one.')
  }

  const segments: Segment[] = []
  const tools: ToolSpec[] = []
  let breakpoints = 0
  const rawTools = b['tools']
  if (rawTools !== undefined) {
    if (!Array.isArray(rawTools)) return invalid('tools: Input should be a valid list')
    const names = new Set<string>()
    for (let i = 0; i < rawTools.length; i++) {
      const t: unknown = rawTools[i]
      if (!isObj(t)) return invalid(`tools.${i}: Input should be a valid dictionary`)
      // Custom and server tools share one namespace (as clients report it, e.g. anthropics/claude-code#10687).
      const named = str(t['name'])
      if (named !== undefined && names.has(named)) return invalid('tools: Tool names must be unique.')
      if (named !== undefined) names.add(named)
      if (t['type'] !== undefined && t['type'] !== 'custom') continue // server tools are not called by the simulator
      const name = str(t['name'])
      if (name === undefined) return invalid(`tools.${i}.custom.name: Field required`)
      if (!TOOL_NAME.test(name))
        return invalid(`tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`)
      if (!isObj(t['input_schema'])) return invalid(`tools.${i}.custom.input_schema: Field required`)
      tools.push({ name, schema: t['input_schema'] })
      const seg = blockSegment({ ...t, type: 'tool' }, 0)
      if (seg.cacheTtl) breakpoints++
      segments.push(seg)
    }
  }

  const system = b['system']
  if (typeof system === 'string') {
    if (system !== '') segments.push({ key: `s${system}`, tokens: MESSAGE_OVERHEAD + textTokens(system) })
  } else if (Array.isArray(system)) {
    for (let i = 0; i < system.length; i++) {
      const s: unknown = system[i]
      if (!isObj(s) || s['type'] !== 'text' || typeof s['text'] !== 'string')
        return invalid(`system.${i}: Input should be a valid dictionary or object to extract fields from`)
      const seg = blockSegment(s, i === 0 ? MESSAGE_OVERHEAD : 0)
      if (seg.cacheTtl) breakpoints++
      segments.push(seg)
    }
  } else if (system !== undefined) return invalid('system: Input should be a valid string')

  // Consecutive same-role messages form one turn, as the API merges them.
  const turns: Turn[] = []
  for (let i = 0; i < msgs.length; i++) {
    const m: unknown = msgs[i]
    if (!isObj(m)) return invalid(`messages.${i}: Input should be a valid dictionary or object to extract fields from`)
    const role = m['role']
    if (role !== 'user' && role !== 'assistant' && role !== 'system')
      return invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`)
    const c = m['content']
    let blocks: Obj[]
    if (typeof c === 'string') blocks = [{ type: 'text', text: c }]
    else if (Array.isArray(c)) {
      blocks = []
      for (let j = 0; j < c.length; j++) {
        const blk: unknown = c[j]
        if (!isObj(blk))
          return invalid(
            `messages.${i}.content.${j}: Input should be a valid dictionary or object to extract fields from`,
          )
        const e = checkBlock(blk, `messages.${i}.content.${j}`)
        if (e) return e
        blocks.push(blk)
      }
    } else if (c === undefined) return invalid(`messages.${i}.content: Field required`)
    else return invalid(`messages.${i}.content: Input should be a valid list`)
    const e = conversationBlocks(c === '' ? [] : blocks, i, role, i === msgs.length - 1)
    if (e) return e
    blocks.forEach((blk, j) => {
      const seg = blockSegment(blk, j === 0 ? MESSAGE_OVERHEAD : 0)
      if (seg.cacheTtl) breakpoints++
      seg.key = role + seg.key
      segments.push(seg)
    })
    const prev = turns[turns.length - 1]
    if (prev && prev.role === role) prev.blocks.push(...blocks)
    else turns.push({ role, at: i, blocks })
  }
  if (breakpoints > 4) return invalid(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`)

  // tool_use ↔ tool_result pairing between neighbouring turns.
  const names = new Map<string, string>()
  for (let t = 0; t < turns.length; t++) {
    const turn = turns[t] as Turn
    const prev = turns[t - 1]
    const used = new Set(
      prev?.role === 'assistant' ? prev.blocks.filter((x) => x.type === 'tool_use').map((x) => String(x['id'])) : [],
    )
    const results = turn.blocks.map((x, j) => [x, j] as const).filter(([x]) => x.type === 'tool_result')
    for (const [x, j] of results) {
      if (turn.role !== 'user' || !used.has(String(x['tool_use_id']))) {
        return invalid(
          `messages.${turn.at}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(x['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        )
      }
    }
    if (turn.role === 'assistant') {
      for (const x of turn.blocks) if (x.type === 'tool_use') names.set(String(x['id']), String(x['name']))
      const next = turns[t + 1]
      const ids = turn.blocks.filter((x) => x.type === 'tool_use').map((x) => String(x['id']))
      if (next && ids.length > 0) {
        const answered = new Set(
          next.blocks.filter((x) => x.type === 'tool_result').map((x) => String(x['tool_use_id'])),
        )
        const missing = ids.filter((id) => !answered.has(id))
        if (missing.length > 0) {
          return invalid(
            `messages.${next.at}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
          )
        }
      }
    }
  }

  // tool_choice, thinking, output format
  let toolChoice: ToolChoiceMode = tools.length > 0 ? 'auto' : 'none'
  let forcedTool: string | null = null
  let parallelTools = true
  const tc = b['tool_choice']
  if (isObj(tc)) {
    if (rawTools === undefined) return invalid('tool_choice may only be specified while providing tools.')
    parallelTools = tc['disable_parallel_tool_use'] !== true
    const type = tc['type']
    if (type === 'auto') toolChoice = 'auto'
    else if (type === 'any') toolChoice = 'required'
    else if (type === 'none') toolChoice = 'none'
    else if (type === 'tool') {
      const name = str(tc['name'])
      if (name === undefined) return invalid('tool_choice.tool.name: Field required')
      if (!tools.some((t) => t.name === name))
        return invalid(`tool_choice.tool.name: Tool '${name}' not found in provided tools`)
      toolChoice = 'tool'
      forcedTool = name
    } else
      return invalid(
        `tool_choice: Input tag '${String(type)}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`,
      )
  }
  let thinking = false
  let budget: number | null = null
  const th = b['thinking']
  if (isObj(th) && (th['type'] === 'enabled' || th['type'] === 'adaptive')) {
    thinking = true
    if (th['type'] === 'enabled') {
      budget = num(th['budget_tokens']) ?? null
      if (budget === null) return invalid('thinking.enabled.budget_tokens: Field required')
      if (budget < 1024) return invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024')
      if (!countOnly && typeof maxTokens === 'number' && budget >= maxTokens) {
        return invalid(
          '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size',
        )
      }
    }
    if (temperature !== undefined && temperature !== 1)
      return invalid(
        '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking',
      )
    if (toolChoice === 'required' || toolChoice === 'tool')
      return invalid('Thinking may not be enabled when tool_choice forces tool use.')
    const loop = unthoughtToolLoop(msgs)
    if (loop !== null) return invalid(loop)
  }
  let json: { schema: unknown } | null = null
  const oc = b['output_config']
  if (isObj(oc) && isObj(oc['format'])) {
    if (oc['format']['type'] !== 'json_schema')
      return invalid(`output_config.format.type: Input should be 'json_schema'`)
    if (!isObj(oc['format']['schema'])) return invalid('output_config.format.schema: Field required')
    json = { schema: oc['format']['schema'] }
  }

  const prompt = segments.reduce((s, x) => s + x.tokens, 3)
  if (prompt > model.contextTokens)
    return invalid(`prompt is too long: ${prompt} tokens > ${model.contextTokens} maximum`)
  if (typeof maxTokens === 'number' && prompt + maxTokens > model.contextTokens) {
    return invalid(
      `input length and \`max_tokens\` exceed context limit: ${prompt} + ${maxTokens} > ${model.contextTokens}, decrease input length or \`max_tokens\` and try again`,
    )
  }

  const last = turns[turns.length - 1]
  let lastUser: Turn | undefined
  for (let t = turns.length - 1; t >= 0 && !lastUser; t--) if (turns[t]?.role === 'user') lastUser = turns[t]
  let toolResults: ToolResult[] | null = null
  if (last?.role === 'user' && last.blocks.some((x) => x.type === 'tool_result')) {
    toolResults = last.blocks
      .filter((x) => x.type === 'tool_result')
      .map((x) => ({ name: names.get(String(x['tool_use_id'])) ?? '', content: textOfResult(x['content']) }))
  }
  const stops = b['stop_sequences']
  const req: SimRequest = {
    segments,
    lastUserText: lastUser
      ? lastUser.blocks
          .filter((x) => x.type === 'text')
          .map((x) => String(x['text']))
          .join('\n')
      : '',
    images: lastUser ? lastUser.blocks.filter((x) => x.type === 'image').length : 0,
    endsWithUser: last?.role === 'user',
    toolResults,
    tools,
    toolChoice,
    forcedTool,
    parallelTools,
    json,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : null,
    stop: Array.isArray(stops) ? stops.filter((s): s is string => typeof s === 'string') : [],
    choices: 1,
    userSeed: null,
    reasoningFactor: thinking ? 2 : 0,
    reasoningBudget: budget,
    thinkingBlock: thinking,
  }
  return { model, req, stream: b['stream'] === true }
}

/**
 * With thinking on, the assistant turn whose tool calls the conversation ends answering must begin with its
 * thinking block (https://docs.claude.com/en/docs/build-with-claude/extended-thinking, Anthropic's message as in
 * https://github.com/OpenRouterTeam/ai-sdk-provider/issues/162): the message, or null when the rule holds.
 */
function unthoughtToolLoop(msgs: unknown[]): string | null {
  const i = msgs.findLastIndex((m) => isObj(m) && m['role'] === 'assistant')
  const m = msgs[i]
  if (!isObj(m) || !Array.isArray(m['content']) || i === msgs.length - 1) return null
  const blocks = m['content'].filter(isObj)
  if (!blocks.some((b) => b['type'] === 'tool_use')) return null
  const first = str(blocks[0]?.['type'])
  if (first === 'thinking' || first === 'redacted_thinking') return null
  return (
    `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. ` +
    'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). ' +
    'We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. ' +
    'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking'
  )
}
