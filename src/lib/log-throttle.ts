/**
 * Warnings about something clients choose (a model id): one line per key at most every `everyMs`, and at
 * most `perMinute` lines a minute whatever the keys, so that a flood of requests — or of distinct ids —
 * cannot fill the log. Lines held back are counted in the next line written (`held_back`). Memory is
 * bounded: the keys last logged are kept in an LRU.
 */
import type { LogFields, Logger } from './logger.ts'
import { Lru } from './lru.ts'

export interface LogThrottleOptions {
  /** A key is logged again after this long at the earliest. Default 10 minutes. */
  everyMs?: number
  /** Lines a minute, all keys together. Default 10. */
  perMinute?: number
  /** Keys remembered. Default 1024. */
  remember?: number
  now?: () => number
}

const MINUTE = 60_000

export class LogThrottle {
  private readonly logged: Lru<string, number>
  private readonly everyMs: number
  private readonly perMinute: number
  private readonly now: () => number
  private windowStart = Number.NEGATIVE_INFINITY
  private inWindow = 0
  private held = 0

  constructor(
    private readonly log: Logger,
    opts: LogThrottleOptions = {},
  ) {
    this.logged = new Lru(opts.remember ?? 1024)
    this.everyMs = opts.everyMs ?? 10 * MINUTE
    this.perMinute = opts.perMinute ?? 10
    this.now = opts.now ?? Date.now
  }

  warn(key: string, msg: string, fields: LogFields = {}): void {
    const now = this.now()
    const last = this.logged.get(key)
    if (last !== undefined && now - last < this.everyMs) return
    if (now - this.windowStart >= MINUTE) {
      this.windowStart = now
      this.inWindow = 0
    }
    if (this.inWindow >= this.perMinute) {
      this.held++
      return
    }
    this.inWindow++
    this.logged.set(key, now)
    const held = this.held
    this.held = 0
    this.log.warn(msg, held > 0 ? { ...fields, held_back: held } : fields)
  }
}
