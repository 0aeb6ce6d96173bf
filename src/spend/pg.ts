/**
 * The spend ledger in PostgreSQL, for several Headroom replicas sharing one ledger: `HEADROOM_DB=postgres://…`.
 * Same `spend` table, column and index names as SQLite (db.ts), with its own migrations in
 * migrations/pg/ applied at open through drizzle's node-postgres migrator
 * (https://orm.drizzle.team/docs/migrations). Rows go in as multi-row INSERTs of at most
 * PG_ROWS_PER_STATEMENT rows (PostgreSQL binds at most 65,535 parameters per statement:
 * https://www.postgresql.org/docs/current/protocol-message-formats.html, Bind), one transaction per batch.
 *
 * The URL's password never reaches a log or an error: `displayUrl` masks it, `scrub` removes it from
 * driver messages.
 */
import { join } from 'node:path'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { UserError } from '../lib/user-error.ts'
import { MIGRATIONS_DIR } from './db.ts'
import { costSinceSql, readSummary, type SpendSummary, type SpendSummaryQuery, summarySql } from './queries.ts'
import { SPEND_COLUMNS, spendValues } from './spend-insert.ts'
import type { SpendRow } from './types.ts'

const PG_MIGRATIONS_DIR = join(MIGRATIONS_DIR, 'pg')
/** 26 columns × 2,000 rows = 52,000 parameters, under PostgreSQL's 65,535. */
export const PG_ROWS_PER_STATEMENT = 2_000
/** A schema name we create and put first on the search path (tests: one per run). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Whether HEADROOM_DB names a PostgreSQL database rather than a SQLite file. Any other URL (`mysql://…`) is
 * a UserError: taken as a file path it would quietly become a SQLite file in a directory named `mysql:`.
 */
export function isPostgresUrl(text: string): boolean {
  if (/^postgres(ql)?:\/\//i.test(text)) return true
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)
  if (scheme)
    throw new UserError(
      `HEADROOM_DB: a ${scheme[1]}:// URL is not a database Headroom can use: give a postgres:// URL or a SQLite file path.`,
    )
  return false
}

/** The URL with its password replaced by `***`: what logs and errors may show. */
export function displayUrl(url: URL): string {
  const shown = new URL(url.href)
  if (shown.password !== '') shown.password = '***'
  return shown.href
}

/** Validates a `postgres://user:pass@host:port/db` URL; the error never repeats the password. */
export function parsePostgresUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UserError('HEADROOM_DB is not a valid postgres:// URL (expected postgres://user:password@host:5432/db)')
  }
  if (!/^postgres(ql)?:$/.test(url.protocol) || url.hostname === '')
    throw new UserError(`HEADROOM_DB ${displayUrl(url)} needs a host: postgres://user:password@host:5432/db`)
  return url
}

