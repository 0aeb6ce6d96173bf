/**
 * What routes.yaml compiles to (compile.ts builds it once per load): the shapes the request path reads —
 * providers, routes and their members, strategy parameters, breaker and limit settings. Routing,
 * admission and the server read these; nothing here imports them.
 */
import type { Catalog, ModelCapabilities, ModelInfo, ModelKind } from '../catalog/types.ts'
import type { ProviderDescriptor } from '../providers/descriptor.ts'
import type { Target } from '../providers/types.ts'
import type { Priority, ProviderConfig, StrategyName } from './schema.ts'

export interface CompiledProvider {
  readonly name: string
  /** routes.yaml `type`: a provider registry type. */
  readonly type: string
  /** What the type is (default base URL, catalog family, adapter…). */
  readonly descriptor: ProviderDescriptor
  /** Served by the built-in simulator (no key, or `simulate: true`). */
  readonly simulated: boolean
  readonly baseUrl: string
  /** The keys, in order; `${name}#${i + 1}` is key i's alias. */
  readonly keys: readonly string[]
  readonly config: ProviderConfig
  /** Breaker options and declared limits for each of this provider's targets (one object, reused). */
  readonly stateConfig: TargetStateConfig
}

/** One target of a route, with what the planner needs about it precomputed. */
export interface RouteMember {
  readonly target: Target
  readonly provider: CompiledProvider
  /** Position of the route entry (keys of one entry share it). */
  readonly position: number
  readonly weight: number
  readonly tier: number
  readonly model: ModelInfo | null
  /** Per attempt, ms: to a stream's first content, or to a JSON answer (routes.yaml `first_byte_timeout_ms`). */
  readonly firstByteTimeoutMs: number
}

interface RetryPolicy {
  attemptsPerTarget: number
  baseMs: number
  capMs: number
  maxRetryAfterMs: number
}

export interface CompiledRoute {
  /** The route name, or `provider/model` for a direct request. */
  readonly name: string
  /**
   * What it serves: chat requests or embeddings. A routes.yaml route is an embedding route when its targets
   * are embedding models (all of them: compile.ts checks); null for a direct `provider/model` whose model
   * the catalog does not know, which may serve either (the upstream says no).
   */
  readonly kind: ModelKind | null
  readonly strategy: StrategyName
  readonly members: readonly RouteMember[]
  readonly params: StrategyParams
  /** Capabilities every target must have (routes.yaml `require`). */
  readonly require: Readonly<ModelCapabilities>
  readonly expectedOutputTokens: number
  readonly timeoutMs: number
  readonly retry: RetryPolicy
  /** The route's own spending cap (all keys together), or null. */
  readonly budget: BudgetLimits | null
  /** The admission queue's limits. */
  readonly queue: { readonly maxLength: number; readonly maxWaitMs: number }
}

export interface CompiledConfig {
  readonly providers: ReadonlyMap<string, CompiledProvider>
  readonly routes: ReadonlyMap<string, CompiledRoute>
  /** Every target a route names, by state id (`openai#1/gpt-4.1-mini`). */
  readonly targets: ReadonlyMap<string, Target>
  readonly defaultRoute: string | null
  readonly maxBodyBytes: number
  /** Connection limits for the HTTP server (routes.yaml `server`). */
  readonly server: ServerLimits
  /** A stream write the client doesn't take for this long ends the stream (server.stream_idle_timeout_ms). */
  readonly streamIdleTimeoutMs: number
  /** What /v1/responses keeps of its answers (routes.yaml `server.responses`). */
  readonly responses: ResponsesRetention
  readonly catalog: Catalog
  /** Every secret in the config, to scrub from messages. */
  readonly secrets: readonly string[]
  /** Client keys and the admin key. */
  readonly auth: CompiledAuth
  /** routes.yaml `alerts`, or null: no alerts. */
  readonly alerts: CompiledAlerts | null
  /** routes.yaml `log_prompts`: the request log line carries the prompt and answer, truncated. */
  readonly logPrompts: boolean
  /** A one-provider route for `provider/model` (cached, bounded: model names come from clients). */
  direct(provider: CompiledProvider, model: string): CompiledRoute
  /**
   * The provider a bare model id belongs to by the descriptors' model families: the first provider of the
   * type whose family the id matches (`claude-…` → the first of type `anthropic`), or undefined.
   */
  nativeProvider(model: string): CompiledProvider | undefined
}

