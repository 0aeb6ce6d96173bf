/**
 * The one core every model-calling endpoint shares — chat completions, Anthropic Messages, the Responses
 * API: validate → admit → execute → respond.
 *  - validate: who calls (auth.ts: 401), the priority header, the API's own headers, and what they ask
 *    (the API's decode: 400; body.ts: 413);
 *  - admit: one call to admission/admit.ts — route, the key's rights, budgets, the key's limits (404, 403,
 *    429) — which returns a ticket or a refusal;
 *  - execute: the attempt loop (routing/execute.ts), under one controller that the client's leaving aborts;
 *  - respond: the answer's headers and its JSON body, or its stream and how to frame it.
 * What differs between the APIs is a `ServedApi` (chat-completions.ts, messages.ts, responses.ts): how a
 * body is decoded into the canonical request, how answers and streams are encoded back, and the shape of
 * its errors. The core knows nothing of how the answer is written: it reads the request through a
 * `ModelCall` and returns an `Answer`, which answer-node.ts writes on node:http (the hot path, served
 * ahead of Hono) and answer-web.ts as a web Response (the Hono routes: `app.request()` in tests). Errors
 * are thrown; the writer turns them into the one error answer (error-answer.ts), in the API's shape.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { admit, type Ticket } from '../admission/admit.ts'
import type { CompiledConfig } from '../config/types.ts'
import type { ChatChunk, ChatCompletion, ChatRequest, OpenAIErrorBody } from '../providers/openai-schema.ts'
import { type NativeFrame, type NativeRequest, ProviderError } from '../providers/types.ts'
import {
  type EitherAnswer,
  executeComplete,
  executeEither,
  executeStream,
  type Untranslatable,
} from '../routing/execute.ts'
import type { Execution, Job, Report } from '../routing/runtime.ts'
import { authenticate } from './auth.ts'
import { parseJsonBody } from './body.ts'
import { type ErrorResponse, headerValue, toErrorResponse, warningHeader } from './errors.ts'
import { idHeaders } from './request-id.ts'
import type { StreamEnd } from './sse-writer.ts'
import type { AppDeps, AppVars, ErrorShape, RequestIds } from './types.ts'
import { checkModelId, priorityHeader } from './validate.ts'

/** One request to a model-calling endpoint as the core reads it, whatever carries it. */
export interface ModelCall extends RequestIds {
  /** Node's header record (lower-case names). */
  readonly headers: IncomingHttpHeaders
  /** The body; refused with 413 past `limit` bytes. */
  readBody(limit: number): Promise<Buffer>
  /** Calls `abort` if the client goes away before its answer is complete (from admission on). */
  onClientGone(abort: () => void): void
  /** What the error answer will need to say, filled in as the request goes. */
  readonly vars: Partial<AppVars>
}

/**
 * One client API as the core serves it. `D` is its decoded request, read through `canonical` and
 * `warnings` (chat's is the canonical request itself: nothing allocated for it).
 */
export interface ServedApi<D> {
  /** The shape of its error answers. */
  readonly errorShape: ErrorShape
  /** Checks the API's own headers (a 400 for a bad one), before the body is read. */
  checkHeaders?(headers: IncomingHttpHeaders): void
  /** The parsed JSON body (and the request's headers) → the decoded request; throws ApiError (400) for what it refuses. */
  decode(body: unknown, headers: IncomingHttpHeaders): D
  /** The canonical request that `d` is sent as. */
  canonical(d: D): ChatRequest
  /** x-headroom-warning items about the request itself (what translation could not honour). */
  warnings(d: D): readonly string[]
  /** The JSON body of a complete answer. */
  json(answer: ChatCompletion, d: D, ids: RequestIds): string
  /**
   * A stream's SSE events, whole (`event: …\ndata: …\n\n`), a failure after the start ending it with the
   * API's error event (`fail` says what the client is told); null: the stream is written as OpenAI chat
   * chunks (sse-writer.ts).
   */
  readonly events:
    | ((
        chunks: AsyncIterable<ChatChunk>,
        d: D,
        ids: RequestIds,
        fail: (err: unknown) => ErrorResponse,
      ) => AsyncIterable<string>)
    | null
  /** Passthrough to targets that take this API as it is (null: none; every target gets the canonical request). */
  readonly native: NativeSide<D> | null
}

/** How an API's requests are passed through, and how a passed-through stream that fails is ended. */
interface NativeSide<D> {
  /** The request as the client sent it, and why it cannot be translated (null: it can). */
  request(d: D): { readonly native: NativeRequest; readonly untranslatable: Untranslatable | null }
  /** The API's error event, ending a passed-through stream that failed after it began (`last`: the last frame sent). */
  errorEvent(r: ErrorResponse, last: string | null): string
}

