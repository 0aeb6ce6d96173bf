/**
 * A clock for tests that moves only when told to: `advance(ms)` fires the timers falling due in time
 * order, letting the promise callbacks they start run between them, so that code waiting on timers
 * (retry waits, deadlines, queue timers) is tested without waiting for real time.
 */
import { type Clock, sleepOn, type TimerId } from './clock.ts'

interface Timer {
  readonly at: number
  readonly fn: () => void
}

/** Lets every callback already queued (promise reactions and what they queue in turn) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export class ManualClock implements Clock {
  private time: number
  private seq = 0
  private readonly timers = new Map<number, Timer>()

  constructor(start = 0) {
    this.time = start
  }

  readonly now = (): number => this.time

  readonly setTimer = (fn: () => void, ms: number): TimerId => {
    const id = ++this.seq
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn })
    return id
  }

  readonly clearTimer = (timer: TimerId): void => {
    if (typeof timer === 'number') this.timers.delete(timer)
  }

  readonly sleep = sleepOn(this)

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.size
  }

  /**
   * Moves time forward by `ms`, firing the timers that fall due in time order, with the time set to
   * theirs; timers due at the same time fire together, in the order they were set. Pending callbacks
   * run before the first timer and after each time's timers.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    await settle()
    for (;;) {
      let at = Infinity
      for (const t of this.timers.values()) if (t.at < at) at = t.at
      if (at > end) break
      this.time = at
      // Map order is the order they were set; one may cancel another that is due too.
      for (const [id, t] of [...this.timers]) {
        if (t.at !== at || !this.timers.delete(id)) continue
        t.fn()
      }
      await settle()
    }
    this.time = end
    await settle()
  }
}
