/**
 * The attempt loop: plan the route, then try its ranked targets until one answers.
 *
 * Per attempt: reserve the request's estimated tokens against the target's headroom, call it through
 * its circuit breaker, then record what was learned (rate-limit snapshot, latency, usage) in the one
 * state the planner reads. On failure:
 *  - the request's own fault (400, 413) or a cancel goes straight back to the client;
 *  - a 4xx about the target rather than the request (a model it lacks, a parameter or value it refuses, a
 *    prompt over its context: kind `unsupported`) moves on to the next target with no cooldown and nothing
 *    for the breaker: the next request may well fit this target. The last target's answer is the client's,
 *    as the provider gave it;
 *  - a 429 cools the target until its Retry-After / reset (at most max_cooldown_ms, see cooldown.ts), and
 *    the next target is tried; the last target's Retry-After is waited out if it is short
 *    (retry.max_retry_after_ms) and time allows;
 *  - a rejected key (401/403) or an exhausted quota cools the target for minutes and fails over;
 *  - a fault (5xx, overloaded, timeout, connection, broken stream) feeds the breaker; connection
 *    failures and plain 5xx are retried once on the same target (exponential backoff, full jitter),
 *    the rest fail over at once — unless no other target is left, when the same one is retried.
 * All under the route's deadline (`timeout_ms`), which also aborts an attempt in flight (a cancel, not
 * the target's fault); each attempt has its own, shorter time to first content (first_byte_timeout_ms),
 * so that a stalled target fails over as a timeout while there is time left (see first-byte.ts).
 *
 * Streams are held until their first content: a failure before it fails over invisibly, after it the
 * client gets an error frame (see primeStream). The same loop serves chat completions (executeComplete,
 * executeStream), embeddings (executeEmbed), and the APIs some targets speak themselves (executeEither: per
 * candidate the client's request passed through, or translated).
 */

import type { CompiledRoute } from '../config/types.ts'
import type { EmbeddingRequest, EmbeddingResponse } from '../providers/embeddings-schema.ts'
import { type ChatChunk, type ChatCompletion, choiceFinishReasons } from '../providers/openai-schema.ts'
import { unsupportedHere } from '../providers/provider-errors.ts'
import {
  type NativeAnswer,
  type NativeRequest,
  ProviderError,
  type ProviderUsage,
  type Target,
  type Upstream,
} from '../providers/types.ts'
import { abortError, asProviderError, DeadlineExceeded } from './attempt-errors.ts'
import { attemptUsage } from './attempt-usage.ts'
import { retryDelayMs } from './backoff.ts'
import { cooldownUntil, rateLimitWaitMs } from './cooldown.ts'
import { decisionHeader, noTargetError, type Skipped } from './decision.ts'
import type { AttemptEvent, AttemptOutcome } from './events.ts'
import { withFirstByteTimeout } from './first-byte.ts'
import { BreakerOpenError } from './health.ts'
import type { ActualUsage, Reservation } from './limit-store.ts'
import { type PlannedCandidate, skipReason } from './plan.ts'
import { planOrWait, strategyLabel } from './plan-or-wait.ts'
import { answerBegan, primeStream } from './prime-stream.ts'
import type { Execution, Job, Report, Runtime } from './runtime.ts'
import { claimShared, type SharedOutcome } from './shared-claim.ts'
import type { SkipReason } from './types.ts'

function label(t: Target): string {
  return `${t.keyAlias}/${t.model}`
}

/** Why a target the loop passed over without calling it was left out, for the answer when none was called. */
function breakerSkip(err: BreakerOpenError, now: number): SkipReason {
  if (err.reason === 'probing') return { kind: 'probing' }
  return {
    kind: 'breaker_open',
    untilMs: err.halfOpenAt === null ? null : now + Math.max(0, err.halfOpenAt - Date.now()),
  }
}

/** Waits for the admission's confirmation; refused, takes back the attempt's reservation and claim, and throws. */
async function admittedOrUndo(
  admitted: Promise<unknown>,
  claiming: Promise<SharedOutcome> | null,
  cand: PlannedCandidate,
  reservation: Reservation,
  rt: Runtime,
): Promise<void> {
  try {
    await admitted
  } catch (err) {
    cand.state.limits.cancel(reservation, rt.now())
    void claiming?.then((c) => (c.ok ? c.ticket?.release(null, rt.now()) : undefined))
    throw err
  }
}

