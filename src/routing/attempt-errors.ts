/**
 * Errors of the attempt loop itself: what an adapter threw (scrubbed; a ProviderError or not), and an
 * abort, told apart by its reason — the client went away, or the route's deadline passed.
 */
import { cancelled, timedOut } from '../providers/provider-errors.ts'
import { scrubError, targetSecrets } from '../providers/redact.ts'
import { ProviderError, type Target } from '../providers/types.ts'

export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded'
}

/**
 * What an attempt threw, as the ProviderError the rest of Headroom sees: the one place where an
 * upstream's strings are scrubbed of keys, so the answer, its headers, the spend row and the logs
 * all get the clean error.
 */
export function asProviderError(target: Target, err: unknown): ProviderError {
  const pe =
    err instanceof ProviderError
      ? err
      : new ProviderError({
          provider: target.provider,
          status: 502,
          kind: 'server',
          message: `the ${target.provider} adapter failed: ${(err as Error)?.message ?? String(err)}`,
          code: 'adapter_error',
          raw: err,
        })
  return scrubError(pe, targetSecrets(target))
}

export function abortError(target: Target, signal: AbortSignal): ProviderError {
  const reason: unknown = signal.reason
  if (reason instanceof DeadlineExceeded)
    return timedOut('headroom', `gave up on route after its deadline: ${reason.message}`)
  return cancelled(target.provider)
}
