/**
 * The server's own types: what createApp is built from (AppDeps) and what a request carries through its
 * handlers to the one error answer (AppVars). Here, apart from app.ts, so that handlers import them
 * without importing the app that imports the handlers.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { HttpBindings } from '@hono/node-server'
import type { BudgetTracker } from '../admission/budgets.ts'
import type { InboundLimits } from '../admission/inbound.ts'
import type { SharedAdmission } from '../admission/shared-store.ts'
import type { Priority } from '../config/schema.ts'
import type { CompiledConfig } from '../config/types.ts'
import type { LogThrottle } from '../lib/log-throttle.ts'
import type { Logger } from '../lib/logger.ts'
import type { PrometheusMetrics } from '../observe/metrics.ts'
import type { ConsumptionMeter } from '../observe/runway.ts'
import type { EmbeddingRequest } from '../providers/embeddings-schema.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import type { RequestApi, RequestContext } from '../routing/events.ts'
import type { Report, Runtime } from '../routing/runtime.ts'
import type { AnySpendDb } from '../spend/store.ts'
import type { SpendHealth } from '../spend/writer.ts'
import type { ResponseStore } from './response-store.ts'

interface ConfigSource {
  /** The config in force now; swapped atomically on reload. */
  current(): CompiledConfig
}

export interface AppDeps {
  config: ConfigSource
  runtime: Runtime
  /** Spend so far per key and route, against their budgets. */
  budgets: BudgetTracker
  /** Recent consumption per target (an attempt listener): the runway in GET /v1/routing/state. */
  consumption: ConsumptionMeter
  /** Each client key's own limits. */
  inbound: InboundLimits
  /** Client-key limits and budgets shared across replicas (HEADROOM_REDIS_URL); absent: per process. */
  shared?: SharedAdmission | null
  /** What GET /metrics serves (an attempt listener, and the live state it reads when scraped). */
  metrics: Pick<PrometheusMetrics, 'scrape'>
  log: Logger
  /** The spend database, SQLite or PostgreSQL (GET /v1/spend reads it). */
  db: AnySpendDb
  /** Writes queued spend rows now (so that a report includes them). */
  flushSpend: () => Promise<void>
  /** Whether spend rows are being written (GET /health). */
  spendHealth: () => SpendHealth
  /** Warnings about what clients send (a model id that matched nothing), throttled so a flood can't fill the log. */
  clientWarnings: LogThrottle
  /** What /v1/responses keeps of its answers, for previous_response_id and item_reference. */
  responses: ResponseStore
}

export interface AppVars {
  requestId: string
  /** The client's own id for the request (`x-client-request-id` / `x-request-id`), when sane. */
  clientRequestId: string | null
  route?: string
  report?: Report
  /** The caller's key's x-ratelimit-* headers, for error answers too. */
  rateLimitHeaders?: Record<string, string>
  /**
   * Headroom's own x-headroom-warning items about the request (a model served by the default_route), for error answers
   * too.
   */
  warnings?: readonly string[]
  /** The shape of the error answer (unset: OpenAI's): the API asked, or an Anthropic client's `anthropic-version`. */
  errorShape?: ErrorShape
  /** Set for a request to a model endpoint: when it came in, by which API (its RequestEvent goes out once answered). */
  start?: RequestStart
  /** What the request asked, once its body was decoded. */
  asked?: Asked
  /** The request's context, once admitted (its priority, key name and time queued). */
  ctx?: RequestContext
  /** The code of the error that ended a stream after it began. */
  streamError?: string
  /** Set once the request's RequestEvent went out. */
  reported?: boolean
}

/** When a request to a model endpoint came in, and by which API. */
export interface RequestStart {
  readonly api: RequestApi
  /** Epoch ms, the runtime's clock. */
  readonly startedAt: number
  /** performance.now() then. */
  readonly t0: number
  /** The request's headers (Node's record), read only when its event is built. */
  readonly headers: IncomingHttpHeaders
}

/** What a request to a model endpoint asked, as decoded. */
export interface Asked {
  readonly model: string
  readonly stream: boolean
  readonly priority: Priority | null
  /** The request's messages (chat) or input (embeddings), for its prompt's text (read only if a listener asks). */
  readonly messages?: ChatRequest['messages']
  readonly input?: EmbeddingRequest['input']
}

/** Whose error body a request gets: OpenAI's `{"error":{…}}` or Anthropic's `{"type":"error","error":{…}}`. */
export type ErrorShape = 'openai' | 'anthropic'

export type AppEnv = { Bindings: HttpBindings; Variables: AppVars }

export interface RequestIds {
  readonly requestId: string
  readonly clientRequestId: string | null
}
