/**
 * How long to wait before retrying the same target. Pure: randomness is passed in.
 *
 * - Without a Retry-After: exponential backoff with FULL jitter, `random() × min(cap, base × 2^attempt)`
 *   (AWS Architecture Blog, "Exponential Backoff And Jitter"): spreads the retries of many clients over
 *   the whole interval instead of synchronising them at its end.
 * - With a Retry-After (header, `retry-after-ms`, Gemini's RetryInfo): the upstream said when it will
 *   take the call again, so wait exactly that — never less, which would only earn another 429 — as long
 *   as it is at most `maxRetryAfterMs`. A longer wait is not worth blocking the client for: the answer
 *   is `null`, "don't wait here, fail over to another target".
 */

export interface RetryDelayInput {
  /** 0 for the first retry, 1 for the second, … (a negative value counts as 0). */
  attempt: number
  /** The scale of the first retry's wait, in ms. */
  baseMs: number
  /** The largest backoff window, in ms (before jitter). */
  capMs: number
  /** Uniform in [0, 1). */
  random: () => number
  /** What the upstream asked for, in ms; null / undefined when it said nothing. */
  retryAfterMs?: number | null
  /** The longest Retry-After worth waiting for on this target. */
  maxRetryAfterMs: number
}

/**
 * The wait before the next attempt on the same target, in whole ms, or `null` when the upstream's
 * Retry-After is longer than `maxRetryAfterMs` (fail over instead of waiting).
 */
export function retryDelayMs(input: RetryDelayInput): number | null {
  const { retryAfterMs } = input
  if (retryAfterMs !== null && retryAfterMs !== undefined) {
    const wait = Math.max(0, Math.ceil(retryAfterMs))
    return wait <= input.maxRetryAfterMs ? wait : null
  }
  const attempt = Math.max(0, Math.floor(input.attempt))
  const window = Math.min(Math.max(0, input.capMs), Math.max(0, input.baseMs) * 2 ** attempt)
  return Math.floor(input.random() * window)
}
