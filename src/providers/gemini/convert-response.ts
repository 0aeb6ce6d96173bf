/**
 * Gemini `GenerateContentResponse` → OpenAI `chat.completion`. Pure (ids and time are passed in).
 * Candidates become choices; text parts are the content, thought summaries (`thought: true`, sent when asked
 * with `includeThoughts`) the `reasoning_content` as DeepSeek and LiteLLM name it; `functionCall`
 * parts become tool calls with synthesised ids, since the Gemini API gives none; a prompt blocked
 * before any candidate becomes one empty `content_filter` choice, as LiteLLM does.
 * https://ai.google.dev/api/generate-content#generatecontentresponse
 */
import type { ChatCompletion, ToolCallT } from '../openai-schema.ts'
import { toOpenAIUsage, toolCallId } from '../shapes.ts'
import type { ProviderUsage } from '../types.ts'
import type { GeminiCandidate, GeminiResponse, GeminiResponsePart, GeminiUsageMetadata } from './gemini-types.ts'
import { mapFinishReason } from './map-finish-reason.ts'

export interface ResponseContext {
  id: string
  created: number
  /** Used when Gemini sends no `modelVersion`. */
  model: string
  /** Tool call ids; injectable so tests are deterministic. */
  newToolCallId?: () => string
}

/**
 * Gemini usage → normalised usage. `promptTokenCount` already includes cached tokens; thoughts are
 * counted apart from `candidatesTokenCount` but billed as output, so completion = candidates + thoughts
 * (https://ai.google.dev/gemini-api/docs/thinking#pricing); tool-use prompt tokens (search results fed
 * back to the model) are billed as input.
 */
export function toProviderUsage(u: GeminiUsageMetadata | undefined): ProviderUsage | null {
  if (!u) return null
  const thoughts = u.thoughtsTokenCount ?? 0
  return {
    promptTokens: (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0),
    cachedTokens: u.cachedContentTokenCount ?? 0,
    cacheWriteTokens: 0,
    completionTokens: (u.candidatesTokenCount ?? 0) + thoughts,
    reasoningTokens: thoughts,
  }
}

type PartKind =
  | { kind: 'text'; text: string }
  | { kind: 'thought'; text: string }
  | { kind: 'call'; name: string; args: Record<string, unknown> }
  | { kind: 'other' }

/** What a part is. */
function classifyPart(p: GeminiResponsePart): PartKind {
  if (p.thought === true) return { kind: 'thought', text: p.text ?? '' }
  if (p.functionCall) return { kind: 'call', name: p.functionCall.name, args: p.functionCall.args ?? {} }
  if (typeof p.text === 'string') return { kind: 'text', text: p.text }
  // executableCode, codeExecutionResult, inlineData…: tools Headroom never enables.
  return { kind: 'other' }
}

/** A candidate's parts, read once: its visible text, its thought summaries and its function calls, in order. */
export function readParts(parts: readonly GeminiResponsePart[] | undefined): {
  text: string
  thoughts: string
  calls: Array<{ name: string; args: Record<string, unknown> }>
} {
  let text = ''
  let thoughts = ''
  const calls: Array<{ name: string; args: Record<string, unknown> }> = []
  for (const part of parts ?? []) {
    const p = classifyPart(part)
    switch (p.kind) {
      case 'text':
        text += p.text
        break
      case 'call':
        calls.push({ name: p.name, args: p.args })
        break
      case 'thought':
        thoughts += p.text
        break
      case 'other':
        break
      default: {
        const _exhaustive: never = p
        return _exhaustive
      }
    }
  }
  return { text, thoughts, calls }
}

function toToolCall(name: string, args: Record<string, unknown>, id: string): ToolCallT {
  return { id, type: 'function', function: { name, arguments: JSON.stringify(args) } }
}

/** Candidates in `index` order (Gemini may omit `index` when there is one candidate). */
export function byIndex(candidates: readonly GeminiCandidate[]): Array<{ index: number; candidate: GeminiCandidate }> {
  return candidates
    .map((candidate, i) => ({ index: candidate.index ?? i, candidate }))
    .sort((a, b) => a.index - b.index)
}

export function toChatCompletion(res: GeminiResponse, ctx: ResponseContext): ChatCompletion {
  const newId = ctx.newToolCallId ?? toolCallId
  const candidates = res.candidates ?? []
  const choices: ChatCompletion['choices'] = byIndex(candidates).map(({ index, candidate }) => {
    const parts = readParts(candidate.content?.parts)
    const text = parts.text
    const calls: ToolCallT[] = parts.calls.map((c) => toToolCall(c.name, c.args, newId()))
    const message: ChatCompletion['choices'][number]['message'] = {
      role: 'assistant',
      // OpenAI sends null content next to tool calls with no text.
      content: text.length > 0 || calls.length === 0 ? text : null,
      refusal: null,
    }
    if (calls.length > 0) message.tool_calls = calls
    if (parts.thoughts.length > 0) message['reasoning_content'] = parts.thoughts
    return { index, message, finish_reason: mapFinishReason(candidate.finishReason, calls.length > 0), logprobs: null }
  })
  if (choices.length === 0) {
    // No candidates: the prompt was blocked (`promptFeedback.blockReason`), or Gemini produced nothing.
    const blocked = res.promptFeedback?.blockReason !== undefined
    choices.push({
      index: 0,
      message: { role: 'assistant', content: '', refusal: null },
      finish_reason: blocked ? 'content_filter' : 'stop',
      logprobs: null,
    })
  }
  const out: ChatCompletion = {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: res.modelVersion ?? ctx.model,
    choices,
  }
  const usage = toProviderUsage(res.usageMetadata)
  if (usage) out.usage = toOpenAIUsage(usage)
  return out
}
