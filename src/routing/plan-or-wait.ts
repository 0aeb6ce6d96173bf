/**
 * A plan with somewhere to send the request. When no target has headroom and one will within the
 * request's wait, the request waits in the route's admission queue (admission/queue.ts), in priority
 * order, until headroom may be back; a request that arrives while others wait takes its place behind them. Broken
 * targets (breaker
 * open, probe in flight) are not waited for: with nothing else coming back in time the answer is at once
 * (see noTargetError).
 */
import { ProviderError } from '../providers/types.ts'
import { abortError } from './attempt-errors.ts'
import { decisionHeader, noTargetError, type Skipped, skipList, soonestRecovery, waitFor } from './decision.ts'
import { type Plan, plan } from './plan.ts'
import { type Job, QueueFullError, type Runtime } from './runtime.ts'

export function strategyLabel(p: Plan): string {
  return (
    p.route.strategy + (p.hardBecause ? (p.hardBecause.length > 0 ? ` hard(${p.hardBecause.join(',')})` : ' easy') : '')
  )
}

/** Plans the route, waiting in its queue while it must. Sets ctx.queuedMs. */
export async function planOrWait(job: Job<unknown>, rt: Runtime, start: number, deadline: number): Promise<Plan> {
  const { route, profile, ctx, report } = job
  const signal = job.controller.signal
  let since: number | undefined
  for (;;) {
    const now = rt.now()
    const p = plan(route, profile, rt.states, now, rt.random)
    const behindOthers = since === undefined && rt.queue.size(route.name) > 0
    if (p.ranked.length > 0 && !behindOthers) {
      if (since !== undefined) ctx.queuedMs = now - since
      return p
    }
    const giveUpAt = Math.min(start + route.queue.maxWaitMs, deadline)
    const wakeAt = p.ranked.length > 0 ? now : waitFor(p.skipped, giveUpAt)
    if (wakeAt === undefined || route.queue.maxWaitMs === 0) {
      report.decision = decisionHeader({
        strategy: strategyLabel(p),
        chosen: 'none',
        skipped: p.skipped,
        failed: [],
        now,
      })
      throw noTargetError(route.name, p.skipped, now)
    }
    try {
      await rt.queue.wait(route.name, ctx.priority, {
        maxLength: route.queue.maxLength,
        giveUpAt,
        wakeAt,
        signal,
        since,
      })
    } catch (err) {
      if (signal.aborted) throw abortError(route.members[0]!.target, signal)
      if (err instanceof QueueFullError) {
        report.decision = decisionHeader({
          strategy: strategyLabel(p),
          chosen: 'none (queue)',
          skipped: p.skipped,
          failed: [],
          now: rt.now(),
        })
        throw queueFullError(route.name, err, p.skipped, rt.now())
      }
      throw err
    }
    since ??= start
  }
}

function queueFullError(route: string, err: QueueFullError, skipped: readonly Skipped[], now: number): ProviderError {
  const at = soonestRecovery(skipped, 'rate_limit', now)
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