/** `message` with every occurrence of the URL's password (raw or percent-encoded) masked. */
export function scrub(message: string, url: URL): string {
  let out = message
  for (const secret of new Set([url.password, safeDecode(url.password)]))
    if (secret.length > 0) out = out.split(secret).join('***')
  return out
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

export interface PgSpendDb {
  /** The URL with the password masked. */
  readonly display: string
  readonly pool: pg.Pool
  readonly orm: NodePgDatabase
  close(): Promise<void>
}

export interface PgSpendOptions {
  /**
   * Create this schema if needed and use it instead of `public`, for the table and drizzle's migration journal
   * (default: the URL's `?schema=`; tests run in a schema of their own).
   */
  schema?: string
  /** Only read (`headroom spend`): no schema is created, no migration runs, and a database without the table is refused. */
  readonly?: boolean
  /** Pool size (default 4: one writer and a few readers). */
  maxConnections?: number
}

/** The database cannot be reached or migrated: the message names the (masked) URL and the cause. */
class PgSpendOpenError extends UserError {
  override readonly name = 'PgSpendOpenError'
}

/** Connects, applies the migrations the database has not recorded, and returns the pool. */
export async function openPgSpendDb(text: string, options: PgSpendOptions = {}): Promise<PgSpendDb> {
  const url = parsePostgresUrl(text)
  // `?schema=name`: Headroom's own parameter, not the driver's, so it leaves the URL before connecting.
  const schema = options.schema ?? url.searchParams.get('schema') ?? undefined
  url.searchParams.delete('schema')
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new UserError(
      `HEADROOM_DB ${displayUrl(url)}: the schema must be lower-case letters, digits and _ (at most 63), not ${JSON.stringify(schema.slice(0, 80))}`,
    )
  const pool = new pg.Pool({
    connectionString: url.href,
    max: options.maxConnections ?? 4,
    // A server that does not answer fails a connection or a flush (kept queued, retried) instead of hanging
    // it, and with it the final flush at SIGTERM (https://node-postgres.com/apis/client#new-client).
    connectionTimeoutMillis: 5_000,
    query_timeout: 30_000,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => {})
  const orm = drizzle(pool)
  try {
    if (options.readonly) {
      const { rows } = await pool.query<{ t: string | null }>(`SELECT to_regclass('spend')::text AS t`)
      if (rows[0]?.t == null) throw new Error('not a Headroom spend database (it has no "spend" table)')
    } else {
      // Replicas starting together would race on CREATE SCHEMA and the migrations (a duplicate-type error
      // fails all but one): a session-level advisory lock lets one migrate while the others wait, then
      // find nothing left to do (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
      const client = await pool.connect()
      try {
        await client.query(`SELECT pg_advisory_lock(hashtext('headroom spend migrations'))`)
        if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
        await migrate(drizzle(client), { migrationsFolder: PG_MIGRATIONS_DIR, migrationsSchema: schema ?? 'drizzle' })
      } finally {
        await client.query(`SELECT pg_advisory_unlock(hashtext('headroom spend migrations'))`).catch(() => {})
        client.release()
      }
    }
  } catch (err) {
    await pool.end().catch(() => {})
    const message = err instanceof Error ? err.message : String(err)
    throw new PgSpendOpenError(`cannot open the spend database ${displayUrl(url)}: ${scrub(message, url)}`)
  }
  let closed = false
  return {
    display: displayUrl(url),
    pool,
    orm,
    async close() {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
}

const INSERT_HEAD = `INSERT INTO spend (${SPEND_COLUMNS.join(', ')}) VALUES `

function insertSql(rows: number): string {
  const n = SPEND_COLUMNS.length
  const tuples: string[] = []
  for (let r = 0; r < rows; r++) tuples.push(`(${SPEND_COLUMNS.map((_, c) => `$${r * n + c + 1}`).join(', ')})`)
  return INSERT_HEAD + tuples.join(', ')
}

/**
 * Inserts rows `at(0) … at(count - 1)` in one transaction and resolves to how many the database
 * rejected. PostgreSQL fails a whole statement for one bad row, so when a statement fails on the data
 * (SQLSTATE classes 22 and 23) its rows are retried one by one and the bad ones rejected through
 * `onReject`; any other error rolls back the batch and rejects, so the caller keeps every row.
 */
export async function pgInsertBatch(
  db: PgSpendDb,
  at: (i: number) => SpendRow,
  count: number,
  onReject: (row: SpendRow, err: unknown) => void,
): Promise<number> {
  const client = await db.pool.connect()
  let rejected = 0
  try {
    await client.query('BEGIN')
    for (let start = 0; start < count; start += PG_ROWS_PER_STATEMENT) {
      const end = Math.min(count, start + PG_ROWS_PER_STATEMENT)
      const values: unknown[] = []
      for (let i = start; i < end; i++) values.push(...spendValues(at(i), true))
      await client.query('SAVEPOINT chunk')
      try {
        await client.query(insertSql(end - start), values)
      } catch (err) {
        if (!isPgRowError(err)) throw err
        await client.query('ROLLBACK TO SAVEPOINT chunk')
        for (let i = start; i < end; i++) {
          await client.query('SAVEPOINT one')
          try {
            await client.query(insertSql(1), spendValues(at(i), true))
          } catch (rowErr) {
            if (!isPgRowError(rowErr)) throw rowErr
            await client.query('ROLLBACK TO SAVEPOINT one')
            rejected++
            onReject(at(i), rowErr)
          }
        }
      }
    }
    await client.query('COMMIT')
    return rejected
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

/** Data exceptions (22xxx) and integrity constraint violations (23xxx) belong to a row, not the database. */
function isPgRowError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))
}

/** `spendSummary` (queries.ts) on PostgreSQL: the same statements in the postgres dialect. */
export async function pgSpendSummary(db: PgSpendDb, query: SpendSummaryQuery): Promise<SpendSummary> {
  const q = summarySql(query, 'postgres')
  const [rows, total] = await Promise.all([db.orm.execute(q.rows), db.orm.execute(q.total)])
  return readSummary(query, rows.rows, total.rows[0] ?? {})
}

/** `costSince` (queries.ts) on PostgreSQL. */
export async function pgCostSince(
  db: PgSpendDb,
  filter: { virtualKey?: string; route?: string },
  since: number,
): Promise<number> {
  const result = await db.orm.execute(costSinceSql(filter, since))
  return Number(BigInt(String(result.rows[0]?.['cost'] ?? '0')))
}
