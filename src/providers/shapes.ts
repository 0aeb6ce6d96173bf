/**
 * Builders for the OpenAI shapes every adapter emits, so that all three produce the same bytes for the
 * same facts (key order included, which makes fixtures comparable).
 */
import { randomBytes } from 'node:crypto'
import type { ChatChunk, ChunkDelta, FinishReason, Usage } from './openai-schema.ts'
import type { ProviderUsage } from './types.ts'

// Ids are a random per-process prefix plus a counter: unique without a random-number syscall per id.
const PREFIX = randomBytes(9).toString('base64url')
let counter = 0
function nextSuffix(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER
  return PREFIX + counter.toString(36).padStart(8, '0')
}

/** `chatcmpl-` + 20 characters, the shape OpenAI ids have. */
export function completionId(): string {
  return `chatcmpl-${nextSuffix()}`
}

/** `call_` + 20 characters: for providers that give tool calls no id (Gemini). */
export function toolCallId(): string {
  return `call_${nextSuffix()}`
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** OpenAI `usage` from normalised usage. Invariants: prompt includes cached; total = prompt + completion. */
export function toOpenAIUsage(u: ProviderUsage): Usage {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  }
}

/** Normalised usage from OpenAI `usage` (for the OpenAI adapter and for checks). */
export function fromOpenAIUsage(u: Usage | null | undefined): ProviderUsage | null {
  if (!u || typeof u.prompt_tokens !== 'number') return null
  return {
    promptTokens: u.prompt_tokens,
    cachedTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    completionTokens: u.completion_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  }
}

export interface ChunkHead {
  id: string
  created: number
  model: string
}

export function chunk(head: ChunkHead, delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk {
  return {
    id: head.id,
    object: 'chat.completion.chunk',
    created: head.created,
    model: head.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  }
}

export function usageChunk(head: ChunkHead, usage: ProviderUsage): ChatChunk {
  return {
    id: head.id,
    object: 'chat.completion.chunk',
    created: head.created,
    model: head.model,
    choices: [],
    usage: toOpenAIUsage(usage),
  }
}
