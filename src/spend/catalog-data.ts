/**
 * The built-in model table. Prices are USD per 1M tokens, written as decimal strings exactly as
 * published, because the spend ledger computes costs from the strings (see `microcentsPerMillion`),
 * never from binary floats.
 *
 * Source: LiteLLM `model_prices_and_context_window.json` @ 00035b69 (July 2026), as summarised in
 * /work/shared/reference/provider-wire-formats.md §5. Where a model has tiered prices, the table holds
 * the standard tier (prompts ≤ 200k tokens); the tiers are noted beside the row. "Cache write" is
 * Anthropic's 5-minute-TTL price (the 1-hour price is noted).
 *
 * Capabilities: every chat model here takes tools and images. `jsonSchema` is true for all of them:
 * OpenAI natively (gpt-4o and later, gpt-4.1, o-series, gpt-5), Gemini natively (responseSchema), and
 * Anthropic through a forced tool call, which the Anthropic adapter does.
 */
import type { ModelInfo } from '../routing/types.ts'

export type ModelFamily = ModelInfo['family']

export interface BuiltinModel {
  readonly id: string
  readonly family: ModelFamily
  readonly input: string
  readonly output: string
  readonly cachedInput?: string
  readonly cacheWrite?: string
  /** Max input tokens. */
  readonly context: number
  readonly maxOutput: number
  readonly tools: boolean
  readonly vision: boolean
  readonly jsonSchema: boolean
}

const CHAT = { tools: true, vision: true, jsonSchema: true } as const

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  // OpenAI ------------------------------------------------------------------------------------
  { id: 'gpt-4o', family: 'openai', input: '2.50', output: '10.00', cachedInput: '1.25', context: 128_000, maxOutput: 16_384, ...CHAT },
  // The first gpt-4o snapshot kept its launch price and a 4k output cap; without this row the alias
  // rule would price it as `gpt-4o`. Source: OpenAI pricing page (not in the §5 table).
  { id: 'gpt-4o-2024-05-13', family: 'openai', input: '5.00', output: '15.00', context: 128_000, maxOutput: 4_096, ...CHAT },
  { id: 'gpt-4o-mini', family: 'openai', input: '0.15', output: '0.60', cachedInput: '0.075', context: 128_000, maxOutput: 16_384, ...CHAT },
  { id: 'gpt-4.1', family: 'openai', input: '2.00', output: '8.00', cachedInput: '0.50', context: 1_047_576, maxOutput: 32_768, ...CHAT },
  { id: 'gpt-4.1-mini', family: 'openai', input: '0.40', output: '1.60', cachedInput: '0.10', context: 1_047_576, maxOutput: 32_768, ...CHAT },
  { id: 'gpt-4.1-nano', family: 'openai', input: '0.10', output: '0.40', cachedInput: '0.025', context: 1_047_576, maxOutput: 32_768, ...CHAT },
  { id: 'o3', family: 'openai', input: '2.00', output: '8.00', cachedInput: '0.50', context: 200_000, maxOutput: 100_000, ...CHAT },
  { id: 'o4-mini', family: 'openai', input: '1.10', output: '4.40', cachedInput: '0.275', context: 200_000, maxOutput: 100_000, ...CHAT },
  // gpt-5 family: flex (half) and priority (double) tiers exist; the standard tier is listed.
  { id: 'gpt-5', family: 'openai', input: '1.25', output: '10.00', cachedInput: '0.125', context: 272_000, maxOutput: 128_000, ...CHAT },
  { id: 'gpt-5-mini', family: 'openai', input: '0.25', output: '2.00', cachedInput: '0.025', context: 272_000, maxOutput: 128_000, ...CHAT },
  { id: 'gpt-5-nano', family: 'openai', input: '0.05', output: '0.40', cachedInput: '0.005', context: 272_000, maxOutput: 128_000, ...CHAT },

  // Anthropic ---------------------------------------------------------------------------------
  // cache write 1h TTL: 2.00
  { id: 'claude-haiku-4-5', family: 'anthropic', input: '1.00', output: '5.00', cachedInput: '0.10', cacheWrite: '1.25', context: 200_000, maxOutput: 64_000, ...CHAT },
  // Above 200k prompt tokens: input 6.00, output 22.50, cached 0.60; cache write 1h TTL: 6.00
  { id: 'claude-sonnet-4-5', family: 'anthropic', input: '3.00', output: '15.00', cachedInput: '0.30', cacheWrite: '3.75', context: 200_000, maxOutput: 64_000, ...CHAT },
  // cache write 1h TTL: 30.00
  { id: 'claude-opus-4-1', family: 'anthropic', input: '15.00', output: '75.00', cachedInput: '1.50', cacheWrite: '18.75', context: 200_000, maxOutput: 32_000, ...CHAT },
  // cache write 1h TTL: 6.00
  { id: 'claude-3-7-sonnet', family: 'anthropic', input: '3.00', output: '15.00', cachedInput: '0.30', cacheWrite: '3.75', context: 200_000, maxOutput: 64_000, ...CHAT },
  // 1M context needs Anthropic's long-context beta, so the standard 200k window is what a request can
  // count on. Above 200k: input 6.00, output 22.50, cached 0.60; cache write 1h TTL: 6.00
  { id: 'claude-sonnet-4', family: 'anthropic', input: '3.00', output: '15.00', cachedInput: '0.30', cacheWrite: '3.75', context: 200_000, maxOutput: 64_000, ...CHAT },
  // cache write 1h TTL: 30.00
  { id: 'claude-opus-4', family: 'anthropic', input: '15.00', output: '75.00', cachedInput: '1.50', cacheWrite: '18.75', context: 200_000, maxOutput: 32_000, ...CHAT },
  // Prices from the Bedrock row, which matched the last direct-Anthropic entry (see §5 notes).
  { id: 'claude-3-5-haiku', family: 'anthropic', input: '0.80', output: '4.00', cachedInput: '0.08', cacheWrite: '1.00', context: 200_000, maxOutput: 8_192, ...CHAT },

  // Gemini (Google AI Studio prices) ------------------------------------------------------------
  // Audio input costs more (2.0-flash 0.70, 2.5-flash 1.00, 2.5-flash-lite 0.30); the text price is listed.
  { id: 'gemini-2.0-flash', family: 'gemini', input: '0.10', output: '0.40', cachedInput: '0.025', context: 1_048_576, maxOutput: 8_192, ...CHAT },
  { id: 'gemini-2.5-flash', family: 'gemini', input: '0.30', output: '2.50', cachedInput: '0.03', context: 1_048_576, maxOutput: 65_535, ...CHAT },
  { id: 'gemini-2.5-flash-lite', family: 'gemini', input: '0.10', output: '0.40', cachedInput: '0.01', context: 1_048_576, maxOutput: 65_535, ...CHAT },
  // Above 200k prompt tokens: input 2.50, output 15.00, cached 0.25
  { id: 'gemini-2.5-pro', family: 'gemini', input: '1.25', output: '10.00', cachedInput: '0.125', context: 1_048_576, maxOutput: 65_535, ...CHAT },
]
