import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropSchema, PG_TEST_URL, postgresForTests, uniqueSchema } from './__fixtures__/pg.ts'
import { ledgerRows, makeRow } from './__fixtures__/spend-rows.ts'
import { openSpendDb, type SpendDb } from './db.ts'
import {
  displayUrl,
  isPostgresUrl,
  openPgSpendDb,
  PG_ROWS_PER_STATEMENT,
  type PgSpendDb,
  parsePostgresUrl,
  pgCostSince,
  pgInsertBatch,
  pgSpendSummary,
  scrub,
} from './pg.ts'
import { costSince, SPEND_GROUP_BYS, type SpendFilter, type SpendGroupBy, spendSummary } from './queries.ts'
import type { SpendRow } from './types.ts'
import { SpendWriter } from './writer.ts'

const DAY_MS = 86_400_000
const START = Date.UTC(2026, 10, 1)

describe('PostgreSQL URLs', () => {
  it('tells a postgres:// URL from a SQLite path', () => {
    expect(isPostgresUrl('postgres://h/db')).toBe(true)
    expect(isPostgresUrl('postgresql://h/db')).toBe(true)
    expect(isPostgresUrl('./headroom.db')).toBe(false)
    expect(isPostgresUrl(':memory:')).toBe(false)
    expect(isPostgresUrl('C:\\data\\headroom.db')).toBe(false)
  })

  it('refuses another URL rather than taking it for a file path', () => {
    expect(() => isPostgresUrl('mysql://root@127.0.0.1/test')).toThrow(
      /mysql:\/\/ URL is not a database Headroom can use/,
    )
  })

  it('masks the password in what it shows and scrubs it from messages', () => {
    const url = parsePostgresUrl('postgres://app:s3cr%40t@db.internal:5432/ledger')
    expect(displayUrl(url)).toBe('postgres://app:***@db.internal:5432/ledger')
    expect(scrub('auth failed for s3cr@t and s3cr%40t', url)).toBe('auth failed for *** and ***')
  })

  it('refuses a ?schema= that is not a plain lower-case name, before connecting', async () => {
    const err = await openPgSpendDb('postgres://u:hunter2@127.0.0.1:1/db?schema=x%22;drop').catch((e: unknown) => e)
    expect(String(err)).toContain('the schema must be lower-case letters')
    expect(String(err)).not.toContain('hunter2')
  })

  it('refuses a URL without a host, never repeating the password', () => {
    expect(() => parsePostgresUrl('postgres://')).toThrow('needs a host')
    expect(() => parsePostgresUrl('postgres://u:hunter2@:5/x')).toThrow(/not a valid|needs a host/)
    try {
      parsePostgresUrl('postgres://u:hunter2@:5/x')
    } catch (err) {
      expect(String(err)).not.toContain('hunter2')
    }
  })
})

const available = await postgresForTests()

