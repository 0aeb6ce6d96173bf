import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type TempDir, tempDir } from './__fixtures__/spend-rows.ts'
import { MIGRATIONS_DIR, NotASpendDbError, openSpendDb, SpendDbOpenError } from './db.ts'

const INDEXES = [
  'spend_ts_idx',
  'spend_virtual_key_ts_idx',
  'spend_route_ts_idx',
  'spend_model_served_ts_idx',
  'spend_provider_key_alias_ts_idx',
  'spend_end_user_ts_idx',
  'spend_request_id_idx',
  'spend_client_request_id_idx',
]

let dir: TempDir
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => dir.remove())

const names = (sqlite: Database.Database, type: string) =>
  (
    sqlite.prepare('SELECT name FROM sqlite_master WHERE type = ? ORDER BY name').all(type) as Array<{ name: string }>
  ).map((r) => r.name)

describe('openSpendDb', () => {
  it('creates the parent directory, the spend table and its indexes; opening again is a no-op', () => {
    const path = join(dir.path, 'nested', 'deeper', 'headroom.db')
    const first = openSpendDb(path)
    first.sqlite
      .prepare(
        "INSERT INTO spend (ts, request_id, route, provider, key_alias, model_requested, model_served, stream, outcome, http_status, attempt, prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, cost_microcents, latency_ms, usage_source, queued_ms) VALUES (1, 'r', 'a', 'p', 'p#1', 'm', 'm', 0, 'ok', 200, 1, 0, 0, 0, 0, 0, 5, 0, 'none', 0)",
      )
      .run()
    first.close()

    const second = openSpendDb(path)
    expect(names(second.sqlite, 'table')).toEqual(expect.arrayContaining(['spend', '__drizzle_migrations']))
    expect(names(second.sqlite, 'index')).toEqual(expect.arrayContaining(INDEXES))
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
      entries: unknown[]
    }
    expect(second.sqlite.prepare('SELECT COUNT(*) AS n FROM __drizzle_migrations').get()).toEqual({
      n: journal.entries.length,
    })
    expect(second.sqlite.prepare('SELECT COUNT(*) AS n FROM spend').get()).toEqual({ n: 1 }) // the data survived
    second.close()
  })

  it('uses WAL, synchronous = NORMAL and a short busy timeout', () => {
    const db = openSpendDb(dir.file('h.db'))
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(1) // NORMAL
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(50)
    db.close()
    const custom = openSpendDb(dir.file('h.db'), { busyTimeoutMs: 7 })
    expect(custom.sqlite.pragma('busy_timeout', { simple: true })).toBe(7)
    custom.close()
  })

  it('works in memory', () => {
    const db = openSpendDb(':memory:')
    expect(names(db.sqlite, 'table')).toContain('spend')
    db.close()
    db.close() // idempotent
  })

  it('holds the table to its enums and integer costs', () => {
    const db = openSpendDb(':memory:')
    const insert = (outcome: string, cost: number) =>
      db.sqlite
        .prepare(
          `INSERT INTO spend (ts, request_id, route, provider, key_alias, model_requested, model_served, stream, outcome, http_status, attempt, prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, cost_microcents, latency_ms, usage_source, queued_ms) VALUES (1, 'r', 'a', 'p', 'p#1', 'm', 'm', 0, ?, 200, 1, 0, 0, 0, 0, 0, ?, 0, 'none', 0)`,
        )
        .run(outcome, cost)
    expect(() => insert('ok', 10)).not.toThrow()
    expect(() => insert('ok', 10.5)).toThrow(/spend_cost_integer_check/)
    expect(() => insert('maybe', 10)).toThrow(/spend_outcome_check/)
    db.close()
  })

  describe('a file it cannot use: one error naming the file, the cause and what to do', () => {
    const failure = (path: string): SpendDbOpenError => {
      try {
        openSpendDb(path).close()
      } catch (err) {
        expect(err).toBeInstanceOf(SpendDbOpenError)
        return err as SpendDbOpenError
      }
      throw new Error('expected the open to fail')
    }

    it('a file that is not a SQLite database (or a corrupt one)', () => {
      const path = dir.file('junk.db')
      writeFileSync(path, 'this is not a database, but it is long enough to have a header: '.repeat(4))
      expect(failure(path).message).toBe(
        `cannot open the spend database ${path}: the file is not a SQLite database (SQLITE_NOTADB). Move it aside or set HEADROOM_DB to another path.`,
      )
    })

    it('a path that is a directory, or under a file', () => {
      const path = dir.file('a-dir.db')
      mkdirSync(path)
      expect(failure(path).message).toBe(
        `cannot open the spend database ${path}: the path is a directory (SQLITE_CANTOPEN). Set HEADROOM_DB to a file path.`,
      )
      const file = dir.file('plain')
      writeFileSync(file, '')
      expect(failure(join(file, 'h.db')).message).toBe(
        `cannot open the spend database ${file}/h.db: its directory ${file} cannot be created (EEXIST). Set HEADROOM_DB to another path.`,
      )
    })
  })

  describe('read-only', () => {
    it('refuses a missing file without creating it', () => {
      const path = dir.file('missing.db')
      expect(() => openSpendDb(path, { readonly: true })).toThrow(NotASpendDbError)
      expect(existsSync(path)).toBe(false)
    })

    it('refuses a SQLite file that is not a spend database', () => {
      const path = dir.file('other.db')
      new Database(path).exec('CREATE TABLE t (x)')
      expect(() => openSpendDb(path, { readonly: true })).toThrow(/not a Headroom spend database/)
    })

    it('reads a spend database and cannot write to it', () => {
      const path = dir.file('h.db')
      openSpendDb(path).close()
      const db = openSpendDb(path, { readonly: true })
      expect(db.sqlite.prepare('SELECT COUNT(*) AS n FROM spend').get()).toEqual({ n: 0 })
      expect(() => db.sqlite.exec('DELETE FROM spend')).toThrow(/readonly/)
      db.close()
    })
  })
})
