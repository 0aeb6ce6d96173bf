/**
 * Time as the request path reads it: the current time, one-shot timers and sleeps. Injected (routing's
 * Runtime, the admission queue), so that tests move time by hand (manual-clock.ts) instead of waiting.
 */

/** A timer set with `Clock.setTimer`: Node's own for the system clock, a number for a manual one. */
export type TimerId = ReturnType<typeof setTimeout> | number

export interface Clock {
  /** Epoch ms. */
  readonly now: () => number
  /** Calls `fn` once, `ms` from now. */
  readonly setTimer: (fn: () => void, ms: number) => TimerId
  /** Cancels a timer; nothing when it has fired already. */
  readonly clearTimer: (timer: TimerId) => void
  /** Waits `ms`, or less: an abort ends the wait early (resolving, not rejecting: the caller checks the signal). */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
}

/** `Clock.sleep` on a clock's timers. */
export function sleepOn(timers: Pick<Clock, 'setTimer' | 'clearTimer'>): Clock['sleep'] {
  return (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = () => {
        timers.clearTimer(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = timers.setTimer(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
}

const timers: Pick<Clock, 'setTimer' | 'clearTimer'> = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (timer) => clearTimeout(timer),
}

/** The process's own clock: Date.now and Node's timers. */
export const systemClock: Clock = { now: Date.now, ...timers, sleep: sleepOn(timers) }
