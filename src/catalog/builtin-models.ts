/**
 * The built-in model table. Prices are USD per 1M tokens, written as decimal strings exactly as
 * published, because the spend ledger computes costs from the strings (see `microcentsPerMillion`),
 * never from binary floats.
 *
 * Sources:
 * - LiteLLM's cost map, BerriAI/litellm `model_prices_and_context_window.json` @
 *   00035b69f416be24e2e323c13198d9b7d2d1bdf9 (July 2026), https://github.com/BerriAI/litellm — its
 *   per-token costs × 10^6; context = `max_input_tokens`, max output = `max_output_tokens`. OpenAI rows
 *   are its un-prefixed keys with `litellm_provider: openai`, Anthropic rows its un-prefixed `claude-…`
 *   keys, Gemini rows its `gemini/…` keys (Google AI Studio prices; the un-prefixed ones are Vertex).
 *   "Cache write" is `cache_creation_input_token_cost`: Anthropic's 5-minute TTL price (the 1-hour TTL
 *   price is not held).
 * - Anthropic's pricing page, https://docs.anthropic.com/en/docs/about-claude/pricing, for the two
 *   Claude 3.5 models the cost map no longer carries; their limits from the cost map's Bedrock rows.
 *
 * Where a model has tiered prices, the table holds the standard tier (prompts ≤ 200k tokens, ≤ 272k for
 * gpt-5.4 and later); the higher tier is noted beside the row. Flex, batch and priority tiers are not
 * held: the standard tier is what a chat completion without `service_tier` pays.
 *
 * Left out, because no source prices them as a chat model today: `o1-mini`, `o1-preview` and
 * `gpt-4.5-preview` (retired; gone from the cost map), `gemini-1.5-*` (retired 2025-09-29), and models
 * billed by more than tokens — `*-search-preview` (per search), `*-audio-*` and `*-realtime-*` (audio
 * tokens), `*-deep-research` (tool calls). They are unpriced: Headroom warns about them at start-up and
 * refuses them under a budget (add their prices under `models:` in routes.yaml). Snapshots whose
 * retirement date had passed when the table was written (`gpt-4-0314`, `gpt-4-0125-preview`,
 * `gpt-4-1106-preview`, `gemini-3-pro-preview`) are left out too, except the older models operators
 * still route to by name (`gpt-4-0613`, which `gpt-4` serves; Claude 3 Opus, 3.5 and 3.7 Sonnet, 3.5
 * Haiku and Claude 4; Gemini 2.0 Flash and Flash-Lite), so that their calls stay priced.
 *
 * Dated snapshots priced like their alias have no row of their own: the alias rule (catalog.ts) maps
 * `gpt-4o-2024-11-20` to `gpt-4o`. A snapshot priced unlike its alias, and every id the rule does not
 * map (`gpt-3.5-turbo-0125`, `gemini-flash-latest`, `-preview` ids), has its own row.
 *
 * Capabilities: LiteLLM's `supports_function_calling`, `supports_vision` and `supports_response_schema`,
 * except that every Claude model has `jsonSchema`: the Anthropic adapter gives it through a forced tool
 * call.
 *
 * `reasoning`: the model follows OpenAI's reasoning-model parameter rules — `max_completion_tokens`
 * only, sampling parameters at their defaults only. True for the o-series, codex-mini and the gpt-5
 * family except its `-chat-latest` models; false for every Claude and Gemini model, whether or not it
 * thinks, since their APIs take those parameters.
 *
 * Embedding models (`embedding` set; the catalog's `kind: 'embedding'`) are priced per input token with an
 * output price of 0, `context` is the longest input and `maxOutput` 0: OpenAI's from
 * https://platform.openai.com/docs/pricing and https://platform.openai.com/docs/guides/embeddings, Gemini's
 * from https://ai.google.dev/gemini-api/docs/pricing and https://ai.google.dev/gemini-api/docs/embeddings.
 */
