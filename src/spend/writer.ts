/**
 * The batched spend writer: the one place where spend rows meet the disk. `write` only queues (the
 * request path pays for an array push); a flush every 100 ms, or as soon as 500 rows wait, inserts
 * the queue with one prepared statement inside one transaction: SQLite commits are what cost, not
 * inserts (https://www.sqlite.org/faq.html#q19; bench/spend-writer.ts measures it). Flushes run on the
 * event loop, so their size is bounded (maxBatchRows) and, under load, commits are spaced
 * (minCommitGapMs) to batch more per commit.
 *
 * A database that is locked, full or failing never fails a request: rows stay queued, the writer
 * retries with exponential backoff, and the queue is bounded — past the bound the oldest rows are
 * dropped, counted, and reported in error logs (at most one line per kind every 5 s). A failure that is
 * about the file itself (corrupt, read-only, a failing or full disk) is told apart from a lock that
 * passes: its log line names the file and what to do, and `health()` reports it (GET /health).
 *
 * With PostgreSQL (pg.ts) a flush is asynchronous: the batch is copied, sent as multi-row INSERTs, and
 * the next flush waits until it has been committed or has failed; `flushAsync` and `closeAsync` wait for
 * everything queued (the final flush on SIGTERM).
 */
import type { Logger } from '../lib/logger.ts'
import { silentLogger } from '../lib/logger.ts'
import type { SpendDb } from './db.ts'
import { fileTrouble } from './db-errors.ts'
import { type PgSpendDb, pgInsertBatch } from './pg.ts'
import { RowQueue } from './row-queue.ts'
import { type BatchInsert, describeError, prepareBatchInsert } from './spend-insert.ts'
import type { SpendRow, SpendSink } from './types.ts'

export interface SpendWriterOptions {
  logger?: Logger
  /**
   * Called synchronously inside `write` with every row (the budget tracker counts spend here). It runs
   * on the request path: keep it cheap. A throw is caught and logged.
   */
  onRow?: (row: SpendRow) => void
  /** Timer flush period, ms (default 100). */
  flushIntervalMs?: number
  /** Queue length that triggers a flush on the next turn of the event loop (default 500). */
  flushAtRows?: number
  /**
   * Least time between two commits that the row-count trigger may start, ms (default 50). Each commit
   * rewrites every index page its rows touched (with many distinct users, one page per row), so under
   * load fewer, larger transactions write several times more rows per second; idle, it adds nothing.
   */
  minCommitGapMs?: number
  /**
   * Most rows one background flush inserts in one transaction (default 5,000: tens of ms with every index). A
   * backlog left by an outage then drains in slices between other work instead of one long stall.
   */
  maxBatchRows?: number
  /** Most rows held in memory; beyond it the oldest are dropped (default 200,000). */
  maxQueueRows?: number
  /** First retry delay after a failed flush, ms; doubles per failure (default 100). */
  retryBaseMs?: number
  /** Longest retry delay, ms (default 5,000). */
  retryMaxMs?: number
  /** Least time between two error lines of one kind, ms (default 5,000). */
  logEveryMs?: number
  now?: () => number
}

export interface SpendWriterStats {
  /** Rows committed to the database. */
  written: number
  /** Rows lost: dropped from a full queue, written after close, or left when the final flush failed. */
  dropped: number
  /** Rows the database refused as invalid (a CHECK or NOT NULL constraint, an unbindable value). */
  rejected: number
  /** Rows queued, not yet written. */
  pending: number
  /** Committed flush transactions. */
  transactions: number
  failedFlushes: number
  /** The last database error, `CODE: message`. */
  lastError: string | null
}

/** Whether spend is being recorded: GET /health's `spend`. */
export interface SpendHealth {
  /** False while flushes fail: rows wait in memory. */
  ok: boolean
  pending: number
  dropped: number
  /** The last database error, `CODE: message` (kept after a recovery). */
  lastError: string | null
}

/** Limits one kind of log line to one per `everyMs`, counting what it held back. */
class LogGate {
  private last = Number.NEGATIVE_INFINITY
  constructor(private readonly everyMs: number) {}
  open(now: number): boolean {
    if (now - this.last < this.everyMs) return false
    this.last = now
    return true
  }
}

export class SpendWriter implements SpendSink {
  private readonly db: SpendDb | PgSpendDb
  /** The file or the masked URL, for log lines. */
  private readonly where: string
  private readonly log: Logger
  private readonly onRow: ((row: SpendRow) => void) | undefined
  private readonly now: () => number
  private readonly flushAtRows: number
  private readonly minCommitGapMs: number
  private readonly maxBatchRows: number
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number

  private readonly queue: RowQueue<SpendRow>
  private readonly timer: NodeJS.Timeout
  /** Cancels the pending row-count-triggered flush, if one is scheduled. */
  private cancelSoon: (() => void) | null = null
  private soonIsTimer = false
  private lastCommitAt = Number.NEGATIVE_INFINITY
  private closed = false
  private insert: BatchInsert | null = null
  private readonly at = (i: number): SpendRow => this.queue.at(i)
  /** PostgreSQL: the flush being committed, and how many of its rows a full queue dropped meanwhile. */
  private inFlight: Promise<void> | null = null
  private droppedInFlight = 0

