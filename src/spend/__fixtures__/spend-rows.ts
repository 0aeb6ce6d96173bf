/**
 * Test helpers for the spend ledger: rows with sensible defaults, temp directories, a seeded PRNG.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { LogFields, Logger } from '../../lib/logger.ts'
import type { SpendDb } from '../db.ts'
import type { SpendRow } from '../types.ts'

export function makeRow(overrides: Partial<SpendRow> = {}): SpendRow {
  return {
    ts: Date.UTC(2026, 10, 1, 12),
    requestId: 'req-1',
    clientRequestId: null,
    virtualKey: 'team-a',
    endUser: null,
    route: 'fast',
    provider: 'openai',
    keyAlias: 'openai#1',
    modelRequested: 'fast',
    modelServed: 'gpt-4.1-mini',
    stream: false,
    outcome: 'ok',
    httpStatus: 200,
    errorCode: null,
    attempt: 1,
    promptTokens: 100,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    completionTokens: 20,
    reasoningTokens: 0,
    costMicrocents: 7_200,
    latencyMs: 300,
    ttftMs: null,
    usageSource: 'provider',
    priceEntry: 'gpt-4.1-mini',
    queuedMs: 0,
    ...overrides,
  }
}

export interface TempDir {
  path: string
  file(name: string): string
  remove(): void
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'headroom-spend-'))
  return { path, file: (name) => join(path, name), remove: () => rmSync(path, { recursive: true, force: true }) }
}

/**
 * Damages the spend table's root page on disk, as a failing disk or a stray write would, and makes `db`'s
 * connection notice: another connection's write drops its page cache, so its next write reads the page.
 */
export function corruptSpendTable(db: SpendDb): void {
  db.sqlite.pragma('wal_checkpoint(TRUNCATE)') // every page in the main file, none in the WAL
  const root = db.sqlite.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'spend'").pluck().get() as number
  const pageSize = Number(db.sqlite.pragma('page_size', { simple: true }))
  const fd = openSync(db.path, 'r+')
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, pageSize * (root - 1))
  } finally {
    closeSync(fd)
  }
  const other = new Database(db.path)
  other.pragma(`user_version = ${Number(other.pragma('user_version', { simple: true })) + 1}`)
  other.close()
}

/** mulberry32: deterministic, good enough to spread test data. */
export { seededRandom } from '../../lib/random.ts'

export interface LogLine {
  level: 'info' | 'warn' | 'error'
  msg: string
  fields: LogFields
}

/** A Logger that keeps what it is told. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const at =
    (level: LogLine['level']) =>
    (msg: string, fields: LogFields = {}) =>
      void lines.push({ level, msg, fields })
  return { lines, info: at('info'), warn: at('warn'), error: at('error') }
}
