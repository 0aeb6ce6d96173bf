/**
 * `POST /v1/chat/completions`: parse and validate, resolve the model to a route, execute, answer as
 * JSON or as an SSE stream. It works on Node's request and response directly, so that start.ts can serve
 * this one hot path ahead of Hono (Hono serves every other endpoint, and this one too for app.request()).
 * Errors are thrown; the caller turns them into the one OpenAI-shaped error answer (see answerError).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { admitInbound, checkBudget, inboundRefusal, requestPriority } from '../admission/policy.ts'
import { ApiError } from '../lib/api-error.ts'
import { RAW_JSON, type ChatRequest } from '../providers/openai-schema.ts'
import type { ProviderUsage } from '../providers/types.ts'
import type { RequestContext } from '../routing/events.ts'
import { executeComplete, executeStream } from '../routing/execute.ts'
import { buildProfile } from '../routing/profile.ts'
import { fallbackWarning, resolveModel } from '../routing/resolve.ts'
import type { Execution, Report } from '../routing/runtime.ts'
import { authenticate } from './auth.ts'
import { parseJsonBody, readRawBody } from './body.ts'
import { headerValue, toErrorResponse, warningHeader } from './errors.ts'
import { modelNotFound } from './models.ts'
import { idHeaders } from './request-id.ts'
import { endResponse, writeChunks } from './sse-writer.ts'
import type { AppDeps, AppVars, RequestIds } from './types.ts'
import { checkModelId, validateChatRequest } from './validate.ts'

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
  const priority = requestPriority(x.incoming.headers['x-headroom-priority'], key)
  const req = await readRequest(x, cfg.maxBodyBytes)
  checkModelId(req.model)
  const resolved = resolveModel(cfg, req.model)
  if (resolved.route === null) throw modelNotFound(cfg, req.model, resolved)
  const route = resolved.route
  x.vars.route = route.name
  if (resolved.fallback) {
    // Most likely a typo: served, but said so — to the client on every answer, in the log once per id.
    x.vars.warnings = [fallbackWarning(req.model, route.name)]
    deps.clientWarnings.warn(req.model, 'a model matched no route or model and was served by default_route', { model: req.model, route: route.name })
  }
  if (key && !key.allows(route.name)) {
    throw new ApiError(403, `The key "${key.name}" may not use "${route.name}" (its allowed routes are set in routes.yaml).`, 'route_not_allowed', 'model', 'permission_error')
  }
  const budget = checkBudget(deps.budgets, key, route, req.model, rt.now())
  const profile = buildProfile(req, { defaultExpectedOutput: route.expectedOutputTokens, requirePrice: budget !== null })

  // The key's own limits, before routing: admitted, the request is charged and the headers say so.
  const inbound = admitInbound(deps.inbound, key, profile, rt.now())
  x.vars.rateLimitHeaders = inbound.headers
  if (!inbound.ok) throw inboundRefusal(key!.name, inbound)
  let released = false
  const releaseInbound = (usage: ProviderUsage | null) => {
    if (released) return
    released = true
    deps.inbound.release(key, inbound.reservation, usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } : null, rt.now())
  }

  const ctx: RequestContext = { requestId: x.requestId, clientRequestId: x.clientRequestId, virtualKey: key?.name ?? null, endUser: req.user ?? null, modelRequested: req.model, priority, queuedMs: 0 }
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