  private written = 0
  private dropped = 0
  private rejected = 0
  private transactions = 0
  private failedFlushes = 0
  private consecutiveFailures = 0
  private retryAt = 0
  private lastError: string | null = null
  private droppedUnreported = 0
  private readonly failLog: LogGate
  private readonly fileLog: LogGate
  private readonly dropLog: LogGate
  private readonly rejectLog: LogGate
  private readonly hookLog: LogGate

  constructor(db: SpendDb | PgSpendDb, options: SpendWriterOptions = {}) {
    this.db = db
    this.where = 'sqlite' in db ? db.path : db.display
    this.log = options.logger ?? silentLogger
    this.onRow = options.onRow
    this.now = options.now ?? Date.now
    this.flushAtRows = positive('flushAtRows', options.flushAtRows ?? 500)
    this.minCommitGapMs = options.minCommitGapMs ?? 50
    if (!(this.minCommitGapMs >= 0))
      throw new RangeError(`SpendWriter: minCommitGapMs must be ≥ 0, got ${this.minCommitGapMs}`)
    this.maxBatchRows = positive('maxBatchRows', options.maxBatchRows ?? 5_000)
    this.queue = new RowQueue(positive('maxQueueRows', options.maxQueueRows ?? 200_000))
    this.retryBaseMs = positive('retryBaseMs', options.retryBaseMs ?? 100)
    this.retryMaxMs = positive('retryMaxMs', options.retryMaxMs ?? 5_000)
    const logEveryMs = options.logEveryMs ?? 5_000
    this.failLog = new LogGate(logEveryMs)
    this.fileLog = new LogGate(logEveryMs)
    this.dropLog = new LogGate(logEveryMs)
    this.rejectLog = new LogGate(logEveryMs)
    this.hookLog = new LogGate(logEveryMs)
    // unref: a pending spend flush must not keep a finished process alive; close() does the last one.
    this.timer = setInterval(() => this.background(), positive('flushIntervalMs', options.flushIntervalMs ?? 100))
    this.timer.unref()
  }

  /** Queues the row and returns; never throws, never touches the disk. The writer owns `row` from here on. */
  write(row: SpendRow): void {
    if (this.closed) {
      this.dropped++
      this.droppedUnreported++
      this.reportDrops('spend row written after the writer was closed')
      return
    }
    if (this.queue.push(row)) {
      if (this.inFlight !== null) this.droppedInFlight++
      this.dropped++
      this.droppedUnreported++
      this.reportDrops('spend queue full: oldest rows dropped')
    }
    if (this.onRow !== undefined) {
      try {
        this.onRow(row)
      } catch (err) {
        if (this.hookLog.open(this.now())) this.log.error('spend onRow listener threw', { error: describeError(err) })
      }
    }
    // Not inline: the caller is on the request path, and a flush is disk I/O.
    const pending = this.queue.size
    if (pending >= this.flushAtRows && (this.cancelSoon === null || (this.soonIsTimer && pending >= this.maxBatchRows)))
      this.scheduleSoon()
  }

  /**
   * Writes every queued row now, in one transaction, ignoring any retry backoff. Returns the rows written.
   * PostgreSQL: starts the flush unless one is in flight, and returns 0; `flushAsync` waits for it.
   */
  flush(): number {
    return this.flushUpTo(Number.POSITIVE_INFINITY)
  }

  /** Writes every queued row, ignoring any retry backoff, and resolves once they are committed or a flush failed. */
  async flushAsync(): Promise<void> {
    if ('sqlite' in this.db) {
      this.flush()
      return
    }
    for (;;) {
      if (this.inFlight !== null) await this.inFlight
      const failures = this.failedFlushes
      if (this.queue.size === 0) return
      this.flush()
      if (this.inFlight !== null) await this.inFlight
      if (this.failedFlushes !== failures) return
    }
  }

  /** `close` for either database: the final flush is awaited (PostgreSQL's is asynchronous). */
  async closeAsync(): Promise<void> {
    if (this.closed) return
    this.stopTimers()
    await this.flushAsync()
    this.finishClose()
  }

  /**
   * Stops the timers and writes what is queued. Rows that still cannot be written are counted as dropped. The database
   * stays open.
   */
  close(): void {
    if (this.closed) return
    this.stopTimers()
    this.flush()
    this.finishClose()
  }

  private stopTimers(): void {
    clearInterval(this.timer)
    this.cancelSoon?.()
    this.cancelSoon = null
  }

  private finishClose(): void {
    this.closed = true
    const lost = this.queue.size
    if (lost > 0) {
      this.dropped += lost
      this.queue.shift(lost)
      this.log.error('spend writer closed with rows it could not write: they are lost', {
        lost,
        lastError: this.lastError,
      })
    }
  }

  stats(): SpendWriterStats {
    return {
      written: this.written,
      dropped: this.dropped,
      rejected: this.rejected,
      pending: this.queue.size,
      transactions: this.transactions,
      failedFlushes: this.failedFlushes,
      lastError: this.lastError,
    }
  }

