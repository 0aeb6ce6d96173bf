import { afterAll, describe, expect, it } from 'vitest'
import { dropSchema, PG_TEST_URL, postgresForTests, uniqueSchema } from '../spend/__fixtures__/pg.ts'
import { makeRow } from '../spend/__fixtures__/spend-rows.ts'
import { openPgSpendDb } from '../spend/pg.ts'
import { type AnySpendDb, costsSince } from '../spend/store.ts'
import { SpendWriter } from '../spend/writer.ts'
import { BudgetTracker } from './budgets.ts'
import { spendSoFar } from './spend-so-far.ts'

const NOW = Date.UTC(2026, 10, 15, 12)
const tableOf = (db: AnySpendDb) => async (filter: { virtualKey?: string; route?: string }, since: number[]) =>
  costsSince(db, filter, since)
const pgAvailable = await postgresForTests()
const schemas: string[] = []
afterAll(async () => {
  for (const s of schemas) await dropSchema(s)
})

describe('spendSoFar', () => {
  it('SQLite (one file per replica): this replica’s own totals', async () => {
    const budgets = new BudgetTracker()
    budgets.seed('key', 'team-a', NOW, 3_000, 9_000)
    const spent = spendSoFar({ sharedTable: null, budgets, flush: async () => {} })
    expect(await spent('key', 'team-a', NOW)).toEqual({ day: 3_000, month: 9_000 })
  })
})

describe.skipIf(!pgAvailable)('spendSoFar with PostgreSQL', () => {
  it('sums the shared table (other replicas’ rows too), after writing its own queue, and raises its totals', async () => {
    const schema = uniqueSchema()
    schemas.push(schema)
    const url = `${PG_TEST_URL}?schema=${schema}`
    const mine = await openPgSpendDb(url)
    const theirs = await openPgSpendDb(url)
    try {
      // Another replica's rows are in the table; this replica's row is still queued in its writer.
      const other = new SpendWriter(theirs)
      other.write(makeRow({ requestId: 'a', ts: NOW, costMicrocents: 5_000 }))
      other.write(makeRow({ requestId: 'b', ts: NOW - 86_400_000, costMicrocents: 1_000 }))
      await other.closeAsync()
      const budgets = new BudgetTracker()
      budgets.seed('key', 'team-a', NOW, 0, 0)
      const writer = new SpendWriter(mine, { onRow: (row) => budgets.add(row) })
      writer.write(makeRow({ requestId: 'c', ts: NOW, costMicrocents: 700 }))
      const spent = spendSoFar({ sharedTable: tableOf(mine), budgets, flush: () => writer.flushAsync() })
      expect(await spent('key', 'team-a', NOW)).toEqual({ day: 5_700, month: 6_700 })
      expect(budgets.spent('key', 'team-a', 'daily', NOW)).toBe(5_700)
      await writer.closeAsync()
    } finally {
      await mine.close()
      await theirs.close().catch(() => {})
    }
  })

  it('answers with its own totals when PostgreSQL does not', async () => {
    const schema = uniqueSchema()
    schemas.push(schema)
    const db = await openPgSpendDb(`${PG_TEST_URL}?schema=${schema}`)
    await db.close() // every query now fails
    const budgets = new BudgetTracker()
    budgets.seed('route', 'fast', NOW, 1_234, 5_678)
    const spent = spendSoFar({ sharedTable: tableOf(db), budgets, flush: async () => {} })
    expect(await spent('route', 'fast', NOW)).toEqual({ day: 1_234, month: 5_678 })
  })
})
