/**
 * Test helpers for the spend ledger: rows with sensible defaults, temp directories, a seeded PRNG.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LogFields, Logger } from '../../logger.ts'
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

/** mulberry32: deterministic, good enough to spread test data. */
export { seededRandom } from '../../routing/random.ts'

export interface LogLine {
  level: 'info' | 'warn' | 'error'
  msg: string
  fields: LogFields
}

/** A Logger that keeps what it is told. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const at = (level: LogLine['level']) => (msg: string, fields: LogFields = {}) => void lines.push({ level, msg, fields })
  return { lines, info: at('info'), warn: at('warn'), error: at('error') }
}