/** routes.yaml `alerts` (observe/alerts.ts fires them). */
export interface CompiledAlerts {
  /** http(s) URL alerts are POSTed to; null: the log line only. */
  readonly webhook: string | null
  readonly format: 'json' | 'slack'
  /** Used fractions of a target's rate limit that fire, ascending; empty: off. */
  readonly headroom: readonly number[]
  /** Used fractions of a budget that fire, ascending; empty: off. */
  readonly budget: readonly number[]
  readonly breaker: boolean
  /** Faults per attempt over the last minute that fire; null: off. */
  readonly errorRate: number | null
  /** Runway (seconds) below which a target fires; null: off. */
  readonly runwaySeconds: number | null
}

/** A spending cap in integer micro-cents (1e-8 USD), per UTC day and month. */
export interface BudgetLimits {
  daily: number | null
  monthly: number | null
}

export interface CompiledKey {
  readonly name: string
  readonly budget: BudgetLimits | null
  /** Inbound limits (rpm, tpm, concurrency), or null. */
  readonly limits: DeclaredLimits | null
  readonly priority: Priority
  /** Whether this key may use a route (or `provider/model` id). */
  allows(route: string): boolean
}

export interface CompiledAuth {
  /** False when routes.yaml declares no keys and no admin key: the router is open. */
  readonly enabled: boolean
  readonly byHash: ReadonlyMap<string, CompiledKey>
  readonly adminHash: string | null
}

/** routes.yaml `server.responses`: retentionMs 0 keeps nothing. */
export interface ResponsesRetention {
  readonly retentionMs: number
  readonly maxBytes: number
  readonly maxResponses: number
  /** With Redis: the largest response (bytes of its JSON) shared with the other replicas; 0: none. */
  readonly sharedMaxBytes: number
}

export interface ServerLimits {
  readonly headersTimeoutMs: number
  /** 0: no limit. */
  readonly requestTimeoutMs: number
  readonly maxConnections: number
  readonly keepAliveTimeoutMs: number
}

export interface ScoreWeights {
  cost: number
  latency: number
  headroom: number
}

/** Per-route parameters strategies read. */
export interface StrategyParams {
  weights: ScoreWeights
  /** Hard limits (score and any strategy that honours them): candidates over them are dropped. */
  maxCostPerRequest: number | null
  maxLatencyMs: number | null
  /** latency: probability of trying a target other than the fastest, to keep measurements fresh. */
  explore: number
  /** latency: a measurement older than this counts as stale and is re-measured first. */
  staleAfterMs: number
  /** cascade: thresholds that make a request "hard" (see strategies/cascade.ts). */
  cascade: CascadeThresholds
}

export interface CascadeThresholds {
  /** Estimated prompt tokens at or above which a request is hard. */
  promptTokens: number
  /** Requested max output tokens at or above which a request is hard. */
  maxOutputTokens: number
  /** Hard when the request offers tools. */
  tools: boolean
  /** Hard when the prompt contains code. */
  code: boolean
  /** Hard when the prompt asks for several steps. */
  multiStep: boolean
  /** Conversation length (messages) at or above which a request is hard. */
  messages: number
}

/** The per-target config the state depends on (from the target's provider in routes.yaml). */
export interface TargetStateConfig {
  breaker?: Partial<BreakerOptions>
  limits?: DeclaredLimits
}

/** Breaker thresholds per provider (routes.yaml `breaker`). */
export interface BreakerOptions {
  /** Faults in the rolling window, in percent of calls, above which the breaker opens. */
  errorThresholdPercentage: number
  /** Calls in the rolling window before the percentage is judged. */
  volumeThreshold: number
  /** How long an open breaker waits before letting one probe through, ms. */
  resetTimeout: number
  /** The rolling statistics window, ms. */
  rollingCountTimeout: number
}

/**
 * Limits declared in routes.yaml for one key, and `maxCooldownMs` (the provider's max_cooldown_ms): the
 * longest a window reported exhausted holds the target at zero before it is tried again.
 */
export interface DeclaredLimits {
  rpm?: number
  tpm?: number
  concurrency?: number
  maxCooldownMs?: number
}
