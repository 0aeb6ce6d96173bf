/**
 * PostgreSQL for tests: the server at HEADROOM_TEST_PG (default postgres://postgres@127.0.0.1:5432/test, as
 * .ci/run provides), a schema of its own per test file, dropped at the end. Without a reachable server the
 * PostgreSQL tests are skipped with a message, unless CI is set: there a missing server fails the run.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_TEST_URL = process.env['HEADROOM_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Whether the PostgreSQL tests run: true when the server answers; false (skip, with a warning) when not, outside CI. */
export async function postgresForTests(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (err) {
    const why = `PostgreSQL tests need a server at ${PG_TEST_URL} (set HEADROOM_TEST_PG): ${err instanceof Error ? err.message : String(err)}`
    if (process.env['CI']) throw new Error(`${why} — CI must provide it`)
    console.warn(`skipping the PostgreSQL tests: ${why}`)
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** A fresh schema name for one test file's run. */
export function uniqueSchema(): string {
  return `hr_test_${process.pid}_${randomBytes(4).toString('hex')}`
}

/** Drops the schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}
