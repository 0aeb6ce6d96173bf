/**
 * `POST /v1/chat/completions`: validate → admit → execute → respond.
 *  - validate: who calls (auth.ts: 401) and what they ask (validate.ts: 400; body.ts: 413);
 *  - admit: one call to admission/admit.ts — route, the key's rights, budgets, the key's limits (404, 403,
 *    429) — which returns a ticket or a refusal;
 *  - execute: the attempt loop (routing/execute.ts), under one controller that the client's leaving aborts;
 *  - respond: the answer's headers and its JSON body, or its chunks and how to frame them.
 * The core knows nothing of the writer: it reads the request through a ChatCall and returns a ChatAnswer,
 * which chat-node.ts writes on node:http (the hot path, served ahead of Hono) and chat-web.ts as a web
 * Response (the Hono route: `app.request()` in tests). Errors are thrown; the writer turns them into the
 * one error answer (error-answer.ts) with what the call's `vars` say.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { admit, type Ticket } from '../admission/admit.ts'
import type { CompiledConfig } from '../config/types.ts'
import { type ChatChunk, type OpenAIErrorBody, RAW_JSON } from '../providers/openai-schema.ts'
import { executeComplete, executeStream } from '../routing/execute.ts'
import type { Execution, Job, Report } from '../routing/runtime.ts'
import { authenticate } from './auth.ts'
import { parseJsonBody } from './body.ts'
import { headerValue, toErrorResponse, warningHeader } from './errors.ts'
import { idHeaders } from './request-id.ts'
import type { StreamEnd } from './sse-writer.ts'
import type { AppDeps, AppVars, RequestIds } from './types.ts'
import { checkModelId, priorityHeader, validateChatRequest } from './validate.ts'

/** One chat request as the core reads it, whatever carries it. */
export interface ChatCall extends RequestIds {
  /** Node's header record (lower-case names). */
  readonly headers: IncomingHttpHeaders
  /** The body; refused with 413 past `limit` bytes. */
  readBody(limit: number): Promise<Buffer>
  /** Calls `abort` if the client goes away before its answer is complete (from admission on). */
  onClientGone(abort: () => void): void
  /** What the error answer will need to say, filled in as the request goes. */
  readonly vars: Partial<AppVars>
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

export interface StreamAnswer extends Answered {
  readonly kind: 'stream'
  readonly chunks: AsyncIterable<ChatChunk>
  /** Whether the client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean
  /** The body of the error frame for a stream that fails after it began (the failure is logged). */
  readonly toError: (err: unknown) => OpenAIErrorBody
  /** The writer calls this once, when the stream has ended, however it ended. */
  readonly ended: (how: StreamEnd) => void
}

export type ChatAnswer = JsonAnswer | StreamAnswer

const JSON_HEADERS = { 'content-type': 'application/json' }

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
}

export async function answerChat(call: ChatCall, deps: AppDeps): Promise<ChatAnswer> {
  const cfg = deps.config.current()
  const rt = deps.runtime

  // Validate.
  const principal = authenticate(call.headers, cfg.auth)
  const key = principal.kind === 'key' ? principal.key : null
  // From here every answer, a refusal included, carries the key's x-ratelimit-* headers.
  if (key) call.vars.rateLimitHeaders = deps.inbound.current(key, rt.now())
  const priority = priorityHeader(call.headers['x-headroom-priority'])
  const req = validateChatRequest(parseJsonBody(await call.readBody(cfg.maxBodyBytes)))
  checkModelId(req.model)

  // Admit.
  const facts = { req, key, priority, requestId: call.requestId, clientRequestId: call.clientRequestId }
  const admission = admit(facts, cfg, deps, rt.now())
  if (!admission.ok) {
    const r = admission.refusal
    if (r.route !== null) call.vars.route = r.route
    if (r.warnings.length > 0) call.vars.warnings = r.warnings
    if (r.rateLimitHeaders) call.vars.rateLimitHeaders = r.rateLimitHeaders
    throw r.error
  }
  const ticket = admission.ticket
  call.vars.route = ticket.route.name
  if (ticket.warnings.length > 0) call.vars.warnings = ticket.warnings
  call.vars.rateLimitHeaders = ticket.rateLimitHeaders

  // Execute, under one controller: a client that goes away, or the route's deadline, aborts the upstream call.
  const report: Report = { attempts: 0, target: null, decision: '' }
  call.vars.report = report // the error answer reads attempts and the decision from here too
  const controller = new AbortController()
  call.onClientGone(() => controller.abort())
  const job: Job = { req, route: ticket.route, profile: ticket.profile, ctx: ticket.ctx, report, controller }
  try {
    // Respond.
    if (!req.stream) {
      const ex = await executeComplete(job, rt)
      ticket.settle(ex.usage(), rt.now())
      const body = ex.upstream.body[RAW_JSON] ?? JSON.stringify(ex.upstream.body)
      const headers = answerHeaders(call, ticket, ex, report, JSON_HEADERS)
      return { kind: 'json', headers, body, idleTimeoutMs: cfg.streamIdleTimeoutMs }
    }
    const ex = await executeStream(job, rt)
    return {
      kind: 'stream',
      headers: answerHeaders(call, ticket, ex, report, SSE_HEADERS),
      chunks: ex.upstream.body,
      includeUsage: req.stream_options?.include_usage === true,
      idleTimeoutMs: cfg.streamIdleTimeoutMs,
      toError: (err) => streamFailure(err, call, ex, cfg, deps),
      ended: (how) => {
        if (how === 'closed') controller.abort()
        ticket.settle(ex.usage(), rt.now())
      },
    }
  } catch (err) {
    ticket.settle(null, rt.now())
    throw err
  }
}

/** The headers of a successful answer: what served it and how, as a plain record (cheapest to write). */
function answerHeaders(
  ids: RequestIds,
  ticket: Ticket,
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
  const warn = warningHeader(ticket.warnings.length > 0 ? [...ticket.warnings, ...upstream] : upstream)
  if (warn) headers['x-headroom-warning'] = warn
  return headers
}

function streamFailure(err: unknown, ids: RequestIds, ex: Execution<unknown>, cfg: CompiledConfig, deps: AppDeps) {
  const r = toErrorResponse(err, cfg.secrets)
  deps.log.warn('stream failed after it began', {
    requestId: ids.requestId,
    clientRequestId: ids.clientRequestId ?? undefined,
    target: ex.target.stateId,
    error: r.body.error.message,
  })
  return r.body
}
