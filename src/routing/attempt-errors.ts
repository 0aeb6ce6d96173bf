/**
 * Errors of the attempt loop itself: an adapter that threw something else than a ProviderError, and an
 * abort, told apart by its reason — the client went away, or the route's deadline passed.
 */
import { cancelled, timedOut } from '../providers/provider-errors.ts'
import { ProviderError, type Target } from '../providers/types.ts'

export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded'
}

export function asProviderError(target: Target, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err
  return new ProviderError({ provider: target.provider, status: 502, kind: 'server', message: `the ${target.provider} adapter failed: ${(err as Error)?.message ?? String(err)}`, code: 'adapter_error', raw: err })
}

export function abortError(target: Target, signal: AbortSignal): ProviderError {
  const reason: unknown = signal.reason
  if (reason instanceof DeadlineExceeded) return timedOut('headroom', `gave up on route after its deadline: ${reason.message}`)
  return cancelled(target.provider)
}

