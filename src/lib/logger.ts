/**
 * A small structured logger: one JSON line per event on stderr. The request path logs only failures,
 * so this is off the hot path; provider keys are never passed to it.
 */
export type LogFields = Record<string, unknown>

export interface Logger {
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent'
const RANK: Record<LogLevel, number> = { info: 1, warn: 2, error: 3, silent: 4 }

export function createLogger(
  level: LogLevel = 'info',
  out: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const min = RANK[level]
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < min) return
    out(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`)
  }
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  }
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} }