describe.skipIf(!available)('spend in PostgreSQL', () => {
  const schema = uniqueSchema()
  let pgdb: PgSpendDb
  let lite: SpendDb
  const rejects: SpendRow[] = []
  const rows = ledgerRows(START)
  const insert = (db: PgSpendDb, batch: SpendRow[]) =>
    pgInsertBatch(
      db,
      (i) => batch[i]!,
      batch.length,
      (row) => rejects.push(row),
    )

  beforeAll(async () => {
    pgdb = await openPgSpendDb(PG_TEST_URL, { schema })
    expect(await insert(pgdb, rows)).toBe(0)
    lite = openSpendDb(':memory:')
    const w = new SpendWriter(lite)
    for (const row of rows) w.write(row)
    w.close()
  })
  afterAll(async () => {
    lite?.close()
    await pgdb?.close()
    await dropSchema(schema)
  })

  it('applies its migrations once: opening again is a no-op', async () => {
    const again = await openPgSpendDb(PG_TEST_URL, { schema })
    const { rows: n } = await again.pool.query('SELECT COUNT(*)::int AS n FROM spend')
    expect(n[0].n).toBe(rows.length)
    const { rows: idx } = await again.pool.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'spend' ORDER BY indexname`,
      [schema],
    )
    expect(idx.map((r: { indexname: string }) => r.indexname)).toEqual([
      'spend_client_request_id_idx',
      'spend_end_user_ts_idx',
      'spend_model_served_ts_idx',
      'spend_pkey',
      'spend_provider_key_alias_ts_idx',
      'spend_request_id_idx',
      'spend_route_ts_idx',
      'spend_ts_idx',
      'spend_virtual_key_ts_idx',
    ])
    await again.close()
  })

  const windows: Array<[string, SpendFilter]> = [
    ['everything', {}],
    ['since and until', { since: START + 2 * DAY_MS, until: START + 6 * DAY_MS }],
    ['one virtual key', { virtualKey: 'team-a' }],
    ['one route in a window', { route: 'smart', since: START + DAY_MS, until: START + 9 * DAY_MS }],
    ['an empty window', { since: START + 100 * DAY_MS }],
  ]
  const groupings: SpendGroupBy[][] = [
    ...SPEND_GROUP_BYS.map((k) => [k]),
    ['day', 'model'],
    ['provider_key', 'user', 'day'],
  ]
  for (const groupBy of groupings) {
    for (const [name, filter] of windows) {
      it(`by ${groupBy.join(',')}, ${name}: the same summary as SQLite, row for row`, async () => {
        expect(await pgSpendSummary(pgdb, { groupBy, ...filter })).toEqual(spendSummary(lite, { groupBy, ...filter }))
      })
    }
  }

  it('costSince agrees with SQLite', async () => {
    const since = START + 4 * DAY_MS
    for (const filter of [{}, { virtualKey: 'team-b' }, { route: 'fast' }, { virtualKey: 'nobody' }]) {
      expect(await pgCostSince(pgdb, filter, since)).toBe(costSince(lite, filter, since))
    }
  })

  it('splits a large batch into several statements in one transaction, and stays exact past 2^53', async () => {
    const big = Array.from({ length: PG_ROWS_PER_STATEMENT + 7 }, (_, i) =>
      makeRow({ requestId: `big-${i}`, route: 'big', costMicrocents: 2 ** 52 + 1 }),
    )
    expect(await insert(pgdb, big)).toBe(0)
    const s = await pgSpendSummary(pgdb, { groupBy: ['route'], route: 'big' })
    expect(s.total.attempts).toBe(big.length)
    expect(s.total.costUsd).toBe(((2n ** 52n + 1n) * BigInt(big.length)).toString().replace(/(\d{8})$/, '.$1'))
  })

  it('rejects a row the table refuses and keeps the rest of the batch', async () => {
    const batch = [
      makeRow({ requestId: 'good-1', route: 'rej' }),
      makeRow({ requestId: 'bad', route: 'rej', outcome: 'bogus' as SpendRow['outcome'] }),
      makeRow({ requestId: 'good-2', route: 'rej' }),
    ]
    rejects.length = 0
    expect(await insert(pgdb, batch)).toBe(1)
    expect(rejects.map((r) => r.requestId)).toEqual(['bad'])
    const s = await pgSpendSummary(pgdb, { groupBy: ['route'], route: 'rej' })
    expect(s.total.attempts).toBe(2)
  })

  it('fails the whole batch when the database does, so the caller keeps every row', async () => {
    const other = await openPgSpendDb(PG_TEST_URL, { schema })
    await other.close()
    await expect(insert(other, [makeRow()])).rejects.toThrow()
  })

  it('the batching writer: rows queued, sent off the caller, all committed by flushAsync and closeAsync', async () => {
    const w = new SpendWriter(pgdb, { flushAtRows: 50, maxBatchRows: 120 })
    for (let i = 0; i < 300; i++) w.write(makeRow({ requestId: `w-${i}`, route: 'writer' }))
    expect(w.stats().pending).toBe(300) // write() only queues
    await w.flushAsync()
    for (let i = 300; i < 310; i++) w.write(makeRow({ requestId: `w-${i}`, route: 'writer' }))
    await w.closeAsync()
    expect(w.stats()).toMatchObject({ written: 310, pending: 0, dropped: 0 })
    const s = await pgSpendSummary(pgdb, { groupBy: ['route'], route: 'writer' })
    expect(s.total.requests).toBe(310)
  })

  it('the batching writer keeps rows while PostgreSQL fails, and reports them lost at close', async () => {
    const gone = await openPgSpendDb(PG_TEST_URL, { schema })
    await gone.close()
    const w = new SpendWriter(gone)
    w.write(makeRow({ route: 'never' }))
    await w.flushAsync()
    expect(w.health()).toMatchObject({ ok: false, pending: 1 })
    await w.closeAsync()
    expect(w.stats()).toMatchObject({ written: 0, pending: 0, dropped: 1 })
  })

  it('read-only (headroom spend): refuses a schema without the table and creates nothing', async () => {
    const empty = uniqueSchema()
    const err = await openPgSpendDb(PG_TEST_URL, { schema: empty, readonly: true }).catch((e: unknown) => e)
    expect(String(err)).toContain('no "spend" table')
    const reader = await openPgSpendDb(PG_TEST_URL, { schema, readonly: true })
    expect((await pgSpendSummary(reader, { groupBy: ['model'] })).total.attempts).toBeGreaterThan(0)
    await reader.close()
    const { rows: found } = await pgdb.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [empty])
    expect(found).toEqual([])
  })

  it('names the database without its password when it cannot connect', async () => {
    const err = await openPgSpendDb('postgres://u:hunter2@127.0.0.1:1/x').catch((e: unknown) => e)
    expect(String(err)).toContain('postgres://u:***@127.0.0.1:1/x')
    expect(String(err)).not.toContain('hunter2')
  })
})
