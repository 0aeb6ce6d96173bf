/**
 * The process's structured log: pino (https://getpino.io), one JSON line per event on stdout —
 * `{"level":"info","time":1733360000000,"msg":"request",…}` — gathered and written asynchronously in batches, so that
 * the one line per request costs the request path a serialisation and no syscall. Its level is
 * `HEADROOM_LOG_LEVEL` (`info` by default; `warn` silences the per-request lines). For a person at a
 * terminal (stdout a TTY) the lines go through pino-pretty instead, when it is installed (a development
 * dependency: without it, JSON). Provider keys are never passed to it. (pino's `redact` would censor fields
 * named like credentials, but its wildcard paths cost ~6 µs a line, more than the rest of the line: measured.)
 */
import pino, { type DestinationStream, type LoggerOptions } from 'pino'
import { UserError } from './user-error.ts'

export type LogFields = Record<string, unknown>

export interface Logger {
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** Whether lines of this level are written (absent: they are). Callers skip building what would be dropped. */
  enabled?(level: 'info' | 'warn' | 'error'): boolean
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** `HEADROOM_LOG_LEVEL` as a level (unset or empty: info); anything else is the user's to fix. */
export function logLevel(raw: string | undefined): LogLevel {
  const v = raw?.trim().toLowerCase() ?? ''
  if (v === '') return 'info'
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel
  throw new UserError(`HEADROOM_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${raw!.slice(0, 40)}"`)
}

function options(level: LogLevel, json: boolean): LoggerOptions {
  return {
    level,
    // Level names in JSON lines, as log shippers expect (pino-pretty reads pino's own numbers); times in epoch
    // ms, pino's default: an ISO string cost ~1 µs a line more (new Date().toISOString(), measured).
    formatters: json ? { level: (label) => ({ level: label }) } : {},
    base: undefined,
  }
}

function wrap(p: pino.Logger): Logger {
  return {
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    enabled: (level) => p.isLevelEnabled(level),
  }
}

/** Lines wait at most this long before they are written… */
const BATCH_MS = 50
/** …or until this many characters wait. */
const BATCH_CHARS = 16 * 1024

/**
 * Stdout, lines gathered for up to BATCH_MS (or BATCH_CHARS) and written in one asynchronous write (sonic-boom,
 * which pino flushes on exit; what is still gathered is handed to it then). One write per line cost the main
 * thread ~20 µs a request under load, more than the rest of the line (measured with bench/ab.ts).
 */
function batchedStdout(): DestinationStream {
  const sonic = pino.destination({ dest: 1, sync: false })
  let pending = ''
  let timer: NodeJS.Timeout | null = null
  const flush = () => {
    if (timer !== null) clearTimeout(timer)
    timer = null
    if (pending === '') return
    const batch = pending
    pending = ''
    sonic.write(batch)
  }
  process.once('exit', () => {
    flush()
    sonic.flushSync()
  })
  return {
    write(line: string) {
      pending += line
      if (pending.length >= BATCH_CHARS) flush()
      else if (timer === null) timer = setTimeout(flush, BATCH_MS).unref()
    },
  }
}

/** JSON lines at `level`, to `out` (each call one whole line, `\n` included), else to stdout (batchedStdout). */
export function createLogger(level: LogLevel = 'info', out?: (line: string) => void): Logger {
  return wrap(pino(options(level, true), out ? { write: out } : batchedStdout()))
}

/**
 * The logger `headroom start` writes with: pino-pretty's colours when stdout is a terminal and pino-pretty
 * is installed, else JSON lines (createLogger).
 */
export async function createProcessLogger(level: LogLevel, tty: boolean): Promise<Logger> {
  if (tty) {
    try {
      const pretty = (await import('pino-pretty')).default
      return wrap(pino(options(level, false), pretty({ colorize: true, destination: 1, sync: true })))
    } catch {
      // Not installed (a production install leaves development dependencies out): JSON it is.
    }
  }
  return createLogger(level)
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, enabled: () => false }
