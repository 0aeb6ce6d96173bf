/**
 * Reading the ledger: totals grouped by model, provider, route, key, user or day (the `headroom spend`
 * CLI and `GET /v1/spend`), and the spend since a time (budgets rebuilt at start-up).
 *
 * Costs are summed by SQLite in 64-bit integers and read back as text, so `costUsd` stays exact even
 * past 2^53 micro-cents (~$90M), where a JS number would start rounding.
 */
import { and, count, countDistinct, eq, gte, lt, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import type { SpendDb } from './db.ts'
import { microcentsToUsd } from './money.ts'
import { spend } from './schema.ts'

export { formatSummary, type SummaryFormat } from './summary-format.ts'
export { parseTimeArg } from './time-arg.ts'
export { microcentsToUsd } from './money.ts'

import type { TokenCounts } from './types.ts'

export const SPEND_GROUP_BYS = ['model', 'provider', 'route', 'key', 'provider_key', 'user', 'day'] as const
export type SpendGroupBy = (typeof SPEND_GROUP_BYS)[number]

export interface SpendFilter {
  /** Inclusive, epoch ms. */
  since?: number
  /** Exclusive, epoch ms. */
  until?: number
  virtualKey?: string
  route?: string
}

export interface SpendSummaryQuery extends SpendFilter {
  groupBy: SpendGroupBy
}

export interface SpendSummaryRow extends TokenCounts {
  /** The model served, provider, route, virtual key, `provider#n` key alias, end user, or UTC day (`YYYY-MM-DD`); null for rows without one (no virtual key, no user). */
  group: string | null
  /** Distinct requests (a request with a failover has several attempts). */
  requests: number
  attempts: number
  /** Attempts that used tokens but whose model had no price (`price_entry` null): counted at $0 in the cost. */
  unpricedCalls: number
  costMicrocents: number
  /** The exact cost in USD, 8 decimals: 123456789 micro-cents → `"1.23456789"`. */
  costUsd: string
}

// UTC, like every timestamp Headroom prints; ts is integer ms, so `/ 1000` is SQLite's integer division.
const DAY = sql<string>`strftime('%Y-%m-%d', ${spend.ts} / 1000, 'unixepoch')`

/** The columns each grouping keys on. `provider_key` needs both: aliases are only unique per provider. */
function groupColumns(groupBy: SpendGroupBy): [SQL.Aliased<string | null>, SQL.Aliased<string | null>] {
  const g = (col: SQLWrapper) => sql<string | null>`${col}`
  const none = sql<string | null>`NULL`
  switch (groupBy) {
    case 'model':
      return [g(spend.modelServed).as('g1'), none.as('g2')]
    case 'provider':
      return [g(spend.provider).as('g1'), none.as('g2')]
    case 'route':
      return [g(spend.route).as('g1'), none.as('g2')]
    case 'key':
      return [g(spend.virtualKey).as('g1'), none.as('g2')]
    case 'provider_key':
      return [g(spend.provider).as('g1'), g(spend.keyAlias).as('g2')]
    case 'user':
      return [g(spend.endUser).as('g1'), none.as('g2')]
    case 'day':
      return [g(DAY).as('g1'), none.as('g2')]
    default: {
      const exhaustive: never = groupBy
      throw new RangeError(`unknown groupBy "${String(exhaustive)}"`)
    }
  }
}

function where(filter: SpendFilter): SQL | undefined {
  return and(
    filter.since !== undefined ? gte(spend.ts, filter.since) : undefined,
    filter.until !== undefined ? lt(spend.ts, filter.until) : undefined,
    filter.virtualKey !== undefined ? eq(spend.virtualKey, filter.virtualKey) : undefined,
    filter.route !== undefined ? eq(spend.route, filter.route) : undefined,
  )
}

const total = (col: SQLWrapper) => sql<number>`SUM(${col})`.mapWith(Number)
const COST_SUM = sql`SUM(${spend.costMicrocents})`
// A failed attempt (usage_source 'none') has no price_entry either, but used no tokens: it cost nothing.
const UNPRICED = sql<number>`SUM(CASE WHEN ${spend.priceEntry} IS NULL AND ${spend.usageSource} <> 'none' THEN 1 ELSE 0 END)`.mapWith(Number)

export function spendSummary(db: SpendDb, query: SpendSummaryQuery): SpendSummaryRow[] {
  const [g1, g2] = groupColumns(query.groupBy)
  const rows = db.orm
    .select({
      g1,
      g2,
      requests: countDistinct(spend.requestId),
      attempts: count(),
      unpricedCalls: UNPRICED,
      promptTokens: total(spend.promptTokens),
      cachedTokens: total(spend.cachedTokens),
      cacheWriteTokens: total(spend.cacheWriteTokens),
      completionTokens: total(spend.completionTokens),
      reasoningTokens: total(spend.reasoningTokens),
      cost: sql<string>`CAST(${COST_SUM} AS TEXT)`,
    })
    .from(spend)
    .where(where(query))
    .groupBy(sql`g1`, sql`g2`)
    .orderBy(...(query.groupBy === 'day' ? [sql`g1 ASC`] : [sql`${COST_SUM} DESC`, sql`g1 ASC`, sql`g2 ASC`]))
    .all()

  return rows.map((r) => {
    const cost = BigInt(r.cost)
    return {
      group: query.groupBy === 'provider_key' ? providerKeyLabel(r.g1, r.g2) : r.g1,
      requests: r.requests,
      attempts: r.attempts,
      unpricedCalls: r.unpricedCalls,
      promptTokens: r.promptTokens,
      cachedTokens: r.cachedTokens,
      cacheWriteTokens: r.cacheWriteTokens,
      completionTokens: r.completionTokens,
      reasoningTokens: r.reasoningTokens,
      costMicrocents: Number(cost),
      costUsd: microcentsToUsd(cost),
    }
  })
}

/** Aliases are `provider#n` (routing/compile.ts), so the alias alone names the key; anything else gets its provider in front. */
function providerKeyLabel(provider: string | null, alias: string | null): string | null {
  if (provider === null || alias === null) return provider ?? alias
  return alias.startsWith(`${provider}#`) ? alias : `${provider}/${alias}`
}

/** Spend (micro-cents) since `since` (inclusive), for a virtual key, a route, or both; everything when neither. */
export function costSince(db: SpendDb, filter: { virtualKey?: string; route?: string }, since: number): number {
  const row = db.orm
    .select({ cost: sql<string>`CAST(COALESCE(${COST_SUM}, 0) AS TEXT)` })
    .from(spend)
    .where(where({ ...filter, since }))
    .get()
  return Number(BigInt(row?.cost ?? '0'))
}
