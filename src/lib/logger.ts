/**
 * The process's structured log: pino (https://getpino.io), one JSON line per event on stdout —
 * `{"level":"info","time":"…","msg":"request",…}` — written asynchronously (sonic-boom, flushed on exit), so
 * that the one line per request costs the request path a serialisation and no syscall. Its level is
 * `HEADROOM_LOG_LEVEL` (`info` by default; `warn` silences the per-request lines). For a person at a
 * terminal (stdout a TTY) the lines go through pino-pretty instead, when it is installed (a development
 * dependency: without it, JSON). Provider keys are never passed to it; fields named like credentials are
 * censored anyway.
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

/** Fields that would hold a credential, wherever a caller put one by mistake. */
const CENSORED = ['apiKey', 'api_key', 'authorization', '*.apiKey', '*.api_key', '*.authorization']

function options(level: LogLevel, json: boolean): LoggerOptions {
  return {
    level,
    // ISO times and level names in JSON lines, as log shippers expect; pino-pretty reads pino's own numbers.
    timestamp: json ? pino.stdTimeFunctions.isoTime : true,
    formatters: json ? { level: (label) => ({ level: label }) } : {},
    base: undefined,
    redact: { paths: CENSORED, censor: '[redacted]' },
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

/**
 * JSON lines at `level`, to `out` (each call one whole line, `\n` included), else to stdout, written
 * asynchronously and flushed on exit.
 */
export function createLogger(level: LogLevel = 'info', out?: (line: string) => void): Logger {
  const dest: DestinationStream = out ? { write: out } : pino.destination({ dest: 1, sync: false })
  return wrap(pino(options(level, true), dest))
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
