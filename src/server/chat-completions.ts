/**
 * `POST /v1/chat/completions`: parse and validate, resolve the model to a route, execute, answer as
 * JSON or as an SSE stream. It works on Node's request and response directly, so that start.ts can serve
 * this one hot path ahead of Hono (Hono serves every other endpoint, and this one too for app.request()).
 * Errors are thrown; the caller turns them into the one OpenAI-shaped error answer (see answerError).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ProviderUsage } from '../providers/types.ts'
import { admit } from '../admission/admit.ts'
import { RAW_JSON, type ChatRequest } from '../providers/openai-schema.ts'
import { executeComplete, executeStream } from '../routing/execute.ts'
import type { Execution, Report } from '../routing/runtime.ts'
import { authenticate } from './auth.ts'
import { parseJsonBody, readRawBody } from './body.ts'
import { headerValue, toErrorResponse, warningHeader } from './errors.ts'
import { idHeaders } from './request-id.ts'
import { endResponse, writeChunks } from './sse-writer.ts'
import type { AppDeps, AppVars, RequestIds } from './types.ts'
import { checkModelId, priorityHeader, validateChatRequest } from './validate.ts'

/** One chat request: Node's request and response, its ids, and what the error answer will need to say. */
export interface ChatExchange extends RequestIds {
  readonly incoming: IncomingMessage
  readonly outgoing: ServerResponse
  readonly vars: Partial<AppVars>
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
}

/** The headers of a successful answer: what served it and how, as a plain record (cheapest to write). */
function responseHeaders(x: ChatExchange, route: string, ex: Execution<unknown>, report: Report, base: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {
    ...base,
    ...idHeaders(x),
    'x-headroom-route': headerValue(route),
    'x-headroom-target': headerValue(ex.target.id),
    'x-headroom-attempts': String(ex.attempts),
    'x-headroom-decision': report.decision,
  }
  const warn = warningHeader(x.vars.warnings ? [...x.vars.warnings, ...ex.upstream.meta.warnings] : ex.upstream.meta.warnings)
  if (warn) headers['x-headroom-warning'] = warn
  return headers
}

async function readRequest(x: ChatExchange, limit: number): Promise<ChatRequest> {
  return validateChatRequest(parseJsonBody(await readRawBody(x.incoming, limit)))
}

export async function serveChat(x: ChatExchange, deps: AppDeps): Promise<void> {
  const cfg = deps.config.current()
  const rt = deps.runtime
  const principal = authenticate(x.incoming.headers, cfg.auth)
  const key = principal.kind === 'key' ? principal.key : null
  // From here every answer, a refusal before admission included, carries the key's x-ratelimit-* headers.
  if (key) x.vars.rateLimitHeaders = deps.inbound.current(key, rt.now())
  const priority = priorityHeader(x.incoming.headers['x-headroom-priority'])
  const req = await readRequest(x, cfg.maxBodyBytes)
  checkModelId(req.model)

  // Route, the key's rights, budgets and the key's own limits: one call.
  const admission = admit({ req, key, priority, requestId: x.requestId, clientRequestId: x.clientRequestId }, cfg, deps, rt.now())
  if (!admission.ok) {
    const r = admission.refusal
    if (r.route !== null) x.vars.route = r.route
    if (r.warnings.length > 0) x.vars.warnings = r.warnings
    if (r.rateLimitHeaders) x.vars.rateLimitHeaders = r.rateLimitHeaders
    throw r.error
  }
  const ticket = admission.ticket
  const { route, profile, ctx } = ticket
  x.vars.route = route.name
  if (ticket.warnings.length > 0) x.vars.warnings = ticket.warnings
  const inbound = { headers: ticket.rateLimitHeaders }
  x.vars.rateLimitHeaders = inbound.headers
  const releaseInbound = (usage: ProviderUsage | null) => ticket.settle(usage, rt.now())

  // One controller for the request: a client that goes away, or the route's deadline, aborts the upstream call.
  const ac = new AbortController()
  const outgoing = x.outgoing
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) ac.abort()
  })
  // The error path reads attempts and the decision from here too.
  const report: Report = { attempts: 0, target: null, decision: '' }
  x.vars.report = report

  const job = { req, route, profile, ctx, report, controller: ac }
  try {
    if (!req.stream) {
      const ex = await executeComplete(job, rt)
      releaseInbound(ex.usage())
      const headers = responseHeaders(x, route.name, ex, report, { 'content-type': 'application/json', ...inbound.headers })
      outgoing.writeHead(200, headers)
      endResponse(outgoing, ex.upstream.body[RAW_JSON] ?? JSON.stringify(ex.upstream.body), cfg.streamIdleTimeoutMs)
      return
    }

    const ex = await executeStream(job, rt)
    outgoing.writeHead(200, responseHeaders(x, route.name, ex, report, { ...SSE_HEADERS, ...inbound.headers }))
    const secrets = cfg.secrets
    const end = await writeChunks(outgoing, ex.upstream.body, { includeUsage: req.stream_options?.include_usage === true, idleTimeoutMs: cfg.streamIdleTimeoutMs }, (err) => {
      const r = toErrorResponse(err, secrets)
      deps.log.warn('stream failed after it began', { requestId: x.requestId, clientRequestId: x.clientRequestId ?? undefined, target: ex.target.stateId, error: r.body.error.message })
      return r.body
    })
    if (end === 'closed') ac.abort()
    releaseInbound(ex.usage())
  } finally {
    releaseInbound(null)
  }
}
