import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { corruptSpendTable, makeRow, recordingLogger, type TempDir, tempDir } from './__fixtures__/spend-rows.ts'
import { openSpendDb, type SpendDb } from './db.ts'
import type { SpendRow } from './types.ts'
import { SpendWriter, type SpendWriterOptions } from './writer.ts'

let dir: TempDir
let db: SpendDb
const writers: SpendWriter[] = []

beforeEach(() => {
  dir = tempDir()
  db = openSpendDb(dir.file('h.db'), { busyTimeoutMs: 5 })
})
afterEach(() => {
  for (const w of writers.splice(0)) w.close()
  db.close()
  dir.remove()
})

function writer(options: SpendWriterOptions = {}): SpendWriter {
  const w = new SpendWriter(db, options)
  writers.push(w)
  return w
}

const rowsInDb = () => (db.sqlite.prepare('SELECT COUNT(*) AS n FROM spend').get() as { n: number }).n
const requestIds = () =>
  (db.sqlite.prepare('SELECT request_id FROM spend ORDER BY id').all() as Array<{ request_id: string }>).map(
    (r) => r.request_id,
  )
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => makeRow({ requestId: `req-${from + i}` }))

describe('SpendWriter', () => {
  it('persists every field of a row as written', () => {
    const w = writer()
    const row = makeRow({
      virtualKey: null,
      endUser: 'user-7',
      stream: true,
      outcome: 'failed_over',
      httpStatus: 429,
      errorCode: 'rate_limit_exceeded',
      attempt: 2,
      promptTokens: 1_000,
      cachedTokens: 200,
      cacheWriteTokens: 50,
      completionTokens: 300,
      reasoningTokens: 120,
      costMicrocents: 123_456_789,
      ttftMs: 140,
      usageSource: 'estimated',
      priceEntry: null,
      queuedMs: 12,
    })
    w.write(row)
    expect(w.flush()).toBe(1)
    const got = db.orm.query.spend.findFirst().sync()
    const { id, ...rest } = got!
    expect(id).toBe(1)
    expect(rest).toEqual(row)
  })

  it('queues without touching the disk, then writes 500 rows in one transaction on the next turn', async () => {
    const w = writer({ flushIntervalMs: 60_000 })
    for (const r of rows(499)) w.write(r)
    await nextTurn()
    expect(w.stats()).toMatchObject({ pending: 499, written: 0, transactions: 0 })

    w.write(makeRow({ requestId: 'req-499' }))
    expect(rowsInDb()).toBe(0) // not inside write()
    await nextTurn()
    expect(w.stats()).toMatchObject({ pending: 0, written: 500, transactions: 1 })
    expect(rowsInDb()).toBe(500)
  })

  it('groups commits under load: the row-count trigger waits minCommitGapMs after the last commit', async () => {
    const w = writer({ flushIntervalMs: 60_000, minCommitGapMs: 30 })
    for (const r of rows(500)) w.write(r)
    await nextTurn()
    expect(w.stats().transactions).toBe(1)
    for (const r of rows(1_200, 500)) w.write(r)
    await nextTurn()
    expect(w.stats()).toMatchObject({ transactions: 1, pending: 1_200 }) // too soon after the first commit
    await vi.waitFor(() => expect(w.stats()).toMatchObject({ transactions: 2, pending: 0 }), {
      timeout: 2_000,
      interval: 5,
    })
  })

  it('flushes a few rows on the timer', async () => {
    const w = writer({ flushIntervalMs: 10 })
    for (const r of rows(3)) w.write(r)
    expect(rowsInDb()).toBe(0)
    await vi.waitFor(() => expect(rowsInDb()).toBe(3), { timeout: 2_000, interval: 5 })
    expect(w.stats()).toMatchObject({ written: 3, transactions: 1, pending: 0 })
  })

  it('drains a large backlog in bounded transactions', async () => {
    const w = writer({ flushIntervalMs: 60_000, maxBatchRows: 1_000 })
    for (const r of rows(3_500)) w.write(r)
    await vi.waitFor(() => expect(w.stats().pending).toBe(0), { timeout: 2_000, interval: 5 })
    expect(w.stats()).toMatchObject({ written: 3_500, transactions: 4 })
  })

  it('writes what is queued on close, and counts rows written after close as dropped', () => {
    const log = recordingLogger()
    const w = writer({ flushIntervalMs: 60_000, logger: log })
    for (const r of rows(42)) w.write(r)
    w.close()
    expect(rowsInDb()).toBe(42)
    w.write(makeRow())
    expect(w.stats()).toMatchObject({ written: 42, dropped: 1, pending: 0 })
    expect(log.lines.some((l) => l.level === 'error' && /after the writer was closed/.test(l.msg))).toBe(true)
  })

  it('keeps rows while another connection holds the database locked, retries, and lands them after the lock is released', async () => {
    const log = recordingLogger()
    const w = writer({ flushIntervalMs: 5, retryBaseMs: 5, retryMaxMs: 20, logger: log })
    const other = new Database(dir.file('h.db'))
    other.exec('BEGIN EXCLUSIVE')
    try {
      for (const r of rows(600)) w.write(r) // also crosses the 500-row trigger
      // write() only queues: no transaction was tried (one would wait for the lock), even past the trigger.
      expect(w.stats()).toMatchObject({ pending: 600, written: 0, transactions: 0, failedFlushes: 0 })

      await vi.waitFor(() => expect(w.stats().failedFlushes).toBeGreaterThanOrEqual(3), { timeout: 5_000, interval: 5 })
      expect(w.stats()).toMatchObject({ written: 0, pending: 600, dropped: 0 })
      expect(w.stats().lastError).toMatch(/^SQLITE_BUSY/)
      expect(w.health()).toMatchObject({ ok: false, pending: 600 })
      const failures = log.lines.filter((l) => l.level === 'error' && /spend flush failed/.test(l.msg))
      expect(failures).toHaveLength(1) // loud, but once per 5 s, not once per retry
      expect(failures[0]!.fields).toMatchObject({ pending: 600 })
    } finally {
      other.exec('COMMIT')
      other.close()
    }
    await vi.waitFor(() => expect(w.stats().written).toBe(600), { timeout: 5_000, interval: 5 })
    expect(rowsInDb()).toBe(600)
    expect(requestIds()).toEqual(rows(600).map((r) => r.requestId)) // in order, none twice
    expect(log.lines.some((l) => l.level === 'warn' && /recovered/.test(l.msg))).toBe(true)
    expect(w.health()).toMatchObject({ ok: true, pending: 0 })
    expect(log.lines.some((l) => /cannot be written/.test(l.msg))).toBe(false) // a lock is not a broken file
  })

  it('tells a corrupt file from a lock: one loud line naming the file and what to do, rows kept, health not ok', () => {
    let now = 0
    const log = recordingLogger()
    const w = writer({ flushIntervalMs: 60_000, logger: log, now: () => now })
    w.write(makeRow({ requestId: 'before' }))
    expect(w.flush()).toBe(1)
    expect(w.health()).toEqual({ ok: true, pending: 0, dropped: 0, lastError: null })
    corruptSpendTable(db)
    for (const r of rows(3)) w.write(r)
    expect(w.flush()).toBe(0)
    expect(w.health()).toEqual({
      ok: false,
      pending: 3,
      dropped: 0,
      lastError: expect.stringMatching(/^SQLITE_CORRUPT/),
    })
    const errors = () => log.lines.filter((l) => l.level === 'error')
    expect(errors()).toHaveLength(1)
    expect(errors()[0]!.msg).toBe(
      `spend database ${db.path} cannot be written: the database file is corrupt. Spend cannot be recorded into it again: stop Headroom, move the file aside (\`sqlite3 ${db.path} .recover\` salvages its rows) and start again; rows queued in memory until then are lost at the stop.`,
    )
    expect(errors()[0]!.fields).toMatchObject({ pending: 3, maxQueueRows: 200_000 })
    expect(w.flush()).toBe(0)
    expect(errors()).toHaveLength(1) // once per 5 s
    now += 5_000
    expect(w.flush()).toBe(0)
    expect(errors()).toHaveLength(2)
    expect(w.stats().pending).toBe(3)
  })

  it('a database that turns read-only: says what to do, and writes the queued rows once it is writable again', () => {
    const log = recordingLogger()
    const w = writer({ flushIntervalMs: 60_000, logger: log })
    db.sqlite.pragma('query_only = ON')
    for (const r of rows(2)) w.write(r)
    expect(w.flush()).toBe(0)
    expect(log.lines.at(-1)!.msg).toBe(
      `spend database ${db.path} cannot be written: the database is read-only. Make the file and its directory writable again; queued rows are written as soon as they are.`,
    )
    expect(w.health()).toMatchObject({ ok: false, pending: 2, lastError: expect.stringMatching(/^SQLITE_READONLY/) })
    db.sqlite.pragma('query_only = OFF')
    expect(w.flush()).toBe(2)
    expect(w.health()).toMatchObject({ ok: true, pending: 0 })
  })

  it('backs off exponentially between retries', async () => {
    let now = 1_000_000
    const w = writer({ flushIntervalMs: 60_000, retryBaseMs: 100, retryMaxMs: 400, now: () => now })
    const other = new Database(dir.file('h.db'))
    other.exec('BEGIN EXCLUSIVE')
    try {
      for (const r of rows(500)) w.write(r)
      await nextTurn()
      expect(w.stats().failedFlushes).toBe(1)
      // While backing off, the 500-row trigger does not hammer the database.
      w.write(makeRow({ requestId: 'req-500' }))
      await nextTurn()
      expect(w.stats().failedFlushes).toBe(1)
      // An explicit flush() always tries; this second failure doubles the delay to 200 ms.
      expect(w.flush()).toBe(0)
      expect(w.stats().failedFlushes).toBe(2)
    } finally {
      other.exec('COMMIT')
      other.close()
    }
    now += 199
    w.write(makeRow({ requestId: 'req-501' }))
    await nextTurn()
    expect(w.stats()).toMatchObject({ written: 0, failedFlushes: 2 })
    now += 1
    w.write(makeRow({ requestId: 'req-502' }))
    await nextTurn()
    expect(w.stats()).toMatchObject({ written: 503, pending: 0, failedFlushes: 2 })
  })

  it('bounds the queue: the oldest rows are dropped, counted and logged', () => {
    let now = 0
    const log = recordingLogger()
    const w = writer({
      flushIntervalMs: 60_000,
      flushAtRows: 1_000_000,
      maxQueueRows: 2_000,
      logger: log,
      now: () => now,
    })
    for (const r of rows(10_000)) w.write(r)
    expect(w.stats()).toMatchObject({ pending: 2_000, dropped: 8_000 })

    const drops = () => log.lines.filter((l) => l.level === 'error' && /oldest rows dropped/.test(l.msg))
    expect(drops()).toHaveLength(1) // rate-limited
    expect(drops()[0]!.fields).toMatchObject({ dropped: 1, maxQueueRows: 2_000 })
    now += 5_000
    w.write(makeRow({ requestId: 'req-10000' }))
    expect(drops()).toHaveLength(2)
    expect(drops()[1]!.fields).toMatchObject({ dropped: 8_000, droppedTotal: 8_001 })

    expect(w.flush()).toBe(2_000)
    expect(requestIds()).toEqual([...rows(1_999, 8_001).map((r) => r.requestId), 'req-10000'])
  })

  it('rejects a row the database refuses and writes the rest of the batch', () => {
    const log = recordingLogger()
    const w = writer({ logger: log })
    w.write(makeRow({ requestId: 'good-1' }))
    w.write(makeRow({ requestId: 'bad', outcome: 'maybe' as SpendRow['outcome'] }))
    w.write(makeRow({ requestId: 'float', costMicrocents: 1.5 }))
    w.write(makeRow({ requestId: 'good-2' }))
    expect(w.flush()).toBe(2)
    expect(requestIds()).toEqual(['good-1', 'good-2'])
    expect(w.stats()).toMatchObject({ written: 2, rejected: 2, pending: 0, failedFlushes: 0 })
    expect(log.lines.filter((l) => /rejected/.test(l.msg))).toHaveLength(1)
  })

  it('rejects a bad row inside a multi-row chunk and writes the rest of that chunk, in order', () => {
    const w = writer({ logger: recordingLogger() })
    const all = rows(60)
    all[30] = { ...all[30]!, outcome: 'maybe' as SpendRow['outcome'] } // in the second chunk of 25
    for (const r of all) w.write(r)
    expect(w.flush()).toBe(59)
    expect(requestIds()).toEqual(all.filter((_, i) => i !== 30).map((r) => r.requestId))
    expect(w.stats()).toMatchObject({ written: 59, rejected: 1, pending: 0, failedFlushes: 0 })
  })

  it('keeps rows queued when the database itself fails, instead of rejecting them', () => {
    const w = writer({ flushIntervalMs: 60_000 })
    db.sqlite.exec('ALTER TABLE spend RENAME TO spend_moved') // e.g. an operator's migration gone wrong
    for (const r of rows(3)) w.write(r)
    expect(w.flush()).toBe(0)
    expect(w.stats()).toMatchObject({ pending: 3, rejected: 0, failedFlushes: 1 })
    db.sqlite.exec('ALTER TABLE spend_moved RENAME TO spend')
    expect(w.flush()).toBe(3)
  })

  it('calls onRow synchronously, and survives a listener that throws', () => {
    const seen: string[] = []
    const log = recordingLogger()
    const w = writer({
      logger: log,
      onRow: (r) => {
        seen.push(r.requestId)
        if (r.requestId === 'req-1') throw new Error('budget tracker bug')
      },
    })
    for (const r of rows(3)) expect(() => w.write(r)).not.toThrow()
    expect(seen).toEqual(['req-0', 'req-1', 'req-2'])
    expect(w.stats().pending).toBe(3)
    expect(log.lines.some((l) => /onRow listener threw/.test(l.msg))).toBe(true)
  })

  it('rejects nonsensical options', () => {
    expect(() => new SpendWriter(db, { maxQueueRows: 0 })).toThrow(/maxQueueRows/)
  })
})