interface Attempted<T> {
  candidate: PlannedCandidate
  upstream: Upstream<T>
  attempts: number
  /** When the successful attempt started (epoch ms and a monotonic mark). */
  startedAt: number
  t0: number
  release: (usage: { promptTokens: number; completionTokens: number } | null) => void
}

async function attemptLoop<T>(
  job: Job<unknown>,
  rt: Runtime,
  call: (c: PlannedCandidate, signal: AbortSignal) => Promise<Upstream<T>>,
  /** Why a planned candidate cannot take this request at all (passed over without an attempt), or null. */
  passOver?: (c: PlannedCandidate) => SkipReason | null,
): Promise<Attempted<T>> {
  const { route, profile, ctx, report, controller } = job
  const start = rt.now()
  const deadline = start + route.timeoutMs
  const deadlineTimer = rt.setTimer(
    () => controller.abort(new DeadlineExceeded(`the route's timeout_ms (${route.timeoutMs} ms) passed`)),
    route.timeoutMs,
  )
  const signal = controller.signal
  let p: Awaited<ReturnType<typeof planOrWait>>
  try {
    p = await planOrWait(job, rt, start, deadline)
  } catch (err) {
    rt.clearTimer(deadlineTimer)
    throw err
  }
  const strategy = strategyLabel(p)
  const failed: string[] = []
  // Planned targets that earlier attempts made unusable (a breaker opened, a cooldown began) join the skipped.
  const skipped: Skipped[] = [...p.skipped]
  // A candidate the shared headroom refused (other replicas hold it): with none left, plan again (see below).
  let sharedRefused = false
  let lastError: ProviderError | null = null
  // A failed attempt's event goes out once we know whether the request moved on (failed_over) or not.
  let pendingEvent: ((outcome: FailedOutcome) => void) | null = null
  const settlePending = (outcome: FailedOutcome) => {
    pendingEvent?.(outcome)
    pendingEvent = null
  }
  try {
    for (let i = 0; i < p.ranked.length; i++) {
      const cand = p.ranked[i]!
      const last = i === p.ranked.length - 1
      for (let tryNo = 0; ; tryNo++) {
        const now = rt.now()
        if (signal.aborted) throw abortError(cand.target, signal)
        // A candidate planned earlier may be unusable now (earlier attempts changed things).
        const unusable =
          (tryNo === 0 ? passOver?.(cand) : null) ??
          (i > 0 || tryNo > 0 ? skipReason(cand.member, cand.state, cand.need, profile, route, now, Date.now()) : null)
        if (unusable) {
          if (tryNo === 0) skipped.push({ target: cand.target, reason: unusable })
          break
        }
        const reservation = cand.state.limits.reserve(cand.need, now)
        // Shared headroom (HEADROOM_REDIS_URL): one awaited round trip; none at all without it.
        const claiming = rt.sharedLimits ? claimShared(rt.sharedLimits, cand, reservation, now, deadline) : null
        // The admission's shared confirmation went out in the same write as this claim: refused, the
        // request ends here, and the claim (made for nothing) is taken back.
        if (job.admitted) await admittedOrUndo(job.admitted, claiming, cand, reservation, rt)
        const shared = claiming ? await claiming : null
        if (shared && !shared.ok) {
          skipped.push({ target: cand.target, reason: shared.reason })
          sharedRefused = true
          break
        }
        const ticket = shared?.ticket ?? null
        // Whoever waits next may find room left over.
        if (i === 0 && tryNo === 0) rt.queue.pump(route.name)
        report.attempts++
        const attemptNo = report.attempts
        settlePending('failed_over')
        const t0 = performance.now()
        try {
          const firstByte = cand.member.firstByteTimeoutMs
          const upstream = await cand.state.health.run(() =>
            withFirstByteTimeout(signal, firstByte, cand.target, rt, (s) => call(cand, s)),
          )
          const done = rt.now()
          // A window at zero needs no cooldown of its own: the headroom model keeps the target out of
          // plans until enough of it has refilled.
          cand.state.limits.observe(upstream.limits, done, reservation)
          // A whole answer's release follows at once: the shared store may tell both in one call. A stream's
          // headers go out now, for the other replicas to plan with while it runs.
          ticket?.observe(upstream.limits, done, !profile.stream)
          const ttft = upstream.latency.ttftMs
          cand.state.health.observeLatency(
            profile.stream ? 'ttft' : 'total',
            profile.stream && ttft !== undefined ? ttft : performance.now() - t0,
            done,
          )
          report.target = cand.target
          report.decision = decisionHeader({
            strategy,
            chosen: label(cand.target),
            why: why(cand),
            skipped,
            failed,
            now: start,
          })
          return {
            candidate: cand,
            upstream,
            attempts: report.attempts,
            startedAt: now,
            t0,
            release: (usage) => {
              cand.state.limits.release(reservation, usage, rt.now())
              ticket?.release(usage, rt.now())
              rt.queue.pump()
            },
          }
        } catch (err) {
          const now2 = rt.now()
          // Part of a split request served before the failure is billed: counted (estimated), not dropped.
          const served = err instanceof ProviderError ? servedUsage(err, profile) : null
          cand.state.limits.release(reservation, served, now2)
          ticket?.release(served, now2)
          rt.queue.pump()
          if (err instanceof BreakerOpenError) {
            report.attempts-- // rejected before any call was made
            skipped.push({ target: cand.target, reason: breakerSkip(err, now2) })
            break
          }
          const pe = signal.aborted ? abortError(cand.target, signal) : asProviderError(cand.target, err)
          const latencyMs = performance.now() - t0
          pendingEvent = (outcome) =>
            emit(rt, report, {
              ctx,
              route: route.name,
              stream: profile.stream,
              target: cand.target,
              model: cand.model,
              attempt: attemptNo,
              outcome,
              status: pe.upstreamStatus ?? pe.status,
              errorCode: pe.code ?? pe.kind,
              usage: served && { ...served, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
              usageSource: served ? 'estimated' : 'none',
              startedAt: now,
              latencyMs,
              ttftMs: null,
              modelServed: null,
              finishReasons: null,
            })
          // An error answer is an answer too (it lifts the cold-start limit); a cancel tells nothing.
          if (pe.kind !== 'cancelled') {
            cand.state.limits.observe(pe.limits, now2, reservation)
            ticket?.observe(pe.limits, now2)
          }
          failed.push(`${label(cand.target)} ${pe.upstreamStatus ?? pe.status} ${pe.code ?? pe.kind}`)
          lastError = pe
          report.decision = decisionHeader({ strategy, chosen: 'none', skipped, failed, now: start })
          const next = await afterFailure(pe, cand, tryNo, last, deadline, route, rt, signal)
          if (next === 'throw') throw pe
          if (next === 'next') break
        }
      }
      // The candidates ran out and the shared headroom refused some: wait for headroom in the queue, as a
      // request that finds none at planning does (the refused targets are held locally until they refill).
      if (i === p.ranked.length - 1 && sharedRefused) {
        sharedRefused = false
        p = await planOrWait(job, rt, start, deadline)
        skipped.splice(0, skipped.length, ...p.skipped)
        i = -1
      }
    }
  } catch (err) {
    // The request ends here — with the attempt's error, or a cancel or the deadline found between two
    // attempts — and the failed attempt still waiting for its outcome gets its event.
    settlePending(err instanceof ProviderError && err.kind === 'cancelled' ? 'cancelled' : 'error')
    throw err
  } finally {
    rt.clearTimer(deadlineTimer)
  }
  settlePending(lastError?.kind === 'cancelled' ? 'cancelled' : 'error')
  if (lastError) throw lastError
  const now = rt.now()
  report.decision = decisionHeader({ strategy, chosen: 'none', skipped, failed, now: start })
  throw noTargetError(route.name, skipped, now)
}

type FailedOutcome = 'failed_over' | 'error' | 'cancelled'

function why(c: PlannedCandidate): string {
  const parts: string[] = []
  if (c.estimatedCost !== null) parts.push(`est $${c.estimatedCost.toPrecision(2)}`)
  if (c.latencyMs !== null) parts.push(`${Math.round(c.latencyMs)}ms`)
  parts.push(`headroom ${Math.round(c.headroom * 100)}%`)
  return parts.join(', ')
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
  const cooling = cooldownUntil(pe, now, cand.member.provider.config.max_cooldown_ms)
  if (cooling !== null) cand.state.health.coolUntil(cooling)
  switch (pe.kind) {
    case 'cancelled':
    case 'bad_request':
      return 'throw'
    case 'auth':
    case 'quota':
    case 'unsupported':
      return 'next'
    case 'rate_limit': {
      if (!last) return 'next'
      // Whether to wait on the last target goes by what the provider asked (max_retry_after_ms), not the capped
      // cooldown.
      const wait = retryDelayMs({
        attempt: tryNo,
        baseMs: route.retry.baseMs,
        capMs: route.retry.capMs,
        random: rt.random,
        retryAfterMs: rateLimitWaitMs(pe, now),
        maxRetryAfterMs: route.retry.maxRetryAfterMs,
      })
      if (wait === null || tryNo + 1 >= route.retry.attemptsPerTarget || now + wait >= deadline) return 'next'
      await rt.sleep(wait, signal) // the wait is the Retry-After itself: the cooldown is over after it
      return 'retry'
    }
    default: {
      // Faults. Retry the same target where a second try is likely to work, else fail over.
      const sameTargetWorthIt = last || pe.kind === 'connection' || pe.kind === 'server'
      if (!pe.retryable || !sameTargetWorthIt || tryNo + 1 >= route.retry.attemptsPerTarget) return 'next'
      const wait = retryDelayMs({
        attempt: tryNo,
        baseMs: route.retry.baseMs,
        capMs: route.retry.capMs,
        random: rt.random,
        retryAfterMs: pe.retryAfterMs ?? undefined,
        maxRetryAfterMs: route.retry.maxRetryAfterMs,
      })
      if (wait === null || now + wait >= deadline) return 'next'
      await rt.sleep(wait, signal)
      return 'retry'
    }
  }
}

/** The tokens of the share of a request served before its attempt failed (ProviderError.servedShare), or null. */
function servedUsage(err: ProviderError, profile: { promptTokens: number }): ActualUsage | null {
  if (err.servedShare <= 0) return null
  return { promptTokens: Math.round(profile.promptTokens * err.servedShare), completionTokens: 0 }
}

/** Tells the listeners of an attempt (they return at once: see AttemptListener), and keeps it for the request's event. */
function emit(rt: Runtime, report: Report, e: AttemptEvent): void {
  report.events.push(e)
  for (const l of rt.listeners) l.onAttempt(e)
}

/**
 * The successful attempt's event, with the usage the provider reported or, failing that, an estimate;
 * the target's limits are corrected with the same numbers, which are returned for the client key's.
 */
function settle<T>(
  job: Job<unknown>,
  rt: Runtime,
  r: Attempted<T>,
  o: {
    meta: Upstream<T>['meta']
    outcome: AttemptOutcome
    text: () => string
    /** Why the answer stopped (see AttemptEvent); null when it did not say. */
    finishReasons: readonly string[] | null
    ttftMs?: number | null
    error?: ProviderError
  },
): ProviderUsage {
  const { usage, source } = attemptUsage(o.meta, job.profile, o.text)
  job.report.answerText = o.text
  r.release({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens })
  const e = o.error
  emit(rt, job.report, {
    ctx: job.ctx,
    route: job.route.name,
    stream: job.profile.stream,
    target: r.candidate.target,
    model: r.candidate.model,
    attempt: r.attempts,
    outcome: o.outcome,
    status: e ? (e.upstreamStatus ?? e.status) : 200,
    errorCode: e ? (e.code ?? e.kind) : null,
    usage,
    usageSource: source,
    startedAt: r.startedAt,
    latencyMs: performance.now() - r.t0,
    ttftMs: o.ttftMs ?? null,
    modelServed: o.meta.model,
    finishReasons: o.finishReasons !== null && o.finishReasons.length > 0 ? o.finishReasons : null,
  })
  return usage
}

export async function executeComplete(job: Job, rt: Runtime): Promise<Execution<ChatCompletion>> {
  const r = await attemptLoop(job, rt, (c, signal) => rt.adapters(c.target.type).complete(job.req, c.target, signal))
  const usage = settle(job, rt, r, {
    meta: r.upstream.meta,
    outcome: 'ok',
    text: () => completionText(r.upstream.body),
    finishReasons: choiceFinishReasons(r.upstream.body.choices),
  })
  return { target: r.candidate.target, upstream: r.upstream, attempts: r.attempts, usage: () => usage }
}

/**
 * Embeddings: the same loop, one `embed` call per attempt. The usage is the provider's count, else (Gemini
 * counts none) the request's estimate, marked so; the answer's `usage` says what was billed either way.
 */
export async function executeEmbed(job: Job<EmbeddingRequest>, rt: Runtime): Promise<Execution<EmbeddingResponse>> {
  const r = await attemptLoop(job, rt, (c, signal) => {
    const adapter = rt.adapters(c.target.type)
    if (!adapter.embed) {
      const message = `provider "${c.target.provider}" (type ${c.target.type}) has no embeddings API`
      return Promise.reject(unsupportedHere(c.target.provider, message, 'model', 'model_not_supported'))
    }
    return adapter.embed(job.req, c.target, signal)
  })
  const usage = settle(job, rt, r, { meta: r.upstream.meta, outcome: 'ok', text: () => '', finishReasons: null })
  let body = r.upstream.body
  if (!body.usage) {
    const billed = { prompt_tokens: usage.promptTokens, total_tokens: usage.promptTokens }
    body = { object: body.object, data: body.data, model: body.model, usage: billed }
  }
  return { target: r.candidate.target, upstream: { ...r.upstream, body }, attempts: r.attempts, usage: () => usage }
}

function completionText(c: ChatCompletion): string {
  let text = ''
  for (const ch of c.choices) {
    text += ch.message.content ?? ''
    for (const t of ch.message.tool_calls ?? []) text += t.function.name + t.function.arguments
  }
  return text
}

/**
 * How settleStream reads a stream's items: `onItem` sees each as it passes; `text` is the output so far;
 * `finishReasons` why it stopped, once it has (see AttemptEvent).
 */
interface StreamRead<T> {
  onItem?: (item: T) => void
  text: () => string
  finishReasons: () => readonly string[] | null
}

/** A chat stream's output text (content, tool calls' names and arguments) and finish reasons, gathered as its chunks pass. */
function chunkReader(): StreamRead<ChatChunk> {
  let text = ''
  const reasons: string[] = []
  return {
    onItem: (chunk) => {
      for (const ch of chunk.choices) {
        // One per choice (at most 128: OpenAI's `n`), however many an upstream sends.
        if (ch.finish_reason != null && reasons.length < 128) reasons.push(ch.finish_reason)
        const d = ch.delta
        if (typeof d.content === 'string') text += d.content
        if (d.tool_calls) for (const t of d.tool_calls) text += (t.function?.name ?? '') + (t.function?.arguments ?? '')
      }
    },
    text: () => text,
    finishReasons: () => reasons,
  }
}

export async function executeStream(job: Job, rt: Runtime): Promise<Execution<AsyncIterable<ChatChunk>>> {
  const r = await attemptLoop(job, rt, async (c, signal) => {
    const up = await rt.adapters(c.target.type).stream(job.req, c.target, signal)
    return { ...up, body: await primeStream(up.body, answerBegan) }
  })
  const settled = settleStream(job, rt, r, r.upstream.body, chunkReader())
  return {
    target: r.candidate.target,
    upstream: { ...r.upstream, body: settled.body },
    attempts: r.attempts,
    usage: settled.usage,
  }
}

/** What answered a request run by executeEither: its passthrough, or its translation (an answer or chunks). */
export type EitherAnswer =
  | { readonly via: 'native'; readonly answer: NativeAnswer }
  | { readonly via: 'translated'; readonly completion: ChatCompletion }
  | { readonly via: 'translated-stream'; readonly chunks: AsyncIterable<ChatChunk> }

/** Why `job.req` cannot stand for the request: the part only a passthrough carries (see executeEither). */
export interface Untranslatable {
  readonly param: string | null
  /** Why, in the client API's words (the decoder's refusal, which starts with the param): what no other target can take. */
  readonly why: string | null
}

/**
 * A request in a client API that some targets speak (`native.api`): per candidate, passed through to one
 * whose adapter takes that API, translated (`job.req`) for any other — in one attempt loop, so failover
 * crosses between the two (a passthrough that fails moves on to a translated call, and back). When the
 * request cannot be translated (`untranslatable`), a candidate that would need it is passed over without
 * an attempt, as unsuitable; a route with none left answers 400 `no_capable_target`, naming why.
 */
export async function executeEither(
  job: Job,
  rt: Runtime,
  native: NativeRequest,
  untranslatable: Untranslatable | null,
): Promise<Execution<EitherAnswer>> {
  const speaks = (t: Target) => rt.adapters(t.type).nativeApis?.has(native.api) === true
  const passOver =
    untranslatable === null
      ? undefined
      : (c: PlannedCandidate): SkipReason | null =>
          speaks(c.target) ? null : { kind: 'untranslatable', api: native.api, ...untranslatable }
  const r = await attemptLoop<EitherAnswer>(
    job,
    rt,
    async (c, signal) => {
      if (speaks(c.target)) {
        const up = await callNative(rt, c.target, native, signal)
        return { ...up, body: { via: 'native', answer: up.body } }
      }
      const adapter = rt.adapters(c.target.type)
      if (!job.profile.stream) {
        const up = await adapter.complete(job.req, c.target, signal)
        return { ...up, body: { via: 'translated', completion: up.body } }
      }
      const up = await adapter.stream(job.req, c.target, signal)
      return { ...up, body: { via: 'translated-stream', chunks: await primeStream(up.body, answerBegan) } }
    },
    passOver,
  )
  const exec = { target: r.candidate.target, attempts: r.attempts }
  const json = (text: () => string, finishReasons: readonly string[] | null): Execution<EitherAnswer> => {
    const usage = settle(job, rt, r, { meta: r.upstream.meta, outcome: 'ok', text, finishReasons })
    return { ...exec, upstream: r.upstream, usage: () => usage }
  }
  const stream = <T>(source: AsyncIterable<T>, read: StreamRead<T>, wrap: (s: AsyncIterable<T>) => EitherAnswer) => {
    const settled = settleStream(job, rt, r, source, read)
    return { ...exec, upstream: { ...r.upstream, body: wrap(settled.body) }, usage: settled.usage }
  }
  const body = r.upstream.body
  switch (body.via) {
    case 'translated':
      return json(() => completionText(body.completion), choiceFinishReasons(body.completion.choices))
    case 'translated-stream':
      return stream(body.chunks, chunkReader(), (chunks) => ({ via: 'translated-stream', chunks }))
    case 'native': {
      const a = body.answer
      const meta = r.upstream.meta
      if (a.kind === 'json') return json(a.text, meta.finishReasons ?? null)
      // The decoder's stop reason lands in meta when the frames end, before the stream settles.
      return stream(a.frames, { text: a.text, finishReasons: () => meta.finishReasons ?? null }, (frames) => ({
        via: 'native',
        answer: { kind: 'stream', frames, text: a.text },
      }))
    }
  }
}

/** The client's request passed through to a target whose adapter takes its API; a stream held until its first output. */
async function callNative(
  rt: Runtime,
  target: Target,
  native: NativeRequest,
  signal: AbortSignal,
): Promise<Upstream<NativeAnswer>> {
  const up = await rt.adapters(target.type).native!(native, target, signal)
  if (up.body.kind === 'json') return up
  const frames = await primeStream(up.body.frames, (f) => f.content)
  return { ...up, body: { kind: 'stream', frames, text: up.body.text } }
}

/**
 * After the first token: a fault still feeds the breaker, and the attempt's event goes out when the
 * stream ends — completed, broken, or cut short by the client (then with the tokens so far: without the
 * provider's closing count, an estimate from the text sent, marked so). `usage` is what the event carried.
 * `read.onItem` sees each item as it passes; `read.text` is the output so far, for the estimate.
 */
function settleStream<T, U>(
  job: Job,
  rt: Runtime,
  r: Attempted<U>,
  source: AsyncIterable<T>,
  read: StreamRead<T>,
): { body: AsyncIterable<T>; usage: () => ProviderUsage | null } {
  // A forwarding iterator rather than an async generator: one call per item instead of a generator hop.
  const { upstream, candidate } = r
  const it = source[Symbol.asyncIterator]()
  const { onItem } = read
  let settled = false
  let recorded: ProviderUsage | null = null
  const finish = (outcome: AttemptOutcome, error?: ProviderError) => {
    if (settled) return
    settled = true
    recorded = settle(job, rt, r, {
      meta: upstream.meta,
      outcome,
      text: read.text,
      finishReasons: read.finishReasons(),
      ttftMs: upstream.latency.ttftMs ?? null,
      error,
    })
  }
  const onResult = (res: IteratorResult<T>): IteratorResult<T> => {
    if (res.done) finish('ok')
    else if (onItem) onItem(res.value)
    return res
  }
  const onError = (err: unknown): never => {
    const signal = job.controller.signal
    const pe = signal.aborted ? abortError(candidate.target, signal) : asProviderError(candidate.target, err)
    if (pe.kind === 'cancelled') finish('cancelled')
    else {
      candidate.state.health.recordFault(pe)
      finish('error', pe)
    }
    throw pe
  }
  const iterator: AsyncIterator<T> = {
    next: () => (settled ? Promise.resolve({ done: true, value: undefined }) : it.next().then(onResult, onError)),
    // The client went away mid-stream: release the upstream first (its usage so far lands in meta), then
    // emit the attempt with the tokens so far.
    return: async () => {
      if (!settled) {
        try {
          await it.return?.()
        } finally {
          finish('cancelled')
        }
      }
      return { done: true, value: undefined }
    },
  }
  return { body: { [Symbol.asyncIterator]: () => iterator }, usage: () => recorded }
}
