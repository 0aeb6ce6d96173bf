/**
 * The Anthropic `Message` answer and its parts, as documented (https://docs.anthropic.com/en/api/messages,
 * "Response"), and the facts both encoders read off the canonical answer the same way.
 */
import type { Usage } from '../../providers/openai-schema.ts'
import type { EncodeContext } from '../types.ts'

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal'

interface TextBlock {
  type: 'text'
  text: string
}
interface ToolUseBlock {
  type: 'tool_use'
  id: string
  name: string
  input: Record<string, unknown>
}
/**
 * No thinking block: only Anthropic signs thinking, and a block without Anthropic's signature that a client
 * sends back to an Anthropic target is a 400 there ("Invalid `signature`"). An Anthropic target's own thinking
 * reaches the client untouched, since its answer is passed through.
 */
export type ContentBlock = TextBlock | ToolUseBlock

export interface AnthropicUsage {
  /** Prompt tokens neither read from nor written to a cache: Anthropic counts those apart. */
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
}

export interface AnthropicMessage {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: ContentBlock[]
  stop_reason: StopReason | null
  stop_sequence: string | null
  usage: AnthropicUsage
}

/** `msg_` + the request id: the same id for the same request, streamed or not. */
export function messageId(ctx: EncodeContext): string {
  return ctx.id.startsWith('msg_') ? ctx.id : `msg_${ctx.id.replace(/[^A-Za-z0-9_-]/g, '')}`
}

/**
 * OpenAI's `usage` → Anthropic's. OpenAI's `prompt_tokens` includes cached tokens; Anthropic's
 * `input_tokens` excludes cache reads and writes, which have their own fields.
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 * Cache writes have no OpenAI field; OpenRouter reports them as `prompt_tokens_details.cache_write_tokens`.
 */
export function toAnthropicUsage(u: Usage | null | undefined): AnthropicUsage {
  if (!u) return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  const details: Readonly<Record<string, unknown>> = u.prompt_tokens_details ?? {}
  const read = count(details['cached_tokens'])
  const written = count(details['cache_write_tokens'])
  return {
    input_tokens: Math.max(0, count(u.prompt_tokens) - read - written),
    output_tokens: count(u.completion_tokens),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read,
  }
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0
}

/**
 * The stop sequence that ended the answer, when the upstream says which: vLLM puts the matched string
 * in the choice's `stop_reason`. https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
 */
export function matchedStop(choice: object | undefined): string | null {
  const s: unknown = choice && 'stop_reason' in choice ? choice.stop_reason : undefined
  return typeof s === 'string' && s !== '' ? s : null
}
