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
}

/** Something that wants to know about every attempt. `onAttempt` runs on the request path: it must return at once. */
export interface AttemptListener {
  onAttempt(e: AttemptEvent): void
}