interface Answered {
  /** Status 200 with these headers. */
  readonly headers: Record<string, string>
  /** routes.yaml `server.stream_idle_timeout_ms`: how long a write the client does not take may wait. */
  readonly idleTimeoutMs: number
}

interface JsonAnswer extends Answered {
  readonly kind: 'json'
  readonly body: string
}

interface Ended {
  /** The writer calls this once, when the stream has ended, however it ended. */
  readonly ended: (how: StreamEnd) => void
}

/** An OpenAI chat-completion stream: chunks, framed by sse-writer.ts. */
export interface StreamAnswer extends Answered, Ended {
  readonly kind: 'stream'
  readonly chunks: AsyncIterable<ChatChunk>
  /** Whether the client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean
  /** The body of the error frame for a stream that fails after it began (the failure is logged). */
  readonly toError: (err: unknown) => OpenAIErrorBody
}

/** Another API's stream: its SSE events, whole, the error event included; it never throws. */
export interface EventsAnswer extends Answered, Ended {
  readonly kind: 'events'
  readonly events: AsyncIterable<string>
}

export type Answer = JsonAnswer | StreamAnswer | EventsAnswer

const JSON_HEADERS = { 'content-type': 'application/json' }

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
}

export async function answer<D>(call: ModelCall, deps: AppDeps, api: ServedApi<D>): Promise<Answer> {
  // From the first check on, errors are in the API's shape.
  if (api.errorShape !== 'openai') call.vars.errorShape = api.errorShape
  const cfg = deps.config.current()
  const rt = deps.runtime

  // Validate.
  const principal = authenticate(call.headers, cfg.auth)
  const key = principal.kind === 'key' ? principal.key : null
  // From here every answer, a refusal included, carries the key's x-ratelimit-* headers.
  if (key) call.vars.rateLimitHeaders = deps.inbound.current(key, rt.now())
  const priority = priorityHeader(call.headers['x-headroom-priority'])
  api.checkHeaders?.(call.headers)
  const decoded = api.decode(parseJsonBody(await call.readBody(cfg.maxBodyBytes)), call.headers)
  const req = api.canonical(decoded)
  const dropped = api.warnings(decoded)
  checkModelId(req.model)

  // Admit.
  const facts = { req, key, priority, requestId: call.requestId, clientRequestId: call.clientRequestId }
  const admission = admit(facts, cfg, deps, rt.now())
  if (!admission.ok) {
    const r = admission.refusal
    if (r.route !== null) call.vars.route = r.route
    const warnings = withDecoded(r.warnings, dropped)
    if (warnings.length > 0) call.vars.warnings = warnings
    if (r.rateLimitHeaders) call.vars.rateLimitHeaders = r.rateLimitHeaders
    throw r.error
  }
  const ticket = admission.ticket
  call.vars.route = ticket.route.name
  const warnings = withDecoded(ticket.warnings, dropped)
  if (warnings.length > 0) call.vars.warnings = warnings
  call.vars.rateLimitHeaders = ticket.rateLimitHeaders

  // Execute, under one controller: a client that goes away, or the route's deadline, aborts the upstream call.
  const report: Report = { attempts: 0, target: null, decision: '' }
  call.vars.report = report // the error answer reads attempts and the decision from here too
  const controller = new AbortController()
  call.onClientGone(() => controller.abort())
  const job: Job = { req, route: ticket.route, profile: ticket.profile, ctx: ticket.ctx, report, controller }
  try {
    // Respond.
    if (api.native !== null) return await answerEither(api, api.native, decoded, { call, deps, ticket, warnings, job })
    if (!req.stream) {
      const ex = await executeComplete(job, rt)
      ticket.settle(ex.usage(), rt.now())
      const body = api.json(ex.upstream.body, decoded, call)
      const headers = answerHeaders(call, ticket, warnings, ex, report, JSON_HEADERS)
      return { kind: 'json', headers, body, idleTimeoutMs: cfg.streamIdleTimeoutMs }
    }
    const ex = await executeStream(job, rt)
    const headers = answerHeaders(call, ticket, warnings, ex, report, SSE_HEADERS)
    const ended = (how: StreamEnd) => {
      if (how === 'closed') controller.abort()
      ticket.settle(ex.usage(), rt.now())
    }
    if (api.events === null) {
      return {
        kind: 'stream',
        headers,
        chunks: ex.upstream.body,
        includeUsage: req.stream_options?.include_usage === true,
        idleTimeoutMs: cfg.streamIdleTimeoutMs,
        toError: (err) => streamFailure(err, call, ex, cfg, deps).body,
        ended,
      }
    }
    const events = api.events(ex.upstream.body, decoded, call, (err) => streamFailure(err, call, ex, cfg, deps))
    return { kind: 'events', headers, events, idleTimeoutMs: cfg.streamIdleTimeoutMs, ended }
  } catch (err) {
    ticket.settle(null, rt.now())
    throw err
  }
}