  health(): SpendHealth {
    return {
      ok: this.consecutiveFailures === 0,
      pending: this.queue.size,
      dropped: this.dropped,
      lastError: this.lastError,
    }
  }

  private background(): void {
    const now = this.now()
    this.reportDrops('spend queue full: oldest rows dropped', now)
    if (this.closed || this.inFlight !== null || this.queue.size === 0 || now < this.retryAt) return
    this.flushUpTo(this.maxBatchRows)
    if (this.consecutiveFailures === 0 && this.queue.size >= this.flushAtRows && this.cancelSoon === null)
      this.scheduleSoon()
  }

  /**
   * A flush on the next turn, or once `minCommitGapMs` has passed since the last commit — unless a full
   * batch already waits: then waiting only lets the queue outgrow what the writer can drain.
   */
  private scheduleSoon(): void {
    const run = () => {
      this.cancelSoon = null
      this.background()
    }
    this.cancelSoon?.()
    const full = this.queue.size >= this.maxBatchRows
    const wait = full ? 0 : this.lastCommitAt + this.minCommitGapMs - this.now()
    this.soonIsTimer = wait > 0
    if (wait <= 0) {
      const handle = setImmediate(run)
      this.cancelSoon = () => clearImmediate(handle)
    } else {
      const handle = setTimeout(run, wait)
      handle.unref()
      this.cancelSoon = () => clearTimeout(handle)
    }
  }

  private flushUpTo(limit: number): number {
    const count = Math.min(this.queue.size, limit)
    if (count === 0) return 0
    const db = this.db
    if (!('sqlite' in db)) {
      if (this.inFlight === null) this.startPgFlush(db, count)
      return 0
    }
    let rejected: number
    try {
      // Prepared on first use, so that a database failing from the start fails a flush, not the constructor.
      this.insert ??= prepareBatchInsert(db.sqlite, this.onReject)
      rejected = this.insert(this.at, count)
    } catch (err) {
      this.failed(err, count)
      return 0
    }
    return this.committed(count, rejected)
  }

  private readonly onReject = (row: SpendRow, err: unknown): void => {
    if (this.rejectLog.open(this.now())) {
      this.log.error('spend row rejected by the database and not recorded', {
        error: describeError(err),
        requestId: row.requestId,
        clientRequestId: row.clientRequestId ?? undefined,
      })
    }
  }

  /** Sends a copy of the first `count` rows; they leave the queue once committed (less any a full queue dropped). */
  private startPgFlush(db: PgSpendDb, count: number): void {
    const batch = Array.from({ length: count }, (_, i) => this.queue.at(i))
    this.droppedInFlight = 0
    this.inFlight = pgInsertBatch(db, (i) => batch[i]!, count, this.onReject)
      .then(
        (rejected) => {
          this.committed(count, rejected, Math.min(count, this.droppedInFlight))
        },
        (err: unknown) => this.failed(err, count),
      )
      .finally(() => {
        this.inFlight = null
        this.droppedInFlight = 0
      })
  }

  /** Bookkeeping after a commit of `count` rows, `gone` of which a full queue already dropped. */
  private committed(count: number, rejected: number, gone = 0): number {
    const written = count - rejected
    this.transactions++
    this.lastCommitAt = this.now()
    this.written += written
    this.rejected += rejected
    if (this.consecutiveFailures > 0) {
      this.log.warn('spend writer recovered: queued rows are being written again', {
        written,
        failedFlushes: this.consecutiveFailures,
      })
    }
    this.consecutiveFailures = 0
    this.retryAt = 0
    this.queue.shift(count - gone)
    return written
  }

  private failed(err: unknown, rows: number): void {
    this.failedFlushes++
    this.consecutiveFailures++
    this.lastError = describeError(err)
    const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(this.consecutiveFailures - 1, 30))
    const now = this.now()
    this.retryAt = now + delay
    const trouble = 'sqlite' in this.db ? fileTrouble(err) : undefined
    if (trouble) {
      if (this.fileLog.open(now)) {
        this.log.error(
          `spend database ${this.where} cannot be written: ${trouble.cause}. ${trouble.whileRunning.replace('FILE', this.where)}`,
          {
            error: this.lastError,
            pending: this.queue.size,
            maxQueueRows: this.queue.capacity,
            failedFlushes: this.failedFlushes,
          },
        )
      }
    } else if (this.failLog.open(now)) {
      this.log.error('spend flush failed: rows stay queued and will be retried', {
        error: this.lastError,
        rows,
        pending: this.queue.size,
        failedFlushes: this.failedFlushes,
        retryInMs: delay,
      })
    }
  }

  private reportDrops(msg: string, now: number = this.now()): void {
    if (this.droppedUnreported === 0 || !this.dropLog.open(now)) return
    this.log.error(msg, {
      dropped: this.droppedUnreported,
      droppedTotal: this.dropped,
      pending: this.queue.size,
      maxQueueRows: this.queue.capacity,
      lastError: this.lastError,
    })
    this.droppedUnreported = 0
  }
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`SpendWriter: ${name} must be a positive number, got ${value}`)
  return value
}
