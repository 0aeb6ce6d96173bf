/**
 * The spend database HEADROOM_DB names: a SQLite file (db.ts, the default) or a postgres:// URL (pg.ts).
 * The writer takes either; these read either, through the same dialect-aware queries (queries.ts).
 */
import { openSpendDb, type SpendDb } from './db.ts'
import { isPostgresUrl, openPgSpendDb, type PgSpendDb, pgCostSince, pgSpendSummary } from './pg.ts'
import { costSince, type SpendSummary, type SpendSummaryQuery, spendSummary } from './queries.ts'

export type AnySpendDb = SpendDb | PgSpendDb

/** Opens (and migrates) the database `target` names for writing. */
export async function openAnySpendDb(target: string): Promise<AnySpendDb> {
  return isPostgresUrl(target) ? openPgSpendDb(target) : openSpendDb(target)
}

export function summaryOf(db: AnySpendDb, query: SpendSummaryQuery): Promise<SpendSummary> {
  return 'sqlite' in db ? Promise.resolve(spendSummary(db, query)) : pgSpendSummary(db, query)
}

/** Day and month totals for a budget, both at once. SQLite answers synchronously (no await needed). */
export function costsSince(
  db: AnySpendDb,
  filter: { virtualKey?: string; route?: string },
  since: readonly number[],
): number[] | Promise<number[]> {
  if ('sqlite' in db) return since.map((s) => costSince(db, filter, s))
  return Promise.all(since.map((s) => pgCostSince(db, filter, s)))
}

export async function closeAnySpendDb(db: AnySpendDb): Promise<void> {
  await db.close()
}
