/**
 * What executing a request needs and produces: the process's runtime (state, adapters, clock,
 * randomness, spend sink — tests inject their own), the request's context and job, and the report
 * filled in as execution goes.
 */
import type { Logger } from '../lib/logger.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import type { AdapterRegistry } from '../providers/registry.ts'
import type { ProviderUsage, Target, Upstream } from '../providers/types.ts'
import type { BudgetTracker } from '../spend/budgets.ts'
import type { SpendSink } from '../spend/types.ts'
import type { Admission } from './admission.ts'
import type { InboundLimits } from './inbound.ts'
import type { TargetStates } from './target-states.ts'
import type { RequestProfile } from './types.ts'
import type { CompiledRoute } from '../config/types.ts'
import type { Priority } from '../config/schema.ts'

/** What execution needs from the process. */
export interface Runtime {
  readonly states: TargetStates
  readonly adapters: AdapterRegistry
  readonly now: () => number
  readonly random: () => number
  readonly log: Logger
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
  /** Where each attempt's spend row goes (non-blocking). */
  readonly spend: SpendSink
  /** Spend so far per key and route, for admission. */
  readonly budgets: BudgetTracker
  /** Requests waiting for headroom, per route. */
  readonly admission: Admission
  /** Each client key's own limits. */
  readonly inbound: InboundLimits
}

/** Filled in as execution goes, so that the answer — or the error — can say what happened. */
export interface Report {
  attempts: number
  target: Target | null
  decision: string
}

/** Who asked, for admission and the spend rows. */
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

export interface Execution<T> {
  readonly target: Target
  readonly upstream: Upstream<T>
  readonly attempts: number
  /**
   * The usage the spend row recorded — the provider's closing count, else the estimate — once it is
   * written (a stream's when it ends); null before. What the client key's token limit is charged.
   */
  readonly usage: () => ProviderUsage | null
}

/** One request to execute: what was asked, where, by whom, and its controller (client gone or deadline). */
export interface Job {
  readonly req: ChatRequest
  readonly route: CompiledRoute
  readonly profile: RequestProfile
  readonly ctx: RequestContext
  readonly report: Report
  readonly controller: AbortController
}
