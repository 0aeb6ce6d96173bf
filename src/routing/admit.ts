/**
 * Admission: a plan with somewhere to send the request. When no target has headroom (and some will),
 * the request waits in the route's queue, in priority order, until headroom may be back; a request that
 * arrives while others wait takes its place behind them.
 */
import { ProviderError } from '../providers/types.ts'
import { QueueFullError } from './admission.ts'
import { abortError } from './attempt-errors.ts'
import { decisionHeader, noTargetError, skipList, type Skipped } from './decision.ts'
import { plan, type Plan } from './plan.ts'
import type { Job, Runtime } from './runtime.ts'
import type { SkipReason } from './types.ts'

export function strategyLabel(p: Plan): string {
  return p.route.strategy + (p.hardBecause ? (p.hardBecause.length > 0 ? ` hard(${p.hardBecause.join(',')})` : ' easy') : '')
}

const WAITABLE: ReadonlySet<SkipReason['kind']> = new Set(['cooling', 'no_headroom', 'concurrency', 'probing', 'breaker_open'])

/** When any skipped target may have headroom again: the soonest known time, else null (wait for a release). */
function soonestRecovery(skipped: readonly Skipped[]): number | null {
  let at: number | null = null
  for (const s of skipped) {
    const r = s.reason
    const t = r.kind === 'cooling' ? r.untilMs : r.kind === 'no_headroom' || r.kind === 'breaker_open' ? r.untilMs : null
    if (t !== null && (at === null || t < at)) at = t
  }
  return at
}

/** Plans the route, waiting in its queue while it must. Sets ctx.queuedMs. */
export async function admit(job: Job, rt: Runtime, start: number, deadline: number): Promise<Plan> {
  const { route, profile, ctx, report } = job
  const signal = job.controller.signal
  let since: number | undefined
  for (;;) {
    const now = rt.now()
    const p = plan(route, profile, rt.states, now, rt.random)
    const behindOthers = since === undefined && rt.admission.size(route.name) > 0
    if (p.ranked.length > 0 && !behindOthers) {
      if (since !== undefined) ctx.queuedMs = now - since
      return p
    }
    const waitable = p.ranked.length > 0 || p.skipped.some((s) => WAITABLE.has(s.reason.kind))
    if (!waitable || route.queue.maxWaitMs === 0) {
      report.decision = decisionHeader({ strategy: strategyLabel(p), chosen: 'none', skipped: p.skipped, failed: [], now })
      throw noTargetError(route.name, p.skipped, now)
    }
    const wakeAt = p.ranked.length > 0 ? now : soonestRecovery(p.skipped)
    try {
      await rt.admission.wait(route.name, ctx.priority, {
        maxLength: route.queue.maxLength,
        giveUpAt: Math.min(start + route.queue.maxWaitMs, deadline),
        wakeAt,
        signal,
        since,
      })
    } catch (err) {
      if (signal.aborted) throw abortError(route.members[0]!.target, signal)
      if (err instanceof QueueFullError) {
        report.decision = decisionHeader({ strategy: strategyLabel(p), chosen: 'none (queue)', skipped: p.skipped, failed: [], now: rt.now() })
        throw queueFullError(route.name, err, p.skipped, rt.now())
      }
      throw err
    }
    since ??= start
  }
}

function queueFullError(route: string, err: QueueFullError, skipped: readonly Skipped[], now: number): ProviderError {
  const at = soonestRecovery(skipped)
  return new ProviderError({
    provider: 'headroom',
    status: 429,
    kind: 'rate_limit',
    type: 'rate_limit_error',
    code: err.reason === 'length' ? 'queue_full' : 'rate_limit_exceeded',
    message: `No target of route "${route}" has rate-limit headroom now, and ${err.message}: ${skipList(skipped, now) || 'every target is busy'}. Retry after the time in the retry-after header.`,
    retryAfterMs: Math.max(1000, (at ?? now + 1000) - now),
  })
}

