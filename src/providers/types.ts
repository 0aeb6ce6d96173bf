/**
 * The seam between Headroom's core and its provider adapters. An adapter turns an OpenAI-shaped
 * request into one upstream call and the upstream answer back into OpenAI shapes; it throws only
 * `ProviderError`. Adapters import nothing from server, routing or spend.
 */
import { defaultErrorType } from '../lib/api-error.ts'
import type { EmbeddingRequest, EmbeddingResponse } from './embeddings-schema.ts'
import type { ChatChunk, ChatCompletion, ChatRequest } from './openai-schema.ts'

/** One upstream destination: provider instance × API key × model. */
export interface Target {
  /** `provider/model` as written in routes.yaml, e.g. `openai/gpt-4.1-mini`. */
  readonly id: string
  /** The provider instance name from routes.yaml (`openai`, `google`, `my-vllm`). */
  readonly provider: string
  /** The provider's type (routes.yaml `type`): which adapter serves it. */
  readonly type: string
  /** The model id sent upstream. */
  readonly model: string
  /** Stable, secret-free name of the key (`openai#1`): the only way keys appear in logs and tables. */
  readonly keyAlias: string
  /** Identity of the target's live state (`openai#1/gpt-4.1-mini`): each key × model has its own. */
  readonly stateId: string
  /** The secret. Never logged, never echoed in errors or headers. */
  readonly apiKey: string
  /** Origin (+ optional path prefix) of the API, without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string
  /** Per-call timeout in ms: for the response headers, and for any silence inside a body. */
  readonly timeoutMs: number
  /**
   * Extra headers sent upstream on every call (e.g. `OpenAI-Organization`); lower-case names, winning over the
   * adapter's.
   */
  readonly headers?: Readonly<Record<string, string>>
  /**
   * The output cap when the client sets none: what the Anthropic adapter sends as `max_tokens` (Anthropic
   * requires one), and what the planner reserves against every provider's limits (routes.yaml
   * `default_max_tokens`, capped by the model's max output). Absent: DEFAULT_MAX_TOKENS.
   */
  readonly defaultMaxTokens?: number
  /** The most the model writes in one answer, when the catalog knows (Anthropic: the `max_tokens` it takes). */
  readonly maxOutputTokens?: number
  /**
   * Set when the model follows OpenAI's reasoning-model parameter rules (o-series, gpt-5 family): the
   * OpenAI adapter then renames and drops what such a model refuses. Decided once per target by the
   * router, from its catalog and the model id.
   */
  readonly reasoning?: ReasoningRules
}

/** What an OpenAI reasoning model refuses beyond the rules all of them share. */
export interface ReasoningRules {
  /** o-series: `parallel_tool_calls` is refused, even `false` (gpt-5 takes it). */
  readonly refusesParallelToolCalls: boolean
}

/**
 * The output cap when neither the client nor routes.yaml gives one: 4096, LiteLLM's
 * `DEFAULT_ANTHROPIC_CHAT_MAX_TOKENS`, which every Claude model accepts and clients moving from LiteLLM expect.
 */
export const DEFAULT_MAX_TOKENS = 4096

/** One rate-limit window as reported by a provider. `resetAt` is absolute (epoch ms). */
export interface RateLimitWindow {
  limit?: number
  remaining?: number
  resetAt?: number
}

/** A provider's rate-limit headers normalised to one shape. */
export interface RateLimitSnapshot {
  /** When the snapshot was taken (epoch ms). */
  at: number
  requests?: RateLimitWindow
  /** Total tokens (OpenAI), or Anthropic's most restrictive token limit. */
  tokens?: RateLimitWindow
  inputTokens?: RateLimitWindow
  outputTokens?: RateLimitWindow
  /** From `retry-after` / `retry-after-ms` / Gemini `RetryInfo.retryDelay`, when present. */
  retryAfterMs?: number
}

/** Usage as the provider reported it, normalised; richer than OpenAI's `usage` (cache writes). */
export interface ProviderUsage {
  /** All prompt tokens, cached and cache-written ones included (OpenAI's definition). */
  promptTokens: number
  /**
   * Prompt tokens read from a cache (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`, Gemini
   * `cachedContentTokenCount`).
   */
  cachedTokens: number
  /** Prompt tokens written to a cache (Anthropic `cache_creation_input_tokens`); 0 elsewhere. */
  cacheWriteTokens: number
  /** All output tokens, reasoning included. */
  completionTokens: number
  reasoningTokens: number
}

/** Facts about the call that are complete only when the answer is (for streams: when it ends). */
export interface UpstreamMeta {
  usage: ProviderUsage | null
  /**
   * Whether `usage` is the provider's closing count (a complete answer's usage; in a stream, Anthropic's
   * `message_delta` followed by `message_stop`, OpenAI's usage chunk, Gemini's `usageMetadata` once every
   * candidate has its `finishReason`). A stream that ends before it has at most a partial count
   * (Anthropic's `message_start`, Gemini's running `usageMetadata`): the spend row then estimates.
   */
  usageFinal: boolean
  /** The model the provider says served the call, when it says. */
  model: string | null
  /**
   * A passed-through answer's own stop reasons, as the provider said them (Anthropic `stop_reason`, a
   * Responses `status` or `incomplete_details.reason`, chat `finish_reason`s); unset on the translated path.
   */
  finishReasons?: readonly string[]
  /** The upstream request id (`x-request-id`, `request-id`, Gemini `responseId`). */
  requestId: string | null
  /**
   * Parameters the provider could not honour exactly but that were safe to drop or approximate
   * (e.g. `seed` on Anthropic). The server reports them in an `x-headroom-warning` header; anything
   * that would change the answer's meaning is a 400 instead.
   */
  warnings: string[]
}

