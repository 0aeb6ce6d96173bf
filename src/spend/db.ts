/**
 * Opens the spend database: SQLite through better-sqlite3, with drizzle on top for queries and
 * migrations. One connection per process does all the writing (see writer.ts).
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { UserError } from '../lib/user-error.ts'
import { diagnoseCantOpen, fileTrouble, sqliteCode } from './db-errors.ts'
import * as schema from './schema.ts'

/**
 * src/spend/db.ts (tsx, vitest) and dist/spend/db.js (compiled) are both two levels under the
 * package root, where migrations/ lives.
 */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations')

/**
 * better-sqlite3 waits for a lock synchronously, on the event-loop thread, so a long busy timeout would
 * stall every request in flight. The writer keeps its rows and retries with backoff instead, so a short
 * wait is enough to ride out a WAL checkpoint or a reader's brief write.
 */
const RUNTIME_BUSY_TIMEOUT_MS = 50
/** At start-up nothing is in flight yet: wait longer for another process's lock before migrating. */
const OPEN_BUSY_TIMEOUT_MS = 5_000

export interface SpendDbOptions {
  /** Open an existing database for reading only: no file is created, no migration runs. */
  readonly?: boolean
  /** Overrides the runtime busy timeout (ms). */
  busyTimeoutMs?: number
}

export interface SpendDb {
  /** The file's absolute path, or `:memory:`. */
  readonly path: string
  /** The raw connection: the writer's prepared statements and ad-hoc SQL. */
  readonly sqlite: Database.Database
  /** drizzle over the same connection, for typed queries. */
  readonly orm: BetterSQLite3Database<typeof schema>
  close(): void
}

/** Raised when a read-only open finds no spend table: the file is not (yet) a Headroom database. */
export class NotASpendDbError extends Error {
  override readonly name = 'NotASpendDbError'
}

/** The database cannot be opened for writing: the message names the file, the cause and what to do. */
export class SpendDbOpenError extends UserError {
  override readonly name = 'SpendDbOpenError'
}

/** A SpendDbOpenError for what the user can fix (the file, its directory, its disk); anything else as it was. */
function openError(path: string, err: unknown): unknown {
  const code = sqliteCode(err) ?? (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return err
  const known =
    code === 'SQLITE_BUSY'
      ? {
          cause: 'another process held a lock on it for 5 s',
          atOpen: 'Stop the other process using it, or set HEADROOM_DB to another path.',
        }
      : code === 'SQLITE_CANTOPEN'
        ? (diagnoseCantOpen(path) ?? fileTrouble(err))
        : fileTrouble(err)
  if (!known) return err
  const file = resolve(path)
  return new SpendDbOpenError(
    `cannot open the spend database ${file}: ${known.cause} (${code}). ${known.atOpen.replace('FILE', file)}`,
    { cause: err },
  )
}

export function openSpendDb(path: string, options: SpendDbOptions = {}): SpendDb {
  const memory = path === ':memory:' || path === ''
  if (options.readonly) return openReadonly(path)
  const runtimeBusyTimeoutMs = busyTimeout(options)
  try {
    if (!memory) mkdirSync(dirname(path), { recursive: true })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new SpendDbOpenError(
      `cannot open the spend database ${resolve(path)}: its directory ${dirname(resolve(path))} cannot be created (${code}). Set HEADROOM_DB to another path.`,
      { cause: err },
    )
  }
  let sqlite: Database.Database
  try {
    sqlite = new Database(path)
  } catch (err) {
    throw openError(path, err)
  }
  try {
    // WAL: readers (the CLI, GET /v1/spend) never block the writer and the writer never blocks them.
    // NORMAL is durable across process crashes in WAL mode; only an OS crash or power loss can lose
    // the last transactions, which is the trade the toolchain measurements argue for.
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = NORMAL')
    // 64 MB of page cache: every insert touches 8 b-trees (the table and 7 indexes; 9 with a client's own
    // request id, whose index is partial); keeping their hot pages in memory instead of SQLite's default
    // 2 MB took bench/spend-writer.ts from ~49k to ~53k rows/s.
    sqlite.pragma('cache_size = -65536')
    sqlite.pragma('temp_store = MEMORY')
    sqlite.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`)
    const orm = drizzle(sqlite, { schema })
    // Applies only the migrations the database has not recorded, so reopening is a no-op.
    migrate(orm, { migrationsFolder: MIGRATIONS_DIR })
    // SQLite opens a file it may not write read-only without a word, and a migrated database needs no
    // write here: a write that changes nothing finds out now, not at the first spend flush.
    sqlite.pragma(`user_version = ${Number(sqlite.pragma('user_version', { simple: true }))}`)
    sqlite.pragma(`busy_timeout = ${runtimeBusyTimeoutMs}`)
    return wrap(memory ? path : resolve(path), sqlite, orm)
  } catch (err) {
    sqlite.close()
    throw openError(path, err)
  }
}

function openReadonly(path: string): SpendDb {
  if (!existsSync(path)) throw new NotASpendDbError(`${path}: no such database file`)
  const sqlite = new Database(path, { readonly: true, fileMustExist: true })
  try {
    sqlite.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`)
    const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spend'").get()
    if (table === undefined)
      throw new NotASpendDbError(`${path}: not a Headroom spend database (it has no "spend" table)`)
    return wrap(path, sqlite, drizzle(sqlite, { schema }))
  } catch (err) {
    sqlite.close()
    throw err
  }
}

function busyTimeout(options: SpendDbOptions): number {
  const ms = options.busyTimeoutMs ?? RUNTIME_BUSY_TIMEOUT_MS
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`busyTimeoutMs must be an integer ≥ 0, got ${ms}`)
  return ms
}

function wrap(path: string, sqlite: Database.Database, orm: BetterSQLite3Database<typeof schema>): SpendDb {
  return {
    path,
    sqlite,
    orm,
    close() {
      if (sqlite.open) sqlite.close()
    },
  }
}
