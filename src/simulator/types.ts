/**
 * Public types of the provider simulator, plus the provider-neutral request/answer shapes the three
 * wire modules translate to and from. See README.md in this folder for the behaviour behind them.
 */

export type Api = 'openai' | 'anthropic' | 'gemini'

export type FaultKind =
  | 'server_error'
  | 'overloaded'
  | 'rate_limit'
  | 'stall'
  | 'cut'
  | 'malformed'
  | 'wrong_content_type'
  | 'error_event'
  | 'custom'

export const FAULT_KINDS: readonly FaultKind[] = [
  'server_error',
  'overloaded',
  'rate_limit',
  'stall',
  'cut',
  'malformed',
  'wrong_content_type',
  'error_event',
  'custom',
]

export interface Fault {
  kind: FaultKind
  /** Stream faults (cut, malformed, error_event): how many events go out first. Default 2. */
  afterChunks?: number
  /** rate_limit: the retry hint. Default 1000 ms. */
  retryAfterMs?: number
  /** custom: the HTTP status. Default 500. */
  status?: number
  /** custom: the body (objects are sent as JSON, strings as they are). */
  body?: unknown
}

export interface SimModelConfig {
  /** Requests per minute, per (API key × model). Token bucket, continuous refill over 60 s. */
  rpm?: number
  /** Tokens per minute, per (API key × model); charged prompt + max output at admission. */
  tpm?: number
  /** Anthropic input tokens per minute. */
  itpm?: number
  /** Anthropic output tokens per minute (charged max_tokens at admission). */
  otpm?: number
  /** The rate-limit window, ms (default 60,000: "per minute"). Tests shorten it; headers and retry hints follow. */
  windowMs?: number
  /** Time to first token, ms. */
  ttftMs: number
  /** Time per output token after the first, ms. */
  tokenDelayMs: number
  /** Answer length in tokens (words) when no directive says otherwise. */
  outputTokens: number
  /** Probability per request of each fault, drawn from the simulator's seeded random stream. */
  faultRates?: Partial<Record<FaultKind, number>>
  /** Report reasoning / thought tokens (o-series, gpt-5*, gemini-2.5*). */
  reasoning?: boolean
  /**
   * OpenAI embeddings, on a server without base64: `encoding_format: "base64"` `ignored` (floats answered
   * anyway: mudler/LocalAI#9135, sgl-project/sglang#28803) or `refused` with a 400 (vllm-project/vllm#6174).
   */
  base64?: 'ignored' | 'refused'
}

export interface SimulatorOptions {
  port?: number
  host?: string
  seed?: number
  validKeys?: string[]
  /** Extra or overriding models per API; the model id `'*'` accepts any id on that API. */
  models?: Partial<Record<Api, Record<string, Partial<SimModelConfig>>>>
  defaults?: Partial<SimModelConfig>
}

export interface SimRequestLog {
  at: number
  api: Api
  /** The model id as the client sent it. */
  model: string
  /** A short, non-secret prefix of the API key (`sk-abc…`), or '' when none was sent. */
  key: string
  path: string
  stream: boolean
  /** The parsed JSON body (undefined for GET). */
  body: unknown
  /** HTTP status sent; 0 when no response head was ever sent (stall, cut before answering). */
  status: number
  fault?: FaultKind
}

export interface StatsFilter {
  api?: Api
  model?: string
  status?: number
}

export interface Simulator {
  readonly url: string
  readonly port: number
  close(): Promise<void>
  configure(api: Api | '*', model: string, cfg: Partial<SimModelConfig>): void
  script(api: Api | '*', model: string, faults: Fault[]): void
  reset(): void
  readonly log: readonly SimRequestLog[]
  stats(filter?: StatsFilter): number
}

// ---------------------------------------------------------------------------------------------
// Provider-neutral shapes (internal).

/** One piece of the prompt, in the order the provider caches prefixes (tools, system, messages). */
export interface Segment {
  /** Canonical text of the piece, hashed for prefix caching and the answer seed. */
  key: string
  tokens: number
  /** Anthropic `cache_control` on this block: its TTL. */
  cacheTtl?: '5m' | '1h'
}

export interface ToolSpec {
  name: string
  schema: unknown
}

export type ToolChoiceMode = 'auto' | 'none' | 'required' | 'tool'

export interface ToolResult {
  name: string
  content: string
}

/** What generation needs to know about a request, whatever API it came through. */
export interface SimRequest {
  segments: Segment[]
  /** Text of the last user message, where directives are read. */
  lastUserText: string
  /** Images in the last user message. */
  images: number
  /** The conversation ends with a user turn (not a prefill, not tool results): tools may be called. */
  endsWithUser: boolean
  /** Set when the conversation ends with tool results: the answer reports them. */
  toolResults: ToolResult[] | null
  tools: ToolSpec[]
  toolChoice: ToolChoiceMode
  forcedTool: string | null
  parallelTools: boolean
  /** JSON mode: `schema` null means "any JSON object". */
  json: { schema: unknown } | null
  /** The request's output cap (max_tokens, max_completion_tokens, maxOutputTokens). */
  maxTokens: number | null
  stop: string[]
  choices: number
  userSeed: number | null
  /** Multiplier of visible tokens spent on reasoning (0 = none); the model's `reasoning` flag gates it. */
  reasoningFactor: number
  /** Hard cap on reasoning tokens (Gemini thinkingBudget, Anthropic budget_tokens). */
  reasoningBudget: number | null
  /** Anthropic extended thinking: the answer carries a thinking block. */
  thinkingBlock: boolean
}

export type FinishKind = 'stop' | 'length' | 'stop_sequence' | 'tool_calls'

export interface ToolCallOut {
  id: string
  name: string
  argsJson: string
  args: unknown
}

export interface Answer {
  /** Text pieces, one token each; their concatenation is the answer text. */
  pieces: string[]
  text: string
  json: boolean
  toolCalls: ToolCallOut[]
  finish: FinishKind
  stopSequence: string | null
  /** Visible output tokens (text pieces + tool calls). */
  outputTokens: number
  reasoningTokens: number
  /** Text of the thinking block (Anthropic extended thinking), else ''. */
  thinking: string
}

export interface PromptUsage {
  promptTokens: number
  /** Read from cache (OpenAI cached_tokens, Anthropic cache_read, Gemini cachedContentTokenCount). */
  cachedTokens: number
  /** Anthropic cache writes, split by TTL. */
  cacheWrite5m: number
  cacheWrite1h: number
}
