/**
 * One attempt's time to first byte (routes.yaml `first_byte_timeout_ms`). The attempt gets its own abort
 * signal, which follows the request's (client gone, route deadline) and fires by itself when the call has
 * not resolved within the limit — for a stream, that is its first content (primeStream); for a JSON
 * answer, the whole answer, since providers send its headers only once it is written. A late call is
 * aborted and becomes a `timeout` ProviderError: thrown inside the breaker's `run`, it counts as the
 * target's fault, and the attempt loop fails over while the route's deadline still has time. An abort
 * that came from the request is never the target's fault: it is a cancel, whatever the adapter made of it.
 */
import { LightAbortController } from '../lib/abort.ts'
import type { Clock } from '../lib/clock.ts'
import { cancelled, timedOut } from '../providers/provider-errors.ts'
import type { Target } from '../providers/types.ts'

class FirstByteTimeout extends Error {
  override readonly name = 'FirstByteTimeout'
}

/**
 * Calls `call` with the attempt's signal. After it resolves the signal keeps following the request's, so
 * a stream read later is still cancelled when the client goes away. `timeoutMs` null: no limit of its own;
 * `timers` are the Runtime's.
 */
export function withFirstByteTimeout<T>(
  parent: AbortSignal,
  timeoutMs: number | null,
  target: Target,
  timers: Pick<Clock, 'setTimer' | 'clearTimer'>,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const failed = (err: unknown): never => {
    if (parent.aborted) throw cancelled(target.provider)
    throw err
  }
  if (timeoutMs === null || parent.aborted) return call(parent).catch(failed)
  const ac = new LightAbortController()
  const follow = () => ac.abort(parent.reason)
  parent.addEventListener('abort', follow, { once: true })
  const timer = timers.setTimer(() => ac.abort(new FirstByteTimeout()), timeoutMs)
  return call(ac.signal).then(
    (result) => {
      timers.clearTimer(timer)
      return result
    },
    (err: unknown) => {
      timers.clearTimer(timer)
      parent.removeEventListener('abort', follow)
      if (!parent.aborted && ac.signal.reason instanceof FirstByteTimeout) {
        throw timedOut(target.provider, `sent no first content within first_byte_timeout_ms (${timeoutMs} ms)`)
      }
      return failed(err)
    },
  )
}
