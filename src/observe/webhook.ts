/**
 * Alert delivery to a webhook, off the request path: `send` queues and returns. One POST at a time, each
 * with a timeout; a failure (no answer, a connection error, a 5xx, 408 or 429) is retried with exponential
 * backoff, up to `maxAttempts`, then the alert is given up (its log line was written when it fired). A
 * 4xx other than those will not get better by retrying: given up at once. The queue is bounded: past
 * `maxQueue` the oldest waiting alert is dropped and counted. A webhook that is down is logged once per
 * outage, not once per alert, and again when it answers ("reachable again", with what was dropped or given
 * up meanwhile). Timers are the clock's (unref'd on the system clock: a pending retry never holds the
 * process open). The URL is never logged whole: a Slack webhook's path is its secret; its origin is.
 */
import { request } from 'undici'
import type { Clock, TimerId } from '../lib/clock.ts'
import type { Logger } from '../lib/logger.ts'

/** POSTs `body` (JSON) to `url`; resolves with the status, rejects on a network error or the abort. */
export type Post = (url: string, body: string, signal: AbortSignal) => Promise<number>

export interface WebhookOptions {
  clock: Clock
  log: Logger
  post?: Post
  /** Alerts waiting at most (default 100). */
  maxQueue?: number
  /** Per POST, ms (default 5 s). */
  timeoutMs?: number
  /** Tries per alert (default 5). */
  maxAttempts?: number
  /** First retry wait, doubling (default 1 s), up to capMs (default 30 s). */
  baseMs?: number
  capMs?: number
}

interface Item {
  url: string
  body: string
}

const postWithUndici: Post = async (url, body, signal) => {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'headroom-alerts' },
    body,
    signal,
  })
  await res.body.dump()
  return res.statusCode
}

/** Where a webhook is, without its path and query (which may hold its secret). */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return '(invalid URL)'
  }
}

function unref(t: TimerId): void {
  if (typeof t === 'object' && 'unref' in t) t.unref()
}

export class WebhookSender {
  private readonly queue: Item[] = []
  private running = false
  private down = false
  private closed = false
  private timer: TimerId | null = null
  private controller: AbortController | null = null
  private wake: (() => void) | null = null
  /** Alerts dropped from a full queue, and given up after their tries, since start. */
  dropped = 0
  givenUp = 0
  private readonly post: Post

  constructor(private readonly opts: WebhookOptions) {
    this.post = opts.post ?? postWithUndici
  }

  /** Queues a POST; returns at once. */
  send(url: string, body: string): void {
    if (this.closed) return
    if (this.queue.length >= (this.opts.maxQueue ?? 100)) {
      this.queue.shift()
      this.dropped++
    }
    this.queue.push({ url, body })
    if (!this.running) void this.run()
  }

  /** Alerts waiting (not counting the one being sent). */
  get pending(): number {
    return this.queue.length
  }

  /** Stops: what is queued is not sent, a POST in flight is aborted. */
  close(): void {
    this.closed = true
    this.queue.length = 0
    this.controller?.abort()
    if (this.timer !== null) this.opts.clock.clearTimer(this.timer)
    this.wake?.()
  }

  private async run(): Promise<void> {
    this.running = true
    try {
      for (let item = this.queue.shift(); item && !this.closed; item = this.queue.shift()) await this.deliver(item)
    } finally {
      this.running = false
    }
  }

  private async deliver(item: Item): Promise<void> {
    const tries = this.opts.maxAttempts ?? 5
    for (let attempt = 0; attempt < tries && !this.closed; attempt++) {
      const failure = await this.attempt(item)
      if (failure === null) {
        if (this.down) {
          this.down = false
          this.opts.log.info('alert webhook reachable again', {
            webhook: webhookOrigin(item.url),
            dropped: this.dropped,
            given_up: this.givenUp,
          })
        }
        return
      }
      if (!this.down) {
        this.down = true
        this.opts.log.warn('alert webhook unreachable; alerts are still logged, and retried with backoff', {
          webhook: webhookOrigin(item.url),
          error: failure.error,
        })
      }
      if (!failure.retry) break
      if (attempt + 1 < tries) await this.pause(attempt)
    }
    if (!this.closed) this.givenUp++
  }

  /** null when delivered; else why, and whether trying again may help. */
  private async attempt(item: Item): Promise<{ error: string; retry: boolean } | null> {
    const controller = new AbortController()
    this.controller = controller
    const timeoutMs = this.opts.timeoutMs ?? 5_000
    const timer = this.opts.clock.setTimer(() => controller.abort(), timeoutMs)
    unref(timer)
    try {
      const status = await this.post(item.url, item.body, controller.signal)
      if (status >= 200 && status < 300) return null
      return { error: `HTTP ${status}`, retry: status >= 500 || status === 408 || status === 429 }
    } catch (err) {
      const error = controller.signal.aborted
        ? `no answer in ${timeoutMs} ms`
        : (err as Error).message.replaceAll(item.url, webhookOrigin(item.url))
      return { error, retry: true }
    } finally {
      this.opts.clock.clearTimer(timer)
      this.controller = null
    }
  }

  private pause(attempt: number): Promise<void> {
    const ms = Math.min(this.opts.capMs ?? 30_000, (this.opts.baseMs ?? 1_000) * 2 ** attempt)
    return new Promise((resolve) => {
      this.wake = resolve
      this.timer = this.opts.clock.setTimer(() => {
        this.timer = null
        this.wake = null
        resolve()
      }, ms)
      unref(this.timer)
    })
  }
}
