/**
 * Test helpers for the spend ledger: rows with sensible defaults, temp directories, a seeded PRNG.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { LogFields, Logger } from '../../lib/logger.ts'
import { seededRandom } from '../../lib/random.ts'
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
export { seededRandom }

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

/**
 * A reproducible ledger of 400 requests over 10 days from `start`: several virtual keys, users, routes,
 * providers and key aliases, failovers (several attempts), failed and unpriced attempts.
 */
export function ledgerRows(start: number): SpendRow[] {
  const DAY_MS = 86_400_000
  const random = seededRandom(7)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const targets = [
    { provider: 'openai', keyAlias: 'openai#1', modelServed: 'gpt-4.1-mini' },
    { provider: 'openai', keyAlias: 'openai#2', modelServed: 'gpt-4.1-mini' },
    { provider: 'openai', keyAlias: 'openai#1', modelServed: 'gpt-5' },
    { provider: 'anthropic', keyAlias: 'anthropic#1', modelServed: 'claude-sonnet-4-5' },
    { provider: 'google', keyAlias: 'google#1', modelServed: 'gemini-2.5-flash' },
    { provider: 'eu', keyAlias: 'shared', modelServed: 'gpt-4.1-mini' },
  ]
  const rows: SpendRow[] = []
  for (let r = 0; r < 400; r++) {
    const ts = start + Math.floor(random() * 10 * DAY_MS)
    const common = {
      ts,
      requestId: `req-${r}`,
      virtualKey: pick(['team-a', 'team-b', null]),
      endUser: pick(['alice', 'bob', null]),
      route: pick(['fast', 'smart']),
    }
    const attempts = 1 + Math.floor(random() * 3) // failovers: several attempts, possibly on several models
    for (let a = 1; a <= attempts; a++) {
      // Some attempts used tokens on a model without a price; failed ones used none (both have no price_entry).
      const priced = random() < 0.85
      const failed = a < attempts && random() < 0.5
      rows.push(
        makeRow({
          ...common,
          ...pick(targets),
          ts: ts + a,
          attempt: a,
          outcome: a < attempts ? 'failed_over' : 'ok',
          priceEntry: priced && !failed ? 'gpt-4.1-mini' : null,
          usageSource: failed ? 'none' : 'provider',
          promptTokens: Math.floor(random() * 5_000),
          cachedTokens: Math.floor(random() * 100),
          cacheWriteTokens: Math.floor(random() * 50),
          completionTokens: Math.floor(random() * 900),
          reasoningTokens: Math.floor(random() * 300),
          costMicrocents: Math.floor(random() * 5_000_000),
        }),
      )
    }
  }
  return rows
}
