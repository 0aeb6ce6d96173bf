/**
 * The `spend` table: one row per upstream attempt (see SpendRow in types.ts, which this mirrors in
 * snake_case). Attempts of one request share `request_id`.
 *
 * Changing this file means a new migration: `npm run db:generate`, then commit `migrations/`.
 */
import { sql } from 'drizzle-orm'
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const SPEND_OUTCOMES = ['ok', 'error', 'failed_over', 'cancelled'] as const
export const USAGE_SOURCES = ['provider', 'estimated', 'none'] as const

export const spend = sqliteTable(
  'spend',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Attempt start, epoch ms. */
    ts: integer('ts').notNull(),
    requestId: text('request_id').notNull(),
    /** The client's own id for the request, when it sent a sane one (never a key: clients pick it). */
    clientRequestId: text('client_request_id'),
    virtualKey: text('virtual_key'),
    endUser: text('end_user'),
    route: text('route').notNull(),
    provider: text('provider').notNull(),
    keyAlias: text('key_alias').notNull(),
    modelRequested: text('model_requested').notNull(),
    modelServed: text('model_served').notNull(),
    stream: integer('stream', { mode: 'boolean' }).notNull(),
    outcome: text('outcome', { enum: SPEND_OUTCOMES }).notNull(),
    httpStatus: integer('http_status').notNull(),
    errorCode: text('error_code'),
    attempt: integer('attempt').notNull(),
    promptTokens: integer('prompt_tokens').notNull(),
    cachedTokens: integer('cached_tokens').notNull(),
    cacheWriteTokens: integer('cache_write_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    reasoningTokens: integer('reasoning_tokens').notNull(),
    /** Integer micro-cents (1e-8 USD). Never a float: sums over millions of rows must match the bill. */
    costMicrocents: integer('cost_microcents').notNull(),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    usageSource: text('usage_source', { enum: USAGE_SOURCES }).notNull(),
    priceEntry: text('price_entry'),
    queuedMs: integer('queued_ms').notNull(),
  },
  (t) => [
    // One index per query shape of queries.ts and the budget rebuild: a filter column, then ts for the window.
    index('spend_ts_idx').on(t.ts),
    index('spend_virtual_key_ts_idx').on(t.virtualKey, t.ts),
    index('spend_route_ts_idx').on(t.route, t.ts),
    index('spend_model_served_ts_idx').on(t.modelServed, t.ts),
    index('spend_provider_key_alias_ts_idx').on(t.provider, t.keyAlias, t.ts),
    index('spend_end_user_ts_idx').on(t.endUser, t.ts),
    index('spend_request_id_idx').on(t.requestId),
    // Partial: finding a request by the client's id is quick, and rows without one cost no index write.
    index('spend_client_request_id_idx').on(t.clientRequestId).where(sql`${t.clientRequestId} IS NOT NULL`),
    // SQLite has no enums, and drizzle's `enum` is only a TypeScript type: these keep hand-written
    // SQL (or a future writer) from storing values the queries and reports don't know. The cost
    // check holds the ledger to integers even when the value arrives as a REAL.
    check('spend_outcome_check', sql`${t.outcome} IN ('ok', 'error', 'failed_over', 'cancelled')`),
    check('spend_usage_source_check', sql`${t.usageSource} IN ('provider', 'estimated', 'none')`),
    check('spend_stream_check', sql`${t.stream} IN (0, 1)`),
    check('spend_cost_integer_check', sql`typeof(${t.costMicrocents}) = 'integer'`),
  ],
)
