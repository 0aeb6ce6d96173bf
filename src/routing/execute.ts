/**
 * The attempt loop: plan the route, then try its ranked targets until one answers.
 *
 * Per attempt: reserve the request's estimated tokens against the target's headroom, call it through
 * its circuit breaker, then record what was learned (rate-limit snapshot, latency, usage) in the one
 * state the planner reads. On failure:
 *  - the request's own fault (400, 404, 413) or a cancel goes straight back to the client;
 *  - a 429 cools the target until its Retry-After / reset, and the next target is tried; the last
 *    target's Retry-After is waited out if it is short (retry.max_retry_after_ms) and time allows;
 *  - a rejected key (401/403) or an exhausted quota cools the target for minutes and fails over;
 *  - a fault (5xx, overloaded, timeout, connection, broken stream) feeds the breaker; connection
 *    failures and plain 5xx are retried once on the same target (exponential backoff, full jitter),
 *    the rest fail over at once — unless no other target is left, when the same one is retried.
 * All under the route's deadline (`timeout_ms`), which also aborts an attempt in flight.
 *
 * Streams are held until their first content: a failure before it fails over invisibly, after it the
 * client gets an error frame (see primeStream).
 */
import type { Logger } from '../logger.ts'
import type { ChatChunk, ChatCompletion, ChatRequest } from '../providers/openai-schema.ts'
import { cancelled, timedOut } from '../providers/provider-errors.ts'
import type { AdapterRegistry } from '../providers/registry.ts'
import { ProviderError, type RateLimitSnapshot, type Target, type Upstream } from '../providers/types.ts'
import { retryDelayMs } from './backoff.ts'
import type { CompiledRoute } from './compile.ts'
import { decisionHeader, noTargetError } from './decision.ts'
import { BreakerOpenError } from './health.ts'
import { plan, type PlannedCandidate } from './plan.ts'
import { primeStream } from './prime-stream.ts'
import type { TargetStates } from './target-states.ts'
import type { RequestProfile } from './types.ts'

/** What execution needs from the process: state, adapters, clock, randomness. Tests inject their own. */
export interface Runtime {
  readonly states: TargetStates
  readonly adapters: AdapterRegistry
  readonly now: () => number
  readonly random: () => number
  readonly log: Logger
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
}

/** Filled in as execution goes, so that the answer — or the error — can say what happened. */
export interface Report {
  attempts: number
  target: Target | null
  decision: string
}

export interface Execution<T> {
  readonly target: Target
  readonly upstream: Upstream<T>
  readonly attempts: number
}

/** Cooldowns for errors that waiting a few seconds won't fix. */
const AUTH_COOLDOWN_MS = 60_000
const QUOTA_COOLDOWN_MS = 300_000
/** A 429 that says nothing about when: cool this long. */
const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 1_000

class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded'
}

function asProviderError(target: Target, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err
  return new ProviderError({ provider: target.provider, status: 502, kind: 'server', message: `the ${target.provider} adapter failed: ${(err as Error)?.message ?? String(err)}`, code: 'adapter_error', raw: err })
}

/** The latest reset among the windows a snapshot reports as exhausted. */
function exhaustedUntil(snap: RateLimitSnapshot | null): number | null {
  if (!snap) return null
  let until: number | null = null
  for (const w of [snap.requests, snap.tokens, snap.inputTokens, snap.outputTokens]) {
    if (w && w.remaining !== undefined && w.remaining <= 0 && w.resetAt !== undefined) until = Math.max(until ?? 0, w.resetAt)
  }
  return until
}

function label(t: Target): string {
  return `${t.keyAlias}/${t.model}`
}

/** Whether a candidate planned earlier is still worth an attempt (earlier attempts may have changed things). */
function stillUsable(c: PlannedCandidate, now: number): boolean {
  const h = c.state.health
  const b = h.breakerState()
  return b !== 'open' && b !== 'probing' && !h.isCooling(now) && c.state.limits.fits(c.need, now)
}

interface Attempted<T> {
  candidate: PlannedCandidate
  upstream: Upstream<T>
  attempts: number
  release: (usage: { promptTokens: number; completionTokens: number } | null) => void
}

