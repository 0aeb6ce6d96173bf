/**
 * An Anthropic Messages request body → the canonical request (OpenAI chat completions), for targets that
 * are not Anthropic (an Anthropic target is sent the client's body itself). Pure.
 *
 * Nothing changes meaning silently: what has no equivalent and can be left out without changing the
 * answer is left out with a warning (the server reports it in `x-headroom-warning`); what would change
 * the answer is a 400 naming the field. The full table is in docs/providers.md (Anthropic Messages
 * ingress). https://docs.anthropic.com/en/api/messages
 */
import { type ChatRequest, withThinkingBudget } from '../../providers/openai-schema.ts'
import type { Decoded, IngressError } from '../types.ts'
import { conversationRule, toolsRule } from './conversation-rules.ts'
import { decodeMessages, decodeSystem } from './decode-messages.ts'
import { decodeTools } from './decode-tools.ts'
import { onlyAnthropic, Refusal } from './refusal.ts'
import { isKnown, type MessagesRequest, MessagesRequestSchema, THINKING_TYPES } from './request-schema.ts'
import { validationMessage } from './validation-message.ts'

/** Fields translated below. */
const TRANSLATED: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stop_sequences',
  'temperature',
  'top_p',
  'stream',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'output_config',
  'output_format',
])

/**
 * Prompt-cache breakpoints: they change what a call costs on Anthropic, never what it answers, and the
 * other providers cache prompts on their own. Left out without a warning (Claude Code sends them on
 * every call). https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
const COST_HINTS: ReadonlySet<string> = new Set(['cache_control'])

/** Fields whose loss would change the answer: refused, with what they are. */
const REFUSED: Readonly<Record<string, readonly [what: string, why: string]>> = {
  mcp_servers: [
    'mcp_servers (tools on remote MCP servers that Anthropic calls)',
    'other providers call no MCP servers for a chat request',
  ],
}

/** Values that ask for what happens anyway: no warning when such a field is dropped. */
function isDefault(key: string, v: unknown): boolean {
  if (v === null || v === undefined) return true
  if (Array.isArray(v)) return v.length === 0
  return key === 'service_tier' && v === 'auto'
}

/**
 * The body checked against the schema and Anthropic's rules for tools and the conversation
 * (conversation-rules.ts): what a request for an Anthropic target needs.
 */
export function parseRequest(body: unknown): { ok: true; body: MessagesRequest } | { ok: false; error: IngressError } {
  const parsed = MessagesRequestSchema.safeParse(body, { reportInput: true })
  if (!parsed.success) {
    const { param, message } = validationMessage(parsed.error)
    return { ok: false, error: invalidRequest(message, param) }
  }
  const broken = toolsRule(parsed.data.tools) ?? conversationRule(parsed.data.messages)
  return broken ? { ok: false, error: invalidRequest(broken.message, broken.param) } : { ok: true, body: parsed.data }
}

export function decodeRequest(body: unknown): Decoded {
  const parsed = parseRequest(body)
  return parsed.ok ? decodeParsed(parsed.body) : parsed
}

/** decodeRequest for a body parseRequest accepted: a refusal here is one only an Anthropic target can serve. */
export function decodeParsed(body: MessagesRequest): Decoded {
  try {
    const warnings: string[] = []
    return { ok: true, request: translate(body, warnings), warnings }
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, error: invalidRequest(err.message, err.param) }
    throw err
  }
}

function invalidRequest(message: string, param: string | null): IngressError {
  return { status: 400, type: 'invalid_request_error', message, param, code: null }
}

function translate(req: MessagesRequest, warnings: string[]): ChatRequest {
  for (const [key, value] of Object.entries(req)) {
    if (TRANSLATED.has(key) || COST_HINTS.has(key) || isDefault(key, value)) continue
    const refused = REFUSED[key]
    if (refused) throw new Refusal(key, onlyAnthropic(...refused))
    warnings.push(`${key} was ignored: it has no equivalent outside Anthropic's API`)
  }
  if (req.max_tokens === 0) {
    const why = 'other providers answer with at least one token, and have no cache to warm'
    throw new Refusal('max_tokens', onlyAnthropic('max_tokens 0 (pre-warming the prompt cache)', why))
  }

  const request: ChatRequest = {
    model: req.model,
    messages: [...decodeSystem(req.system), ...decodeMessages(req.messages, warnings)],
    max_tokens: req.max_tokens,
  }
  if (req.temperature != null) request.temperature = req.temperature
  if (req.top_p != null) request.top_p = req.top_p
  if (req.stop_sequences != null && req.stop_sequences.length > 0) request.stop = req.stop_sequences
  if (req.metadata?.user_id != null) request.user = req.metadata.user_id
  if (req.stream) {
    request.stream = true
    // The closing usage chunk carries the counts `message_delta` reports.
    request.stream_options = { include_usage: true }
  }
  Object.assign(request, decodeTools(req))
  const effort = reasoningEffort(req, warnings)
  if (effort) request.reasoning_effort = effort
  const budget = req.thinking?.type === 'enabled' ? req.thinking['budget_tokens'] : undefined
  // The budget itself too, for targets that take one (see THINKING_BUDGET), unless an effort was said outright.
  if (req.output_config?.effort == null && typeof budget === 'number') withThinkingBudget(request, budget)
  const format = req.output_config?.format ?? req.output_format
  if (format) {
    // Anthropic's structured outputs constrain decoding to the schema, as OpenAI's strict mode does.
    const json_schema = { name: 'output', schema: format.schema, strict: true }
    request.response_format = { type: 'json_schema', json_schema }
  }
  return request
}

/**
 * OpenAI's `reasoning_effort` from `output_config.effort`, else from the thinking budget. Budgets map to
 * the nearest of Gemini's documented effort budgets (low 1,024, medium 8,192, high 24,576 tokens:
 * https://ai.google.dev/gemini-api/docs/openai#thinking), cut at the powers of two between them.
 */
function reasoningEffort(req: Pick<MessagesRequest, 'thinking' | 'output_config'>, warnings: string[]): string | null {
  const effort = req.output_config?.effort
  if (effort != null) {
    if (effort === 'low' || effort === 'medium' || effort === 'high') return effort
    warnings.push(`output_config.effort "${effort}" was sent as reasoning_effort "high", the top of OpenAI's scale`)
    return 'high'
  }
  const t = req.thinking
  if (t == null) return null
  if (!isKnown(t, THINKING_TYPES)) {
    warnings.push(`thinking.type "${t.type}" was ignored: it has no equivalent outside Anthropic's API`)
    return null
  }
  switch (t.type) {
    case 'enabled':
      return effortForBudget(t.budget_tokens)
    // Disabled or adaptive: the target's own default, which is what either asks for there.
    case 'disabled':
    case 'adaptive':
      return null
  }
}

/** The thresholds, in thinking tokens: below 4,096 low; below 16,384 medium; from 16,384 high. */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  if (budget < 4096) return 'low'
  if (budget < 16_384) return 'medium'
  return 'high'
}
