/**
 * What executing a request needs and produces: the process's runtime (state, adapters, clock,
 * randomness, attempt listeners — tests inject their own), the request's context and job, and the report
 * filled in as execution goes.
 */
import type { Priority } from '../config/schema.ts'
import type { CompiledRoute } from '../config/types.ts'
import type { Clock } from '../lib/clock.ts'
import type { Logger } from '../lib/logger.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import type { AdapterRegistry } from '../providers/registry.ts'
import type { ProviderUsage, Target, Upstream } from '../providers/types.ts'
import type { AttemptEvent, AttemptListener, RequestContext } from './events.ts'
import type { SharedLimitStore } from './limit-store.ts'
import type { TargetStates } from './target-states.ts'
import type { RequestProfile } from './types.ts'

/** What execution needs from the process; its clock (now, timers, sleeps) is the Runtime's own. */
export interface Runtime extends Clock {
  readonly states: TargetStates
  readonly adapters: AdapterRegistry
  readonly random: () => number
  readonly log: Logger
  /** Who hears of each attempt (the spend ledger, …): called on the request path, they return at once. */
  readonly listeners: readonly AttemptListener[]
  /** Requests waiting for headroom, per route. */
  readonly queue: HeadroomQueue
  /** Targets' headroom shared with other replicas (HEADROOM_REDIS_URL); absent: this replica's alone. */
  readonly sharedLimits?: SharedLimitStore
}

/**
 * The admission queue as execution uses it (admission/queue.ts implements it): a request that no target
 * has headroom for waits here, in priority order, until headroom may be back.
 */
export interface HeadroomQueue {
  /** Requests waiting on a route. */
  size(route: string): number
  /**
   * Waits until this request may plan again. Rejects with QueueFullError when the queue is full, when
   * headroom is not expected back before `giveUpAt`, or when `giveUpAt` passes; with the signal's reason
   * when the client goes away.
   */
  wait(route: string, priority: Priority, opts: WaitOptions): Promise<void>
  /** Headroom may be back (a reservation was released): wake the best waiter of a route, or of every route. */
  pump(route?: string): void
}

/** The admission queue's refusal: it is full (`length`), or headroom is not back in time (`wait`). */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError'
  constructor(
    readonly reason: 'length' | 'wait',
    message: string,
  ) {
    super(message)
  }
}

export interface WaitOptions {
  /** Most waiters this route holds; one more is refused (429). */
  maxLength: number
  /** Give up at this time (epoch ms): the request's max wait or its deadline, whichever is sooner. */
  giveUpAt: number
  /** When headroom is expected back (null: unknown — wait for a release). */
  wakeAt: number | null
  signal: AbortSignal
  /** Re-queued after a wake that found nothing: keeps its place (its original enqueue time). */
  since?: number
}

/** Filled in as execution goes, so that the answer — or the error — can say what happened. */
export interface Report {
  attempts: number
  target: Target | null
  decision: string
  /** The request's attempt events as they were emitted (for its RequestEvent). */
  readonly events: AttemptEvent[]
  /** The serving attempt's output text so far, once it answered (for a request log that keeps it). */
  answerText?: () => string
}

export interface Execution<T> {
  readonly target: Target
  readonly upstream: Upstream<T>
  readonly attempts: number
  /**
   * The usage the attempt event carried — the provider's closing count, else the estimate — once it is
   * emitted (a stream's when it ends); null before. What the client key's token limit is charged.
   */
  readonly usage: () => ProviderUsage | null
}

/**
 * One request to execute: what was asked (a chat request, or another API's: embeddings), where, by whom, and
 * its controller (client gone or deadline).
 */
export interface Job<Req = ChatRequest> {
  readonly req: Req
  readonly route: CompiledRoute
  readonly profile: RequestProfile
  readonly ctx: RequestContext
  readonly report: Report
  readonly controller: AbortController
  /**
   * The admission's confirmation by the shared state (HEADROOM_REDIS_URL), still on its way: awaited after
   * the first target claim has been sent, so that both go to Redis in one write (ioredis auto-pipelining)
   * — one round trip, not two. It rejects with the refusal's error. Absent: admitted already.
   */
  readonly admitted?: Promise<unknown>
}