async function attemptLoop<T>(
  route: CompiledRoute,
  profile: RequestProfile,
  rt: Runtime,
  controller: AbortController,
  report: Report,
  call: (c: PlannedCandidate, signal: AbortSignal) => Promise<Upstream<T>>,
): Promise<Attempted<T>> {
  const start = rt.now()
  const p = plan(route, profile, rt.states, start, rt.random)
  const strategy = route.strategy + (p.hardBecause ? (p.hardBecause.length > 0 ? ` hard(${p.hardBecause.join(',')})` : ' easy') : '')
  if (p.ranked.length === 0) {
    report.decision = decisionHeader({ strategy, chosen: 'none', skipped: p.skipped, failed: [], now: start })
    throw noTargetError(route.name, p.skipped, start)
  }
  const deadline = start + route.timeoutMs
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(`the route's timeout_ms (${route.timeoutMs} ms) passed`)), route.timeoutMs)
  const signal = controller.signal
  const failed: string[] = []
  let lastError: ProviderError | null = null
  try {
    for (let i = 0; i < p.ranked.length; i++) {
      const cand = p.ranked[i]!
      const last = i === p.ranked.length - 1
      for (let tryNo = 0; ; tryNo++) {
        const now = rt.now()
        if (signal.aborted) throw abortError(cand.target, signal)
        if ((i > 0 || tryNo > 0) && !stillUsable(cand, now)) break
        const reservation = cand.state.limits.reserve(cand.need, now)
        report.attempts++
        const t0 = performance.now()
        try {
          const upstream = await cand.state.health.run(() => call(cand, signal))
          const done = rt.now()
          cand.state.limits.observe(upstream.limits, done, reservation)
          const exhausted = exhaustedUntil(upstream.limits)
          if (exhausted !== null) cand.state.health.coolUntil(exhausted)
          const ttft = upstream.latency.ttftMs
          cand.state.health.observeLatency(profile.stream ? 'ttft' : 'total', profile.stream && ttft !== undefined ? ttft : performance.now() - t0, done)
          report.target = cand.target
          report.decision = decisionHeader({ strategy, chosen: label(cand.target), why: why(cand), skipped: p.skipped, failed, now: start })
          return {
            candidate: cand,
            upstream,
            attempts: report.attempts,
            release: (usage) => cand.state.limits.release(reservation, usage, rt.now()),
          }
        } catch (err) {
          const now2 = rt.now()
          cand.state.limits.release(reservation, null, now2)
          if (err instanceof BreakerOpenError) {
            report.attempts-- // rejected before any call was made
            break
          }
          const pe = signal.aborted ? abortError(cand.target, signal) : asProviderError(cand.target, err)
          if (pe.limits) cand.state.limits.observe(pe.limits, now2, reservation)
          failed.push(`${label(cand.target)} ${pe.upstreamStatus ?? pe.status} ${pe.code ?? pe.kind}`)
          lastError = pe
          report.decision = decisionHeader({ strategy, chosen: 'none', skipped: p.skipped, failed, now: start })
          const next = await afterFailure(pe, cand, tryNo, last, deadline, route, rt, signal)
          if (next === 'throw') throw pe
          if (next === 'next') break
        }
      }
    }
  } finally {
    clearTimeout(timer)
  }
  throw lastError ?? noTargetError(route.name, p.skipped, rt.now())
}

function why(c: PlannedCandidate): string {
  const parts: string[] = []
  if (c.estimatedCost !== null) parts.push(`est $${c.estimatedCost.toPrecision(2)}`)
  if (c.latencyMs !== null) parts.push(`${Math.round(c.latencyMs)}ms`)
  parts.push(`headroom ${Math.round(c.headroom * 100)}%`)
  return parts.join(', ')
}

function abortError(target: Target, signal: AbortSignal): ProviderError {
  const reason: unknown = signal.reason
  if (reason instanceof DeadlineExceeded) return timedOut('headroom', `gave up on route after its deadline: ${reason.message}`)
  return cancelled(target.provider)
}