export interface Upstream<T> {
  body: T
  limits: RateLimitSnapshot | null
  latency: { ttftMs?: number }
  meta: UpstreamMeta
}

/** A client API that a provider also speaks natively: a request in it can be passed through. */
export type NativeApi = 'openai-chat' | 'openai-responses' | 'anthropic-messages'

/**
 * A request in the client's own API, for a target whose provider speaks it: passed through, not translated.
 * Sent with `model` replaced by the target's, nothing else changed — except that an OpenAI reasoning model
 * (`target.reasoning`) gets the same parameter renames on `openai-chat` as on the translated path
 * (`max_tokens` → `max_completion_tokens`, …), since OpenAI refuses the originals on those models.
 */
export interface NativeRequest {
  readonly api: NativeApi
  /** The client's body as parsed JSON; sent with `model` replaced by the target's model, nothing else changed. */
  readonly body: Readonly<Record<string, unknown>>
  /** Whether the body asks for a stream (`stream: true`). */
  readonly stream: boolean
  /**
   * Client headers forwarded upstream as they are (already validated by the server), lower-case names:
   * anthropic-version, anthropic-beta. Others are not sent.
   */
  readonly headers: Readonly<Record<string, string>>
}

/** One piece of a native stream: the exact bytes of one or more whole SSE events, and whether they carry output. */
export interface NativeFrame {
  readonly data: string
  /** Carries output (text, a tool call, thinking, refusal): a stream is held until its first such frame (failover before the first token). */
  readonly content: boolean
}

/**
 * A native answer: the upstream's JSON body, or its stream's frames, as they came. `text()` (a closure, safe to
 * call detached) is the output so far — text deltas, tool-call names and arguments, thinking — from which
 * usage is estimated when the provider gives none.
 */
export type NativeAnswer =
  | { readonly kind: 'json'; readonly body: string; text(): string }
  | { readonly kind: 'stream'; readonly frames: AsyncIterable<NativeFrame>; text(): string }

export interface ProviderAdapter {
  /** The provider type it serves (routes.yaml `type`). */
  readonly type: string
  /** Non-streaming call. */
  complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>>
  /**
   * Streaming call. Resolves once the upstream has answered with a 2xx and its headers (so that
   * HTTP-level errors reject here, as ProviderError); the iterable then yields OpenAI chunks. It ends
   * with the finish chunk and, always, a usage chunk (`choices: []`) when usage is known; the server
   * decides whether the client sees the usage chunk. A stream that breaks (cut, malformed, upstream
   * error event) throws ProviderError from the iterator. Cancelling `signal` aborts the upstream call.
   */
  stream(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<AsyncIterable<ChatChunk>>>
  /**
   * Embeddings (`POST /v1/embeddings`), absent when the provider has none. Answers OpenAI's embeddings
   * shape in the encoding the request asked for; `meta.usage` is null when the provider counts no tokens
   * (the router then estimates them). A request the provider cannot take (token ids on Gemini) is a
   * ProviderError of kind `unsupported`, naming the parameter.
   */
  embed?(req: EmbeddingRequest, target: Target, signal: AbortSignal): Promise<Upstream<EmbeddingResponse>>
  /** The client APIs this adapter can pass through. */
  readonly nativeApis?: ReadonlySet<NativeApi>
  /**
   * One upstream call in the client's own API (see NativeRequest); throws ProviderError like complete/stream.
   * A stream resolves once the upstream answered 2xx; its frames are the upstream's bytes, cut at event
   * boundaries; an upstream error event, or an end before the API's end mark, throws ProviderError from the
   * iterator (the error event's bytes are not yielded). `meta` is complete when the answer is.
   */
  native?(req: NativeRequest, target: Target, signal: AbortSignal): Promise<Upstream<NativeAnswer>>
  /** The client APIs whose input tokens this adapter can count upstream (`countTokens`). */
  readonly countApis?: ReadonlySet<NativeApi>
  /**
   * The provider's own count of a request's input tokens, in one of `countApis`: Anthropic's POST
   * /v1/messages/count_tokens, OpenAI's POST /v1/responses/input_tokens. The body's generation-only fields are
   * already stripped by the caller, its model is replaced here; the client's anthropic-version/-beta go as for
   * `native`. `limits` are the count endpoint's own: Anthropic limits token counting apart from message creation
   * (https://docs.claude.com/en/docs/build-with-claude/token-counting), so they are not the target's headroom.
   */
  countTokens?(
    api: NativeApi,
    body: Readonly<Record<string, unknown>>,
    headers: Readonly<Record<string, string>>,
    target: Target,
    signal: AbortSignal,
  ): Promise<{ inputTokens: number; limits: RateLimitSnapshot | null }>
  /** Close pooled connections / cached clients. */
  close?(): Promise<void>
}

/** What went wrong, in routing terms. Decides retries, cooldowns and breakers. */
export type ProviderErrorKind =
  | 'bad_request' // 400, 413, 422: the request's fault; never retried elsewhere with the same body
  | 'unsupported' // a 4xx about the target, not the request: a model it lacks (404), a parameter or value it refuses, a prompt over its context; another target may serve
  | 'auth' // 401, 403: this key is bad
  | 'rate_limit' // 429
  | 'quota' // 429 insufficient_quota / billing: don't retry this key
  | 'overloaded' // Anthropic 529, Gemini/OpenAI 503
  | 'server' // other 5xx
  | 'timeout' // the call exceeded its time
  | 'connection' // could not connect, reset
  | 'stream' // the stream broke after it began: cut, malformed, error event
  | 'cancelled' // the client went away

/**
 * The only error an adapter throws. `status` is what the client should see (529 → 503, Gemini's
 * 400 API_KEY_INVALID → 401); `upstreamStatus` is what the provider sent.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError'
  readonly provider: string
  readonly status: number
  readonly upstreamStatus: number | null
  readonly kind: ProviderErrorKind
  /** OpenAI error `type` (`invalid_request_error`, `rate_limit_error`, `server_error`, …). */
  readonly type: string
  readonly code: string | null
  readonly param: string | null
  readonly retryable: boolean
  readonly retryAfterMs: number | null
  /** Rate-limit headers that came with the error, if any. */
  readonly limits: RateLimitSnapshot | null
  /** The upstream error body as it came, unscrubbed (keys and all): for debugging only, never sent or logged. */
  readonly raw: unknown
  /**
   * Of a request the adapter sent as several calls (embeddings in Gemini's batches), the share of its inputs
   * served — and billed by the provider — before one call failed; 0 otherwise. The attempt's row counts them.
   */
  readonly servedShare: number