import type { EmbeddingSpec, ModelFamily } from './types.ts'

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
  /** OpenAI's reasoning-model parameter rules apply (see the header). */
  readonly reasoning: boolean
  /** Set on embedding models only: they serve the embeddings endpoints, never chat. */
  readonly embedding?: EmbeddingSpec
}

const CHAT = { tools: true, vision: true, jsonSchema: true } as const
/** Tools and images, no `json_schema` structured output. */
const NO_SCHEMA = { tools: true, vision: true, jsonSchema: false } as const
/** Tools, text only, no `json_schema`: GPT-3.5 and GPT-4 before Turbo. */
const TEXT_TOOLS = { tools: true, vision: false, jsonSchema: false } as const
const NO_VISION = { tools: true, vision: false, jsonSchema: true } as const
const NO_TOOLS = { tools: false, vision: true, jsonSchema: true } as const

const OPENAI = { family: 'openai', reasoning: false } as const
/** An OpenAI reasoning model. */
const OPENAI_R = { family: 'openai', reasoning: true } as const
const ANTHROPIC = { family: 'anthropic', reasoning: false, ...CHAT } as const
const GEMINI = { family: 'gemini', reasoning: false, ...CHAT } as const
/** An embedding model: text in, a vector out; no tools, images or structured output, no output tokens. */
const EMBEDDING = {
  reasoning: false,
  tools: false,
  vision: false,
  jsonSchema: false,
  output: '0',
  maxOutput: 0,
} as const

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  // OpenAI: GPT-3.5, GPT-4 --------------------------------------------------------------------
  { ...OPENAI, id: 'gpt-3.5-turbo', input: '0.50', output: '1.50', context: 16_385, maxOutput: 4_096, ...TEXT_TOOLS },
  {
    ...OPENAI,
    id: 'gpt-3.5-turbo-0125',
    input: '0.50',
    output: '1.50',
    context: 16_385,
    maxOutput: 4_096,
    ...TEXT_TOOLS,
  },
  {
    ...OPENAI,
    id: 'gpt-3.5-turbo-1106',
    input: '1.00',
    output: '2.00',
    context: 16_385,
    maxOutput: 4_096,
    ...TEXT_TOOLS,
  },
  { ...OPENAI, id: 'gpt-4', input: '30.00', output: '60.00', context: 8_192, maxOutput: 4_096, ...TEXT_TOOLS },
  { ...OPENAI, id: 'gpt-4-0613', input: '30.00', output: '60.00', context: 8_192, maxOutput: 4_096, ...TEXT_TOOLS },
  { ...OPENAI, id: 'gpt-4-turbo', input: '10.00', output: '30.00', context: 128_000, maxOutput: 4_096, ...NO_SCHEMA },
  {
    ...OPENAI,
    id: 'gpt-4-turbo-preview',
    input: '10.00',
    output: '30.00',
    context: 128_000,
    maxOutput: 4_096,
    ...TEXT_TOOLS,
  },

  // OpenAI: GPT-4o, GPT-4.1 -------------------------------------------------------------------
  {
    ...OPENAI,
    id: 'gpt-4o',
    input: '2.50',
    output: '10.00',
    cachedInput: '1.25',
    context: 128_000,
    maxOutput: 16_384,
    ...CHAT,
  },
  // The first gpt-4o snapshot kept its launch price and a 4k output cap.
  { ...OPENAI, id: 'gpt-4o-2024-05-13', input: '5.00', output: '15.00', context: 128_000, maxOutput: 4_096, ...CHAT },
  {
    ...OPENAI,
    id: 'gpt-4o-mini',
    input: '0.15',
    output: '0.60',
    cachedInput: '0.075',
    context: 128_000,
    maxOutput: 16_384,
    ...CHAT,
  },
  {
    ...OPENAI,
    id: 'chatgpt-4o-latest',
    input: '5.00',
    output: '15.00',
    context: 128_000,
    maxOutput: 4_096,
    ...NO_SCHEMA,
  },
  {
    ...OPENAI,
    id: 'gpt-4.1',
    input: '2.00',
    output: '8.00',
    cachedInput: '0.50',
    context: 1_047_576,
    maxOutput: 32_768,
    ...CHAT,
  },
  {
    ...OPENAI,
    id: 'gpt-4.1-mini',
    input: '0.40',
    output: '1.60',
    cachedInput: '0.10',
    context: 1_047_576,
    maxOutput: 32_768,
    ...CHAT,
  },
  {
    ...OPENAI,
    id: 'gpt-4.1-nano',
    input: '0.10',
    output: '0.40',
    cachedInput: '0.025',
    context: 1_047_576,
    maxOutput: 32_768,
    ...CHAT,
  },

  // OpenAI: o-series ---------------------------------------------------------------------------
  {
    ...OPENAI_R,
    id: 'o1',
    input: '15.00',
    output: '60.00',
    cachedInput: '7.50',
    context: 200_000,
    maxOutput: 100_000,
    ...CHAT,
  },
  // The -pro models are served by the Responses API only (so are the codex models below).
  { ...OPENAI_R, id: 'o1-pro', input: '150.00', output: '600.00', context: 200_000, maxOutput: 100_000, ...CHAT },
  {
    ...OPENAI_R,
    id: 'o3',
    input: '2.00',
    output: '8.00',
    cachedInput: '0.50',
    context: 200_000,
    maxOutput: 100_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'o3-mini',
    input: '1.10',
    output: '4.40',
    cachedInput: '0.55',
    context: 200_000,
    maxOutput: 100_000,
    ...NO_VISION,
  },
  { ...OPENAI_R, id: 'o3-pro', input: '20.00', output: '80.00', context: 200_000, maxOutput: 100_000, ...CHAT },
  {
    ...OPENAI_R,
    id: 'o4-mini',
    input: '1.10',
    output: '4.40',
    cachedInput: '0.275',
    context: 200_000,
    maxOutput: 100_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'codex-mini-latest',
    input: '1.50',
    output: '6.00',
    cachedInput: '0.375',
    context: 200_000,
    maxOutput: 100_000,
    ...CHAT,
  },

  // OpenAI: gpt-5 family (flex = half, priority = double the standard tier; the standard tier is listed)
  {
    ...OPENAI_R,
    id: 'gpt-5',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5-mini',
    input: '0.25',
    output: '2.00',
    cachedInput: '0.025',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5-nano',
    input: '0.05',
    output: '0.40',
    cachedInput: '0.005',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  { ...OPENAI_R, id: 'gpt-5-pro', input: '15.00', output: '120.00', context: 400_000, maxOutput: 128_000, ...CHAT },
  {
    ...OPENAI_R,
    id: 'gpt-5-codex',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI,
    id: 'gpt-5-chat-latest',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 128_000,
    maxOutput: 16_384,
    ...NO_TOOLS,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.1',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.1-codex',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.1-codex-max',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.1-codex-mini',
    input: '0.25',
    output: '2.00',
    cachedInput: '0.025',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI,
    id: 'gpt-5.1-chat-latest',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 128_000,
    maxOutput: 16_384,
    ...NO_TOOLS,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.2',
    input: '1.75',
    output: '14.00',
    cachedInput: '0.175',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  { ...OPENAI_R, id: 'gpt-5.2-pro', input: '21.00', output: '168.00', context: 272_000, maxOutput: 128_000, ...CHAT },
  {
    ...OPENAI_R,
    id: 'gpt-5.2-codex',
    input: '1.75',
    output: '14.00',
    cachedInput: '0.175',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI,
    id: 'gpt-5.2-chat-latest',
    input: '1.75',
    output: '14.00',
    cachedInput: '0.175',
    context: 128_000,
    maxOutput: 16_384,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.3-codex',
    input: '1.75',
    output: '14.00',
    cachedInput: '0.175',
    context: 272_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI,
    id: 'gpt-5.3-chat-latest',
    input: '1.75',
    output: '14.00',
    cachedInput: '0.175',
    context: 128_000,
    maxOutput: 16_384,
    ...CHAT,
  },
  // Above 272k prompt tokens: input 5.00, output 22.50, cached 0.50
  {
    ...OPENAI_R,
    id: 'gpt-5.4',
    input: '2.50',
    output: '15.00',
    cachedInput: '0.25',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.4-mini',
    input: '0.75',
    output: '4.50',
    cachedInput: '0.075',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.4-nano',
    input: '0.20',
    output: '1.25',
    cachedInput: '0.02',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  // Above 272k: input 60.00, output 270.00, cached 6.00
  {
    ...OPENAI_R,
    id: 'gpt-5.4-pro',
    input: '30.00',
    output: '180.00',
    cachedInput: '3.00',
    context: 1_050_000,
    maxOutput: 128_000,
    ...NO_SCHEMA,
  },
  // Above 272k: input 10.00, output 45.00, cached 1.00
  {
    ...OPENAI_R,
    id: 'gpt-5.5',
    input: '5.00',
    output: '30.00',
    cachedInput: '0.50',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  // Above 272k: input 60.00, output 270.00, cached 6.00
  {
    ...OPENAI_R,
    id: 'gpt-5.5-pro',
    input: '30.00',
    output: '180.00',
    cachedInput: '3.00',
    context: 1_050_000,
    maxOutput: 128_000,
    ...NO_SCHEMA,
  },
  // gpt-5.6 family, above 272k: input, output and cache prices × 2 (output × 1.5)
  {
    ...OPENAI_R,
    id: 'gpt-5.6',
    input: '5.00',
    output: '30.00',
    cachedInput: '0.50',
    cacheWrite: '6.25',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.6-sol',
    input: '5.00',
    output: '30.00',
    cachedInput: '0.50',
    cacheWrite: '6.25',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.6-terra',
    input: '2.50',
    output: '15.00',
    cachedInput: '0.25',
    cacheWrite: '3.125',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },
  {
    ...OPENAI_R,
    id: 'gpt-5.6-luna',
    input: '1.00',
    output: '6.00',
    cachedInput: '0.10',
    cacheWrite: '1.25',
    context: 1_050_000,
    maxOutput: 128_000,
    ...CHAT,
  },

  // Anthropic -----------------------------------------------------------------------------------
  {
    ...ANTHROPIC,
    id: 'claude-3-haiku',
    input: '0.25',
    output: '1.25',
    cachedInput: '0.03',
    cacheWrite: '0.30',
    context: 200_000,
    maxOutput: 4_096,
  },
  {
    ...ANTHROPIC,
    id: 'claude-3-opus',
    input: '15.00',
    output: '75.00',
    cachedInput: '1.50',
    cacheWrite: '18.75',
    context: 200_000,
    maxOutput: 4_096,
  },
  // Anthropic's pricing page (the cost map's Bedrock row agrees).
  {
    ...ANTHROPIC,
    id: 'claude-3-5-haiku',
    input: '0.80',
    output: '4.00',
    cachedInput: '0.08',
    cacheWrite: '1.00',
    context: 200_000,
    maxOutput: 8_192,
  },
  // Anthropic's pricing page; limits from the cost map's Bedrock claude-3-5-sonnet-20240620 row.
  {
    ...ANTHROPIC,
    id: 'claude-3-5-sonnet',
    input: '3.00',
    output: '15.00',
    cachedInput: '0.30',
    cacheWrite: '3.75',
    context: 200_000,
    maxOutput: 8_192,
  },
  {
    ...ANTHROPIC,
    id: 'claude-3-7-sonnet',
    input: '3.00',
    output: '15.00',
    cachedInput: '0.30',
    cacheWrite: '3.75',
    context: 200_000,
    maxOutput: 64_000,
  },
  // 1M context needs Anthropic's long-context beta, so the standard 200k window is what a request can
  // count on. Above 200k: input 6.00, output 22.50, cached 0.60.
  {
    ...ANTHROPIC,
    id: 'claude-sonnet-4',
    input: '3.00',
    output: '15.00',
    cachedInput: '0.30',
    cacheWrite: '3.75',
    context: 200_000,
    maxOutput: 64_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-opus-4',
    input: '15.00',
    output: '75.00',
    cachedInput: '1.50',
    cacheWrite: '18.75',
    context: 200_000,
    maxOutput: 32_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-opus-4-1',
    input: '15.00',
    output: '75.00',
    cachedInput: '1.50',
    cacheWrite: '18.75',
    context: 200_000,
    maxOutput: 32_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-haiku-4-5',
    input: '1.00',
    output: '5.00',
    cachedInput: '0.10',
    cacheWrite: '1.25',
    context: 200_000,
    maxOutput: 64_000,
  },
  // Above 200k prompt tokens: input 6.00, output 22.50, cached 0.60
  {
    ...ANTHROPIC,
    id: 'claude-sonnet-4-5',
    input: '3.00',
    output: '15.00',
    cachedInput: '0.30',
    cacheWrite: '3.75',
    context: 200_000,
    maxOutput: 64_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-opus-4-5',
    input: '5.00',
    output: '25.00',
    cachedInput: '0.50',
    cacheWrite: '6.25',
    context: 200_000,
    maxOutput: 64_000,
  },
  // From 4.6 on, the 1M window is standard and priced flat.
  {
    ...ANTHROPIC,
    id: 'claude-sonnet-4-6',
    input: '3.00',
    output: '15.00',
    cachedInput: '0.30',
    cacheWrite: '3.75',
    context: 1_000_000,
    maxOutput: 64_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-opus-4-6',
    input: '5.00',
    output: '25.00',
    cachedInput: '0.50',
    cacheWrite: '6.25',
    context: 1_000_000,
    maxOutput: 128_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-opus-4-7',
    input: '5.00',
    output: '25.00',
    cachedInput: '0.50',
    cacheWrite: '6.25',
    context: 1_000_000,
    maxOutput: 128_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-opus-4-8',
    input: '5.00',
    output: '25.00',
    cachedInput: '0.50',
    cacheWrite: '6.25',
    context: 1_000_000,
    maxOutput: 128_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-sonnet-5',
    input: '2.00',
    output: '10.00',
    cachedInput: '0.20',
    cacheWrite: '2.50',
    context: 1_000_000,
    maxOutput: 128_000,
  },
  {
    ...ANTHROPIC,
    id: 'claude-fable-5',
    input: '10.00',
    output: '50.00',
    cachedInput: '1.00',
    cacheWrite: '12.50',
    context: 1_000_000,
    maxOutput: 128_000,
  },

  // Gemini (Google AI Studio prices) ------------------------------------------------------------
  // Audio input costs more (2.0-flash 0.70, 2.5-flash 1.00, 2.5-flash-lite 0.30); the text price is listed.
  {
    ...GEMINI,
    id: 'gemini-2.0-flash',
    input: '0.10',
    output: '0.40',
    cachedInput: '0.025',
    context: 1_048_576,
    maxOutput: 8_192,
  },
  {
    ...GEMINI,
    id: 'gemini-2.0-flash-lite',
    input: '0.075',
    output: '0.30',
    cachedInput: '0.01875',
    context: 1_048_576,
    maxOutput: 8_192,
  },
  {
    ...GEMINI,
    id: 'gemini-2.5-flash',
    input: '0.30',
    output: '2.50',
    cachedInput: '0.03',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  {
    ...GEMINI,
    id: 'gemini-2.5-flash-preview-09-2025',
    input: '0.30',
    output: '2.50',
    cachedInput: '0.075',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  {
    ...GEMINI,
    id: 'gemini-flash-latest',
    input: '0.30',
    output: '2.50',
    cachedInput: '0.075',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  {
    ...GEMINI,
    id: 'gemini-2.5-flash-lite',
    input: '0.10',
    output: '0.40',
    cachedInput: '0.01',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  {
    ...GEMINI,
    id: 'gemini-2.5-flash-lite-preview-09-2025',
    input: '0.10',
    output: '0.40',
    cachedInput: '0.01',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  {
    ...GEMINI,
    id: 'gemini-flash-lite-latest',
    input: '0.10',
    output: '0.40',
    cachedInput: '0.025',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  // Above 200k prompt tokens: input 2.50, output 15.00, cached 0.25
  {
    ...GEMINI,
    id: 'gemini-2.5-pro',
    input: '1.25',
    output: '10.00',
    cachedInput: '0.125',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  {
    ...GEMINI,
    id: 'gemini-3-flash-preview',
    input: '0.50',
    output: '3.00',
    cachedInput: '0.05',
    context: 1_048_576,
    maxOutput: 65_535,
  },
  {
    ...GEMINI,
    id: 'gemini-3.1-flash-lite',
    input: '0.25',
    output: '1.50',
    cachedInput: '0.025',
    context: 1_048_576,
    maxOutput: 65_536,
  },
  {
    ...GEMINI,
    id: 'gemini-3.1-flash-lite-preview',
    input: '0.25',
    output: '1.50',
    cachedInput: '0.025',
    context: 1_048_576,
    maxOutput: 65_536,
  },
  // Above 200k prompt tokens: input 4.00, output 18.00, cached 0.40
  {
    ...GEMINI,
    id: 'gemini-3.1-pro-preview',
    input: '2.00',
    output: '12.00',
    cachedInput: '0.20',
    context: 1_048_576,
    maxOutput: 65_536,
  },
  {
    ...GEMINI,
    id: 'gemini-3.5-flash',
    input: '1.50',
    output: '9.00',
    cachedInput: '0.15',
    context: 1_048_576,
    maxOutput: 65_535,
  },

  // Embedding models ------------------------------------------------------------------------------
  // Only the -3 models take a shorter `dimensions`. Longest input 8192 tokens, as the API reference and the
  // API's own errors say (https://platform.openai.com/docs/api-reference/embeddings/create); the guide's
  // table says 8191.
  {
    ...EMBEDDING,
    family: 'openai',
    id: 'text-embedding-3-small',
    input: '0.02',
    context: 8_192,
    embedding: { dimensions: 1536, shortenable: true },
  },
  {
    ...EMBEDDING,
    family: 'openai',
    id: 'text-embedding-3-large',
    input: '0.13',
    context: 8_192,
    embedding: { dimensions: 3072, shortenable: true },
  },
  {
    ...EMBEDDING,
    family: 'openai',
    id: 'text-embedding-ada-002',
    input: '0.10',
    context: 8_192,
    embedding: { dimensions: 1536, shortenable: false },
  },
  {
    ...EMBEDDING,
    family: 'gemini',
    id: 'gemini-embedding-001',
    input: '0.15',
    context: 2_048,
    embedding: { dimensions: 3072, shortenable: true },
  },
  // Free of charge on Gemini's pricing page while it was served, and since retired for gemini-embedding-001
  // (https://ai.google.dev/gemini-api/docs/deprecations). Kept at $0, its true price, because the simulator
  // still serves it: its calls are priced rather than flagged as unpriced.
  {
    ...EMBEDDING,
    family: 'gemini',
    id: 'text-embedding-004',
    input: '0',
    context: 2_048,
    embedding: { dimensions: 768, shortenable: true },
  },
]