/** What to do after a failed attempt: retry the same target, try the next, or give up. */
async function afterFailure(
  pe: ProviderError,
  cand: PlannedCandidate,
  tryNo: number,
  last: boolean,
  deadline: number,
  route: CompiledRoute,
  rt: Runtime,
  signal: AbortSignal,
): Promise<'retry' | 'next' | 'throw'> {
  const now = rt.now()
  const health = cand.state.health
  switch (pe.kind) {
    case 'cancelled':
    case 'bad_request':
    case 'not_found':
      return 'throw'
    case 'auth':
      health.coolUntil(now + AUTH_COOLDOWN_MS)
      return 'next'
    case 'quota':
      health.coolUntil(now + QUOTA_COOLDOWN_MS)
      return 'next'
    case 'rate_limit': {
      const until = now + (pe.retryAfterMs ?? (exhaustedUntil(pe.limits) ?? now + DEFAULT_RATE_LIMIT_COOLDOWN_MS) - now)
      health.coolUntil(until)
      if (!last) return 'next'
      const wait = retryDelayMs({ attempt: tryNo, baseMs: route.retry.baseMs, capMs: route.retry.capMs, random: rt.random, retryAfterMs: Math.max(0, until - now), maxRetryAfterMs: route.retry.maxRetryAfterMs })
      if (wait === null || tryNo + 1 >= route.retry.attemptsPerTarget || now + wait >= deadline) return 'next'
      await rt.sleep(wait, signal) // the wait is the Retry-After itself: the cooldown is over after it
      return 'retry'
    }
    default: {
      // Faults. Retry the same target where a second try is likely to work, else fail over.
      const sameTargetWorthIt = last || pe.kind === 'connection' || pe.kind === 'server'
      if (!pe.retryable || !sameTargetWorthIt || tryNo + 1 >= route.retry.attemptsPerTarget) return 'next'
      const wait = retryDelayMs({ attempt: tryNo, baseMs: route.retry.baseMs, capMs: route.retry.capMs, random: rt.random, retryAfterMs: pe.retryAfterMs ?? undefined, maxRetryAfterMs: route.retry.maxRetryAfterMs })
      if (wait === null || now + wait >= deadline) return 'next'
      await rt.sleep(wait, signal)
      return 'retry'
    }
  }
}

export async function executeComplete(
  req: ChatRequest,
  route: CompiledRoute,
  profile: RequestProfile,
  rt: Runtime,
  controller: AbortController,
  report: Report,
): Promise<Execution<ChatCompletion>> {
  const r = await attemptLoop(route, profile, rt, controller, report, (c, signal) => rt.adapters(c.target.type).complete(req, c.target, signal))
  const u = r.upstream.meta.usage
  r.release(u ? { promptTokens: u.promptTokens, completionTokens: u.completionTokens } : null)
  return { target: r.candidate.target, upstream: r.upstream, attempts: r.attempts }
}

export async function executeStream(
  req: ChatRequest,
  route: CompiledRoute,
  profile: RequestProfile,
  rt: Runtime,
  controller: AbortController,
  report: Report,
): Promise<Execution<AsyncIterable<ChatChunk>>> {
  const r = await attemptLoop(route, profile, rt, controller, report, async (c, signal) => {
    const up = await rt.adapters(c.target.type).stream(req, c.target, signal)
    return { ...up, body: await primeStream(up.body) }
  })
  const { candidate, upstream } = r
  const body = settleStream(upstream, candidate, r.release)
  return { target: candidate.target, upstream: { ...upstream, body }, attempts: r.attempts }
}

/** After the first token: a fault still feeds the breaker, and the reservation is settled with real usage. */
async function* settleStream(
  upstream: Upstream<AsyncIterable<ChatChunk>>,
  candidate: PlannedCandidate,
  release: Attempted<unknown>['release'],
): AsyncGenerator<ChatChunk> {
  try {
    yield* upstream.body
  } catch (err) {
    const pe = asProviderError(candidate.target, err)
    if (pe.kind !== 'cancelled') candidate.state.health.recordFault(pe)
    throw pe
  } finally {
    const u = upstream.meta.usage
    release(u ? { promptTokens: u.promptTokens, completionTokens: u.completionTokens } : null)
  }
}