  constructor(init: {
    provider: string
    status: number
    upstreamStatus?: number | null
    kind: ProviderErrorKind
    message: string
    type?: string
    code?: string | null
    param?: string | null
    retryable?: boolean
    retryAfterMs?: number | null
    limits?: RateLimitSnapshot | null
    raw?: unknown
    servedShare?: number
  }) {
    super(init.message)
    this.provider = init.provider
    this.status = init.status
    this.upstreamStatus = init.upstreamStatus ?? null
    this.kind = init.kind
    this.type = init.type ?? defaultErrorType(init.status)
    this.code = init.code ?? null
    this.param = init.param ?? null
    this.retryable = init.retryable ?? RETRYABLE_KINDS.has(init.kind)
    this.retryAfterMs = init.retryAfterMs ?? null
    this.limits = init.limits ?? null
    this.raw = init.raw
    this.servedShare = init.servedShare ?? 0
  }

  /** The same error, its words changed (scrubbed, or naming the parameter as the client does). */
  reworded(words: { message: string; type?: string; code?: string | null; param?: string | null }): ProviderError {
    return new ProviderError({
      provider: this.provider,
      status: this.status,
      upstreamStatus: this.upstreamStatus,
      kind: this.kind,
      type: this.type,
      code: this.code,
      param: this.param,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      limits: this.limits,
      raw: this.raw,
      ...words,
    })
  }
}

const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set([
  'rate_limit',
  'overloaded',
  'server',
  'timeout',
  'connection',
  'stream',
])

/** The routing kind for an upstream HTTP status. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth'
  // On a chat completions call only the model (or the endpoint) can be missing: the target's fault.
  if (status === 404) return 'unsupported'
  if (status === 408) return 'timeout'
  if (status === 429) return 'rate_limit'
  if (status === 503 || status === 529) return 'overloaded'
  if (status >= 500) return 'server'
  return 'bad_request'
}

/** What the client sees for an upstream status: Anthropic's 529 and other non-standard 5xx become 503/502. */
export function clientStatusFor(upstreamStatus: number): number {
  if (upstreamStatus === 529) return 503
  if (
    upstreamStatus >= 500 &&
    upstreamStatus !== 500 &&
    upstreamStatus !== 502 &&
    upstreamStatus !== 503 &&
    upstreamStatus !== 504
  )
    return 502
  if (upstreamStatus < 400 || upstreamStatus > 599) return 502
  return upstreamStatus
}

/** A header lookup that works for fetch `Headers` and for Node's header records alike. */
export interface HeaderSource {
  get(name: string): string | null
}

export function headerSource(h: Headers | Record<string, string | string[] | undefined>): HeaderSource {
  if (typeof (h as Headers).get === 'function') return h as Headers
  const rec = h as Record<string, string | string[] | undefined>
  return {
    get(name) {
      const v = rec[name.toLowerCase()]
      if (v === undefined) return null
      return Array.isArray(v) ? v.join(', ') : v
    },
  }
}
