/**
 * Reading the ledger: totals grouped by one or more of model, provider, route, key, user and day (the `headroom spend`
 * CLI and `GET /v1/spend`), and the spend since a time (budgets rebuilt at start-up).
 *
 * Costs are summed by SQLite in 64-bit integers and read back as text, so `costUsd` stays exact even
 * past 2^53 micro-cents (~$90M), where a JS number would start rounding.
 */
import { and, count, countDistinct, eq, gte, lt, type SQL, type SQLWrapper, sql } from 'drizzle-orm'
import type { SpendDb } from './db.ts'
import { microcentsToUsd } from './money.ts'
import { spend } from './schema.ts'
import type { TokenCounts } from './types.ts'

export const SPEND_GROUP_BYS = ['model', 'provider', 'route', 'key', 'provider_key', 'user', 'day'] as const
export type SpendGroupBy = (typeof SPEND_GROUP_BYS)[number]

/** `day,model` → `['day', 'model']`: one or more keys, each once. Throws RangeError naming the keys. */
export function parseGroupBy(text: string): SpendGroupBy[] {
  const keys = text.split(',').map((k) => k.trim())
  const bad = keys.find((k) => !(SPEND_GROUP_BYS as readonly string[]).includes(k))
  if (bad !== undefined)
    throw new RangeError(
      `"${bad}" is not a group key: use one or more of ${SPEND_GROUP_BYS.join(', ')}, separated by commas (day,model)`,
    )
  const twice = keys.find((k, i) => keys.indexOf(k) !== i)
  if (twice !== undefined) throw new RangeError(`"${twice}" is given twice`)
  return keys as SpendGroupBy[]
}

export interface SpendFilter {
  /** Inclusive, epoch ms. */
  since?: number
  /** Exclusive, epoch ms. */
  until?: number
  virtualKey?: string
  route?: string
}

export interface SpendSummaryQuery extends SpendFilter {
  /** One or more keys: a row per combination of their values. */
  groupBy: readonly SpendGroupBy[]
}

export interface SpendTotals extends TokenCounts {
  /** Distinct requests (a request with a failover has several attempts). */
  requests: number
  attempts: number
  /** Attempts that used tokens but whose model had no price (`price_entry` null): counted at $0 in the cost. */
  unpricedCalls: number
  costMicrocents: number
  /** The exact cost in USD, 8 decimals: 123456789 micro-cents → `"1.23456789"`. */
  costUsd: string
}

export interface SpendSummaryRow extends SpendTotals {
  /**
   * The value of each group key, in the query's order: the model served, provider, route, virtual key,
   * `provider#n` key alias, end user, or UTC day (`YYYY-MM-DD`); null for rows without one (no virtual key, no user).
   */
  group: Array<string | null>
}

export interface SpendSummary extends SpendFilter {
  groupBy: SpendGroupBy[]
  rows: SpendSummaryRow[]
  /** Over the whole selection: `requests` counts a request that failed over between groups once. */
  total: SpendTotals
}

// UTC, like every timestamp Headroom prints; ts is integer ms, so `/ 1000` is SQLite's integer division.
const DAY = sql<string>`strftime('%Y-%m-%d', ${spend.ts} / 1000, 'unixepoch')`
// Aliases are `provider#n` (config/compile.ts), so the alias alone names the key; any other gets its provider in front.
const PROVIDER_KEY = sql<string>`CASE WHEN substr(${spend.keyAlias}, 1, length(${spend.provider}) + 1) = ${spend.provider} || '#' THEN ${spend.keyAlias} ELSE ${spend.provider} || '/' || ${spend.keyAlias} END`

const GROUP_COLUMN: Record<SpendGroupBy, SQL> = {
  model: sql`${spend.modelServed}`,
  provider: sql`${spend.provider}`,
  route: sql`${spend.route}`,
  key: sql`${spend.virtualKey}`,
  provider_key: PROVIDER_KEY,
  user: sql`${spend.endUser}`,
  day: DAY,
}

function where(filter: SpendFilter): SQL | undefined {
  return and(
    filter.since !== undefined ? gte(spend.ts, filter.since) : undefined,
    filter.until !== undefined ? lt(spend.ts, filter.until) : undefined,
    filter.virtualKey !== undefined ? eq(spend.virtualKey, filter.virtualKey) : undefined,
    filter.route !== undefined ? eq(spend.route, filter.route) : undefined,
  )
}

const total = (col: SQLWrapper) => sql<number>`COALESCE(SUM(${col}), 0)`.mapWith(Number)
const COST_SUM = sql`SUM(${spend.costMicrocents})`
// A failed attempt (usage_source 'none') has no price_entry either, but used no tokens: it cost nothing.
const UNPRICED =
  sql<number>`COALESCE(SUM(CASE WHEN ${spend.priceEntry} IS NULL AND ${spend.usageSource} <> 'none' THEN 1 ELSE 0 END), 0)`.mapWith(
    Number,
  )

/** What every row and the total sum up. */
const MEASURES = {
  requests: countDistinct(spend.requestId),
  attempts: count(),
  unpricedCalls: UNPRICED,
  promptTokens: total(spend.promptTokens),
  cachedTokens: total(spend.cachedTokens),
  cacheWriteTokens: total(spend.cacheWriteTokens),
  completionTokens: total(spend.completionTokens),
  reasoningTokens: total(spend.reasoningTokens),
  cost: sql<string>`CAST(COALESCE(${COST_SUM}, 0) AS TEXT)`,
}

/**
 * Totals per combination of the group keys, and over the whole selection. Rows are ordered key by key:
 * days oldest first; any other key by the cost of its group (within the keys before it), most first, then by name.
 */
export function spendSummary(db: SpendDb, query: SpendSummaryQuery): SpendSummary {
  if (query.groupBy.length === 0) throw new RangeError('spendSummary: groupBy needs at least one key')
  const columns = query.groupBy.map((k) => GROUP_COLUMN[k])
  const order = query.groupBy.flatMap((k, i) => {
    const col = columns[i]!
    if (k === 'day') return [sql`${col} ASC`]
    return [
      sql`SUM(${COST_SUM}) OVER (PARTITION BY ${sql.join(columns.slice(0, i + 1), sql`, `)}) DESC`,
      sql`${col} ASC`,
    ]
  })
  const rows = db.orm
    .select({ group: sql<string>`json_array(${sql.join(columns, sql`, `)})`, ...MEASURES })
    .from(spend)
    .where(where(query))
    .groupBy(...columns)
    .orderBy(...order)
    .all()
  const sum = db.orm.select(MEASURES).from(spend).where(where(query)).get()!
  const { groupBy: _, ...filter } = query
  return {
    ...filter,
    groupBy: [...query.groupBy],
    rows: rows.map(({ group, ...r }) => ({ group: JSON.parse(group) as Array<string | null>, ...totals(r) })),
    total: totals(sum),
  }
}

function totals({ cost, ...counts }: Omit<SpendTotals, 'costMicrocents' | 'costUsd'> & { cost: string }): SpendTotals {
  const micro = BigInt(cost)
  return { ...counts, costMicrocents: Number(micro), costUsd: microcentsToUsd(micro) }
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
