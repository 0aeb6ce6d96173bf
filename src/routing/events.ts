/**
 * What the attempt loop tells the rest of the process: one AttemptEvent per upstream attempt, emitted
 * once its outcome is known (a stream's when it ends). Listeners — the spend ledger, later metrics, the
 * request log and alerts — are registered by start.ts and know routing only through this file.
 */
import type { ModelInfo } from '../catalog/types.ts'
import type { Priority } from '../config/schema.ts'
import type { ProviderUsage, Target } from '../providers/types.ts'

/** Who asked: for admission, and for every attempt event of the request. */
export interface RequestContext {
  /** Headroom's own id for the request (never the client's: see clientRequestId). */
  readonly requestId: string
  /** The client's own id for it (`x-client-request-id` / `x-request-id`), when it sent a sane one. */
  readonly clientRequestId: string | null
  readonly virtualKey: string | null
  readonly endUser: string | null
  readonly modelRequested: string
  readonly priority: Priority
  /** Time spent waiting for headroom before the first attempt (set by admission). */
  queuedMs: number
}

/** How an attempt ended. */
export type AttemptOutcome =
  | 'ok' // answered (for streams: the stream completed)
  | 'error' // failed, and the error went back to the client
  | 'failed_over' // failed, and the request moved on to another attempt
  | 'cancelled' // the client went away (or the route's deadline passed) while it ran

/** Where an attempt's token counts came from. */
export type UsageSource =
  | 'provider' // the provider's closing count
  | 'estimated' // no closing count (a stream that did not complete, an answer without usage): estimated, never below the provider's partial count
  | 'none' // nothing was produced (a failed attempt): zero tokens

/** One upstream attempt, as it ended: one object per attempt; `ctx` is the request's own, shared by its attempts. */
export interface AttemptEvent {
  readonly ctx: RequestContext
  /** The route (or `provider/model` for a direct request). */
  readonly route: string
  readonly stream: boolean
  readonly target: Target
  /** The catalog entry of the target's model, which prices it; null when the catalog does not know it. */
  readonly model: ModelInfo | null
  /** 1 for the request's first attempt, 2 for the next, … */
  readonly attempt: number
  readonly outcome: AttemptOutcome
  /** 200 when it answered; else the upstream's status (or Headroom's, for a timeout or a cancel). */
  readonly status: number
  /** The provider's error code, else the error's kind; null when it answered. */
  readonly errorCode: string | null
  /** Tokens as the provider counted them, or as estimated (see usageSource); null when nothing was produced. */
  readonly usage: ProviderUsage | null
  readonly usageSource: UsageSource
  /** When the attempt started, epoch ms. */
  readonly startedAt: number
  /** How long the attempt took, ms (a stream's: until it ended). */
  readonly latencyMs: number
  /** Streams: time to first content, ms; null otherwise. */
  readonly ttftMs: number | null
  /** The model the provider says served the call, as it said it (not yet scrubbed); null when it did not say. */
  readonly modelServed: string | null
  /**
   * Why the answer stopped, per choice: a chat completion's (or chat stream's) `finish_reason`s (`stop`,
   * `length`, `tool_calls`, `content_filter`); a passed-through answer's own, as the provider said them
   * (Anthropic `end_turn`, Responses `completed` / `max_output_tokens`); null when it did not say (a failed
   * attempt, embeddings, a stream cut short before it).
   */
  readonly finishReasons: readonly string[] | null
}

/** The client API a request came in by. */
export type RequestApi = 'chat' | 'messages' | 'responses' | 'embeddings' | 'count_tokens'

/** Whether the answer came from Headroom's cache (`x-headroom-cache`); `bypass` until there is one. */
type CacheResult = 'hit' | 'miss' | 'bypass'

/**
 * One client request to a model endpoint, as it was answered: emitted exactly once, when the answer is
 * complete — the JSON written, the stream ended (however it ended), or the error answered, refusals before
 * any attempt (400, 401, 403, 404, 413, 429) included. Secret-free: names, ids and numbers only.
 */
export interface RequestEvent {
  /** Headroom's own id for the request. */
  readonly requestId: string
  /** The client's own id for it, when it sent a sane one. */
  readonly clientRequestId: string | null
  readonly api: RequestApi
  /** The route that served it (or `provider/model`); null when it was refused before one was known. */
  readonly route: string | null
  /** The HTTP status sent. A stream that failed after it began was sent 200: `errorCode` says it failed. */
  readonly status: number
  readonly stream: boolean
  /** The state id of the target that served it (`openai#1/gpt-4.1-mini`), or last failed; null when none was tried. */
  readonly target: string | null
  /** The provider instance of `target` (routes.yaml's name: `openai`, `google`); null with it. */
  readonly provider: string | null
  /** Upstream attempts made (`x-headroom-attempts`). */
  readonly attempts: number
  /** The request's attempt events, in order (each as its listeners got it): sum them for tokens and cost. */
  readonly attemptEvents: readonly AttemptEvent[]
  /** The serving attempt's usage (a stream's when it ended); null when no attempt produced any. */
  readonly usage: ProviderUsage | null
  /** When the request came in, epoch ms (the runtime's clock). */
  readonly startedAt: number
  /** Until the answer was complete, ms (a stream's: until it ended). */
  readonly latencyMs: number
  /** Streams: from the request's arrival to its first content being sent, ms; null otherwise. */
  readonly ttftMs: number | null
  /** Time spent waiting for headroom in the route's queue, ms. */
  readonly queuedMs: number
  /** `x-headroom-decision`: what was chosen, skipped and failed; '' when routing never ran. */
  readonly decision: string
  /**
   * Why it failed: the error answer's code (else its type), or, for a stream that failed after it began,
   * its error's; `client_closed` when the client went away; null when it was answered in full.
   */
  readonly errorCode: string | null
  readonly cache: CacheResult
  /** The priority it ran at; null when it was refused before that was known. */
  readonly priority: Priority | null
  /** The `model` the client asked for; null when refused before the body was read. */
  readonly modelRequested: string | null
  /** The name of the client key that called (never the key itself); null for none. */
  readonly virtualKey: string | null
  /**
   * The client's W3C `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header), when
   * well-formed: `00-<trace id>-<parent id>-<flags>`, lower-case hex, ids not all zeros; null otherwise.
   */
  readonly traceparent: string | null
  /**
   * The prompt's text — its last user message; embeddings: the input — built only when called (the request
   * log calls it when routes.yaml says `log_prompts: true`). Unscrubbed: the client's own words.
   */
  readonly promptText: () => string
  /** The answer's text as sent (a stream's: what was sent before it ended), built only when called; '' without one. */
  readonly answerText: () => string
}

/**
 * Something that wants to know about every attempt — and, with `onRequest`, about every client request once
 * answered. Both run on the request path: they must return at once.
 */
export interface AttemptListener {
  onAttempt(e: AttemptEvent): void
  onRequest?(e: RequestEvent): void
}
