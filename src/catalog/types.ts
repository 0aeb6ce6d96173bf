/**
 * What the model catalog says about a model: price, context window, output cap, capabilities. Every
 * layer reads these; the catalog itself is catalog.ts.
 */

/**
 * Which rows of the catalog price a model: the family of the provider type that serves it (each
 * provider's descriptor names its family; `openai-compatible` servers read OpenAI's rows).
 */
export type ModelFamily = string

/** Prices in USD per 1M tokens. */
export interface ModelPrice {
  input: number
  output: number
  /** Prompt tokens read from a cache; defaults to `input` when the provider has no discount. */
  cachedInput?: number
  /** Anthropic cache writes (5-minute TTL price). */
  cacheWrite?: number
}

export interface ModelCapabilities {
  tools: boolean
  vision: boolean
  /** Structured output with a JSON schema (`response_format: json_schema`). */
  jsonSchema: boolean
}

/**
 * What a model is for: `chat` models serve chat completions, Responses and Messages; `embedding` models
 * serve the embeddings endpoints only, so chat routing never picks them.
 */
export type ModelKind = 'chat' | 'embedding'

/** What an embedding model returns, beside its max input (`context`). */
export interface EmbeddingSpec {
  /** Length of the vectors when the request names none. */
  dimensions: number
  /** Takes a smaller length (OpenAI's `dimensions`, Gemini's `outputDimensionality`). */
  shortenable: boolean
}

export interface ModelInfo {
  /** The catalog key, e.g. `gpt-4.1-mini`, `claude-sonnet-4-5`, `gemini-2.5-flash`. */
  id: string
  /** The API family the model belongs to. */
  family: ModelFamily
  /** `chat` unless the built-in table marks it an embedding model. */
  kind: ModelKind
  /** Prices; an embedding model's output price is 0 (it writes no tokens). */
  price: ModelPrice
  /** Max input tokens (for an embedding model: per input). */
  context: number
  /** Max output tokens (0 for an embedding model). */
  maxOutput: number
  /** Embedding models only. */
  embedding?: EmbeddingSpec
  capabilities: ModelCapabilities
  /**
   * OpenAI's reasoning-model parameter rules apply: `max_completion_tokens` only, sampling parameters at
   * their defaults only (o-series, gpt-5 family but its chat models). False for models routes.yaml adds.
   */
  reasoning: boolean
  /** The decimal strings the prices came from, for exact cost arithmetic (see spend). */
  priceSource?: Record<keyof ModelPrice, string | undefined>
}

export interface Catalog {
  /**
   * The entry for a model as a provider serves it: a routes.yaml override for `provider/model` first,
   * then one for the bare model id, then the built-in entry of the provider's family (dated ids
   * and aliases resolve, e.g. `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`). Null when unknown.
   */
  lookup(target: { provider: string; family: ModelFamily; model: string }): ModelInfo | null
  entries(): readonly ModelInfo[]
}
