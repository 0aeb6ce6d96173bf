/**
 * The spend ledger's seam: one row per upstream attempt, handed to a sink that must never block or fail
 * the request that produced it.
 */
import type { AttemptOutcome, UsageSource } from '../routing/events.ts'

/** Token counts as the spend table keeps them (see ProviderUsage for their definitions). */
export interface TokenCounts {
  promptTokens: number
  cachedTokens: number
  cacheWriteTokens: number
  completionTokens: number
  reasoningTokens: number
}

export interface SpendRow extends TokenCounts {
  /** When the attempt started, epoch ms. */
  ts: number
  /** Headroom's id for the request (its `x-request-id`): attempts of one request share it. */
  requestId: string
  /** The client's own id for the request (`x-client-request-id` / `x-request-id`), when it sent a sane one. */
  clientRequestId: string | null
  /** The client's virtual key name (routes.yaml `keys[].name`), or null when the router is open. */
  virtualKey: string | null
  /** The request's `user` field. */
  endUser: string | null
  /** The route (or `provider/model` for a direct request). */
  route: string
  /** The provider instance name from routes.yaml. */
  provider: string
  /** The key alias (`openai#2`) — never the secret. */
  keyAlias: string
  /** `model` as the client sent it. */
  modelRequested: string
  /** The model the provider says served it (else the target's model). */
  modelServed: string
  stream: boolean
  outcome: AttemptOutcome
  /** HTTP status of this attempt: 200 when it answered, the upstream's (or Headroom's) error status otherwise. */
  httpStatus: number
  errorCode: string | null
  /** 1 for the first attempt of a request, 2 for the next, … */
  attempt: number
  /** Cost in integer micro-cents (1e-8 USD), computed exactly from the catalog's decimal prices. */
  costMicrocents: number
  /** Attempt duration, ms. */
  latencyMs: number
  /** Streams: time to first content, ms. */
  ttftMs: number | null
  usageSource: UsageSource
  /**
   * The catalog entry that priced the row (`gpt-4.1-mini`, or `openai/gpt-4.1-mini` for an override); null when
   * unpriced.
   */
  priceEntry: string | null
  /** Time the request waited for admission before its first attempt, ms. */
  queuedMs: number
}

/** Where rows go. `write` returns at once; persistence happens off the request path. */
export interface SpendSink {
  write(row: SpendRow): void
}
