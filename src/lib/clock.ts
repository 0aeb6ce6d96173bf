/**
 * Time as the request path reads it: the current time, one-shot timers and sleeps. Injected (routing's
 * Runtime, the admission queue), so that tests move time by hand (manual-clock.ts) instead of waiting.
 */

/** Cancels a timer set with `Clock.setTimer`; nothing when it has fired already. */
export type CancelTimer = () => void

export interface Clock {
  /** Epoch ms. */
  readonly now: () => number
  /** Calls `fn` once, `ms` from now. */
  readonly setTimer: (fn: () => void, ms: number) => CancelTimer
  /** Waits `ms`, or less: an abort ends the wait early (resolving, not rejecting: the caller checks the signal). */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
}

/** `Clock.sleep` on the timers of `setTimer`. */
export function sleepOn(setTimer: Clock['setTimer']): Clock['sleep'] {
  return (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = () => {
        cancel()
        signal.removeEventListener('abort', done)
        resolve()
      }
      const cancel = setTimer(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
}

const setTimer = (fn: () => void, ms: number): CancelTimer => {
  const t = setTimeout(fn, ms)
  return () => clearTimeout(t)
}

/** The process's own clock: Date.now and Node's timers. */
export const systemClock: Clock = { now: Date.now, setTimer, sleep: sleepOn(setTimer) }
