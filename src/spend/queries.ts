/**
 * Reading the ledger: totals grouped by one or more of model, provider, route, key, user and day (the `headroom spend`
 * CLI and `GET /v1/spend`), and the spend since a time (budgets rebuilt at start-up).
 *
 * The same statements run on SQLite and PostgreSQL (pg.ts), with the few functions that differ
 * chosen per dialect. Costs are summed by the database in 64-bit integers (numeric in PostgreSQL) and read back as text, so `costUsd` stays exact even
 * past 2^53 micro-cents (~$90M), where a JS number would start rounding.
 */
import { type SQL, sql } from 'drizzle-orm'
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

/** The SQL dialect a query is built for: the same query, a few functions spelled differently. */
export type SpendDialect = 'sqlite' | 'postgres'

// UTC, like every timestamp Headroom prints; ts is integer ms, so `/ 1000` is integer division in both dialects.
const DAY: Record<SpendDialect, SQL> = {
  sqlite: sql`strftime('%Y-%m-%d', ${spend.ts} / 1000, 'unixepoch')`,
  postgres: sql`to_char(to_timestamp(${spend.ts} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
}
// Names sort by code point in both (SQLite's BINARY; PostgreSQL's "C", not the database's locale), NULLs first.
const ORDER_TEXT: Record<SpendDialect, SQL> = {
  sqlite: sql`ASC NULLS FIRST`,
  postgres: sql`COLLATE "C" ASC NULLS FIRST`,
}
// Aliases are `provider#n` (config/compile.ts), so the alias alone names the key; any other gets its provider in front.
const PROVIDER_KEY = sql`CASE WHEN substr(${spend.keyAlias}, 1, length(${spend.provider}) + 1) = ${spend.provider} || '#' THEN ${spend.keyAlias} ELSE ${spend.provider} || '/' || ${spend.keyAlias} END`

function groupColumn(key: SpendGroupBy, dialect: SpendDialect): SQL {
  switch (key) {
    case 'model':
      return sql`${spend.modelServed}`
    case 'provider':
      return sql`${spend.provider}`
    case 'route':
      return sql`${spend.route}`
    case 'key':
      return sql`${spend.virtualKey}`
    case 'provider_key':
      return PROVIDER_KEY
    case 'user':
      return sql`${spend.endUser}`
    case 'day':
      return DAY[dialect]
  }
}

function where(filter: SpendFilter): SQL {
  const conditions = [
    filter.since !== undefined ? sql`${spend.ts} >= ${filter.since}` : undefined,
    filter.until !== undefined ? sql`${spend.ts} < ${filter.until}` : undefined,
    filter.virtualKey !== undefined ? sql`${spend.virtualKey} = ${filter.virtualKey}` : undefined,
    filter.route !== undefined ? sql`${spend.route} = ${filter.route}` : undefined,
  ].filter((c) => c !== undefined)
  return conditions.length === 0 ? sql`` : sql` WHERE ${sql.join(conditions, sql` AND `)}`
}

const COST_SUM = sql`SUM(${spend.costMicrocents})`
/**
 * What every row and the total sum up. Counts and sums come back as text (PostgreSQL's bigint and numeric
 * are strings in node-postgres) and are converted in `totals`; the cost stays a string until BigInt.
 * A failed attempt (usage_source 'none') has no price_entry either, but used no tokens: it cost nothing.
 */
const MEASURES = sql.join(
  [
    sql`COUNT(DISTINCT ${spend.requestId}) AS "requests"`,
    sql`COUNT(*) AS "attempts"`,
    sql`COALESCE(SUM(CASE WHEN ${spend.priceEntry} IS NULL AND ${spend.usageSource} <> 'none' THEN 1 ELSE 0 END), 0) AS "unpricedCalls"`,
    sql`COALESCE(SUM(${spend.promptTokens}), 0) AS "promptTokens"`,
    sql`COALESCE(SUM(${spend.cachedTokens}), 0) AS "cachedTokens"`,
    sql`COALESCE(SUM(${spend.cacheWriteTokens}), 0) AS "cacheWriteTokens"`,
    sql`COALESCE(SUM(${spend.completionTokens}), 0) AS "completionTokens"`,
    sql`COALESCE(SUM(${spend.reasoningTokens}), 0) AS "reasoningTokens"`,
    sql`CAST(COALESCE(${COST_SUM}, 0) AS TEXT) AS "cost"`,
  ],
  sql`, `,
)

/** A result row as either driver returns it: numbers (SQLite) or numeric strings (PostgreSQL). */
type RawRow = Record<string, unknown>

/** The two statements of a summary: a row per group (columns g0, g1, … then the measures) and the total. */
export function summarySql(query: SpendSummaryQuery, dialect: SpendDialect): { rows: SQL; total: SQL } {
  if (query.groupBy.length === 0) throw new RangeError('spendSummary: groupBy needs at least one key')
  const columns = query.groupBy.map((k) => groupColumn(k, dialect))
  const order = query.groupBy.flatMap((k, i) => {
    const col = columns[i]!
    if (k === 'day') return [sql`${col} ASC`]
    return [
      sql`SUM(${COST_SUM}) OVER (PARTITION BY ${sql.join(columns.slice(0, i + 1), sql`, `)}) DESC`,
      sql`${col} ${ORDER_TEXT[dialect]}`,
    ]
  })
  const groups = sql.join(
    columns.map((c, i) => sql`${c} AS ${sql.raw(`"g${i}"`)}`),
    sql`, `,
  )
  return {
    rows: sql`SELECT ${groups}, ${MEASURES} FROM ${spend}${where(query)} GROUP BY ${sql.join(columns, sql`, `)} ORDER BY ${sql.join(order, sql`, `)}`,
    total: sql`SELECT ${MEASURES} FROM ${spend}${where(query)}`,
  }
}

/** Turns the rows of `summarySql` into a SpendSummary. */
export function readSummary(query: SpendSummaryQuery, rows: RawRow[], sum: RawRow): SpendSummary {
  const { groupBy: _, ...filter } = query
  return {
    ...filter,
    groupBy: [...query.groupBy],
    rows: rows.map((r) => ({
      group: query.groupBy.map((_k, i) => {
        const v = r[`g${i}`]
        return v === null || v === undefined ? null : String(v)
      }),
      ...totals(r),
    })),
    total: totals(sum),
  }
}

/**
 * Totals per combination of the group keys, and over the whole selection. Rows are ordered key by key:
 * days oldest first; any other key by the cost of its group (within the keys before it), most first, then by name.
 */
export function spendSummary(db: SpendDb, query: SpendSummaryQuery): SpendSummary {
  const q = summarySql(query, 'sqlite')
  return readSummary(query, db.orm.all<RawRow>(q.rows), db.orm.get<RawRow>(q.total))
}

function totals(r: RawRow): SpendTotals {
  const micro = BigInt(String(r['cost']))
  return {
    requests: Number(r['requests']),
    attempts: Number(r['attempts']),
    unpricedCalls: Number(r['unpricedCalls']),
    promptTokens: Number(r['promptTokens']),
    cachedTokens: Number(r['cachedTokens']),
    cacheWriteTokens: Number(r['cacheWriteTokens']),
    completionTokens: Number(r['completionTokens']),
    reasoningTokens: Number(r['reasoningTokens']),
    costMicrocents: Number(micro),
    costUsd: microcentsToUsd(micro),
  }
}

/** Spend (micro-cents) since `since` (inclusive), for a virtual key, a route, or both; everything when neither. */
export function costSinceSql(filter: { virtualKey?: string; route?: string }, since: number): SQL {
  return sql`SELECT CAST(COALESCE(${COST_SUM}, 0) AS TEXT) AS "cost" FROM ${spend}${where({ ...filter, since })}`
}

export function costSince(db: SpendDb, filter: { virtualKey?: string; route?: string }, since: number): number {
  const row = db.orm.get<{ cost: string } | undefined>(costSinceSql(filter, since))
  return Number(BigInt(row?.cost ?? '0'))
}