/** What answering a request admitted and ready to execute needs. */
interface Admitted {
  readonly call: ModelCall
  readonly deps: AppDeps
  readonly ticket: Ticket
  /** Admission's warnings and the translation's. */
  readonly warnings: readonly string[]
  readonly job: Job
}

/**
 * Executes a request of an API with a passthrough (executeEither: passed through where the target takes the
 * API, translated elsewhere) and answers with whichever served it: a passed-through answer as it came, its
 * stream's frames as they came; a translated one encoded by the API.
 */
async function answerEither<D>(api: ServedApi<D>, side: NativeSide<D>, decoded: D, a: Admitted): Promise<Answer> {
  const { call, deps, ticket, job } = a
  const rt = deps.runtime
  const cfg = deps.config.current()
  const pass = side.request(decoded)
  const ex = await executeEither(job, rt, pass.native, pass.untranslatable)
  const body = ex.upstream.body
  // What translation could not honour is said only when a translation served.
  const warnings = body.via === 'native' ? ticket.warnings : a.warnings
  const idleTimeoutMs = cfg.streamIdleTimeoutMs
  const json = jsonOf(api, body, decoded, call)
  if (json !== null) {
    ticket.settle(ex.usage(), rt.now())
    const headers = answerHeaders(call, ticket, warnings, ex, job.report, JSON_HEADERS)
    return { kind: 'json', headers, body: json, idleTimeoutMs }
  }
  const headers = answerHeaders(call, ticket, warnings, ex, job.report, SSE_HEADERS)
  const ended = (how: StreamEnd) => {
    if (how === 'closed') job.controller.abort()
    ticket.settle(ex.usage(), rt.now())
  }
  const fail = (err: unknown) => streamFailure(err, call, ex, cfg, deps)
  const events =
    body.via === 'translated-stream' && api.events !== null
      ? api.events(body.chunks, decoded, call, fail)
      : body.via === 'native' && body.answer.kind === 'stream'
        ? passedThrough(body.answer.frames, (err, last) => side.errorEvent(fail(err), last))
        : null
  if (events === null) throw new Error(`no way to write a ${body.via} stream`)
  return { kind: 'events', headers, events, idleTimeoutMs, ended }
}

/** The JSON body of a complete answer (as it came when passed through), or null for a stream. */
function jsonOf<D>(api: ServedApi<D>, body: EitherAnswer, decoded: D, ids: RequestIds): string | null {
  if (body.via === 'translated') return api.json(body.completion, decoded, ids)
  if (body.via === 'native' && body.answer.kind === 'json') return body.answer.body
  return null
}

/** A passed-through stream's frames as they came; a failure after the start ends it with the API's error event. */
async function* passedThrough(
  frames: AsyncIterable<NativeFrame>,
  errorEvent: (err: unknown, last: string | null) => string,
): AsyncIterable<string> {
  let last: string | null = null
  try {
    for await (const f of frames) {
      last = f.data
      yield f.data
    }
  } catch (err) {
    yield errorEvent(err, last)
  }
}

/** Admission's warnings and the decoder's, as one list (no new one when the decoder had none). */
function withDecoded(admitted: readonly string[], dropped: readonly string[]): readonly string[] {
  return dropped.length === 0 ? admitted : [...admitted, ...dropped]
}

/** The headers of a successful answer: what served it and how, as a plain record (cheapest to write). */
function answerHeaders(
  ids: RequestIds,
  ticket: Ticket,
  warnings: readonly string[],
  ex: Execution<unknown>,
  report: Report,
  base: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...base,
    ...ticket.rateLimitHeaders,
    ...idHeaders(ids),
    'x-headroom-route': headerValue(ticket.route.name),
    'x-headroom-target': headerValue(ex.target.id),
    'x-headroom-attempts': String(ex.attempts),
    'x-headroom-decision': report.decision,
  }
  const upstream = ex.upstream.meta.warnings
  const warn = warningHeader(warnings.length > 0 ? [...warnings, ...upstream] : upstream)
  if (warn) headers['x-headroom-warning'] = warn
  return headers
}

/** A stream that failed after it began: logged, and what the client is told (scrubbed of every secret). */
function streamFailure(
  err: unknown,
  ids: RequestIds,
  ex: Execution<unknown>,
  cfg: CompiledConfig,
  deps: AppDeps,
): ErrorResponse {
  const r = toErrorResponse(err, cfg.secrets)
  // A client that went away is no failure to report (the event it would get is written to nobody).
  if (err instanceof ProviderError && err.kind === 'cancelled') return r
  deps.log.warn('stream failed after it began', {
    requestId: ids.requestId,
    clientRequestId: ids.clientRequestId ?? undefined,
    target: ex.target.stateId,
    error: r.body.error.message,
  })
  return r
}
