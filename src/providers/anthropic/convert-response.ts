/**
 * Anthropic Message → ChatCompletion (pure). Text blocks are joined into `content`; `tool_use` blocks
 * become `tool_calls` (ids unchanged, `arguments` = JSON of `input`); thinking blocks' text becomes
 * `reasoning_content`, as DeepSeek and LiteLLM name it (the signature, which only Anthropic reads back, is
 * dropped); redacted thinking and server-tool blocks have no OpenAI place and are left out. With `response_format` emulated by a forced tool, that tool's
 * input is the content and the answer finishes with `stop`.
 * https://docs.claude.com/en/api/messages#response-content
 */
import type { Message } from '@anthropic-ai/sdk/resources/messages'
import type { ChatCompletion, ToolCallT } from '../openai-schema.ts'
import { toOpenAIUsage } from '../shapes.ts'
import type { ProviderUsage } from '../types.ts'
import { badResponse } from './errors.ts'
import { mapFinishReason } from './map-finish-reason.ts'

/** The usage fields shared by a Message, `message_start` and the cumulative `message_delta`. */
export interface AnthropicUsageLike {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_read_input_tokens?: number | null
  cache_creation_input_tokens?: number | null
  output_tokens_details?: { thinking_tokens?: number | null } | null
}

/**
 * Anthropic's `input_tokens` excludes cached tokens; OpenAI's `prompt_tokens` includes them, so the
 * prompt is the sum of all three.
 * https://docs.claude.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function toProviderUsage(u: AnthropicUsageLike): ProviderUsage {
  const cacheRead = u.cache_read_input_tokens ?? 0
  const cacheWrite = u.cache_creation_input_tokens ?? 0
  return {
    promptTokens: (u.input_tokens ?? 0) + cacheRead + cacheWrite,
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    completionTokens: u.output_tokens ?? 0,
    // `output_tokens` already includes thinking; newer API versions say how much of it was thinking.
    reasoningTokens: u.output_tokens_details?.thinking_tokens ?? 0,
  }
}

export interface ResponseOptions {
  provider: string
  /** Unix seconds for `created` (passed in: conversions don't read the clock). */
  created: number
  /** The forced tool that carries a `response_format` answer, if the request used one. */
  jsonToolName: string | null
}

export interface ConvertedResponse {
  completion: ChatCompletion
  /** Null when the message carries no `usage` (a proxy that strips it): the spend row then estimates. */
  usage: ProviderUsage | null
}

export function toChatCompletion(msg: Message, opts: ResponseOptions): ConvertedResponse {
  if (typeof msg !== 'object' || msg === null || !Array.isArray(msg.content)) {
    throw badResponse(opts.provider, 'no `content` array in the message')
  }
  let text = ''
  let thinking = ''
  const toolCalls: ToolCallT[] = []
  for (const block of msg.content) {
    if (block.type === 'text') text += block.text
    else if (block.type === 'thinking') thinking += block.thinking
    else if (block.type === 'tool_use') {
      const args = JSON.stringify(block.input ?? {})
      if (block.name === opts.jsonToolName) text += args
      else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: args } })
    }
  }
  let finish = mapFinishReason(msg.stop_reason) ?? 'stop'
  // The forced JSON tool is how the answer was delivered, not a call for the client to run.
  if (finish === 'tool_calls' && toolCalls.length === 0) finish = 'stop'
  const usage = msg.usage ? toProviderUsage(msg.usage) : null
  const completion: ChatCompletion = {
    id: msg.id,
    object: 'chat.completion',
    created: opts.created,
    model: msg.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text !== '' || toolCalls.length === 0 ? text : null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(thinking !== '' ? { reasoning_content: thinking } : {}),
        },
        logprobs: null,
        finish_reason: finish,
      },
    ],
  }
  if (usage) completion.usage = toOpenAIUsage(usage)
  return { completion, usage }
}
