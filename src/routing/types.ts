/**
 * The routing engine's shared types: what the planner knows about a request (RequestProfile), about
 * each target (Candidate), and the shape of a strategy. Strategies are pure functions of these.
 */
import type { ModelInfo, ModelKind } from '../catalog/types.ts'
import type { StrategyParams } from '../config/types.ts'
import type { Target } from '../providers/types.ts'
import type { Overflow } from './limit-store.ts'

// ---------------------------------------------------------------------------------------------
// Requests

/** Capabilities a request uses; a target whose model lacks one is skipped. */
export interface Needs {
  tools: boolean
  vision: boolean
  jsonSchema: boolean
}

/** Signals the complexity cascade reads (see strategies/cascade.ts for how). */
export interface ComplexitySignals {
  promptTokens: number
  messages: number
  tools: boolean
  /** Code blocks, stack traces or source-looking text in the prompt. */
  code: boolean
  /** Numbered steps, "step by step", several questions… */
  multiStep: boolean
  maxOutputTokens: number | null
}

/** What the planner knows about a request, computed once per request. */
export interface RequestProfile {
  /** What is asked: a chat answer (chat completions, Responses, Messages) or embeddings; only models of the kind serve it. */
  kind: ModelKind
  /** Estimated prompt tokens (fast approximation, see tokens.ts); for embeddings, of all inputs. */
  promptTokens: number
  /** What the model's context must hold: the prompt, or an embeddings request's longest input. */
  contextTokens: number
  /** The output cap the client asked for, if any. */
  maxOutputTokens: number | null
  /** Output tokens to expect, for cost estimates: the cap when given, else a route default. */
  expectedOutputTokens: number
  needs: Needs
  stream: boolean
  complexity: ComplexitySignals
  /**
   * A budget applies (the client key's or the route's): a target without a price could not be metered, so it is
   * skipped.
   */
  requirePrice: boolean
}

// ---------------------------------------------------------------------------------------------
// Planning

/** One target as a strategy sees it: static facts and a snapshot of its live state. */
export interface Candidate {
  readonly target: Target
  /** Position of the target's entry in the route's list (0 = first). Keys of one entry share it. */
  readonly position: number
  readonly model: ModelInfo | null
  /** `weighted` strategy weight (default 1). */
  readonly weight: number
  /** Cascade tier index (0 = cheapest tier); 0 when the route has no tiers. */
  readonly tier: number
  /** Estimated USD cost of this request here; null when the model's price is unknown. */
  readonly estimatedCost: number | null
  /** Latency EWMA in ms: time to first token for streams, total time otherwise. Null: never measured. */
  readonly latencyMs: number | null
  readonly latencySamples: number
  /** How long ago the latency was last measured (ms); null: never. */
  readonly latencyAgeMs: number | null
  /** Capacity left after this request's need, as a fraction 0..1 (1 when no limit is known). */
  readonly headroom: number
  /** Recent fault rate, 0..1. */
  readonly errorRate: number
}

export interface RoutingContext {
  readonly now: number
  /** Uniform in [0, 1); injected so that strategies are deterministic under test. */
  readonly random: () => number
  readonly profile: RequestProfile
  readonly params: StrategyParams
}

/** Ranks the targets that can serve; returns a subset (never new candidates), best first. */
export type Strategy = (candidates: readonly Candidate[], ctx: RoutingContext) => readonly Candidate[]

/** Why a target was left out of a plan; shown in x-headroom-decision and in 429/503 messages. */
export type SkipReason =
  | { kind: 'breaker_open'; untilMs: number | null }
  | { kind: 'probing' }
  | { kind: 'cooling'; untilMs: number }
  | { kind: 'no_headroom'; untilMs: number | null }
  /** More than a limit's whole capacity: no wait would make it fit. */
  | ({ kind: 'too_large' } & Overflow)
  | { kind: 'concurrency' }
  /** `input`: one input of an embeddings request (bounded by the model's input limit), not a prompt. */
  | { kind: 'context'; need: number; limit: number; input?: true }
  | { kind: 'capability'; missing: keyof Needs }
  | { kind: 'constraint'; what: 'cost' | 'latency' }
  | { kind: 'unpriced' }
  /** An embedding model, for a chat request. */
  | { kind: 'embedding_model' }
  /** A chat model, for an embeddings request. */
  | { kind: 'chat_model' }
  /**
   * The request can only be passed through as the client sent it (a feature translation cannot carry), and
   * this target's adapter does not take its API (`param`: the part that needs it).
   */
  | { kind: 'untranslatable'; api: string; param: string | null; why: string | null }
