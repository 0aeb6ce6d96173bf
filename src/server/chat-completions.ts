/**
 * `POST /v1/chat/completions`: parse and validate, resolve the model to a route, execute, answer as
 * JSON or as an SSE stream. It works on Node's request and response directly, so that start.ts can serve
 * this one hot path ahead of Hono (Hono serves every other endpoint, and this one too for app.request()).
 * Errors are thrown; the caller turns them into the one OpenAI-shaped error answer (see answerError).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { RAW_JSON, type ChatRequest } from '../providers/openai-schema.ts'
import { executeComplete, executeStream, type Execution, type Report, type RequestContext } from '../routing/execute.ts'
import { budgetThatApplies, describeBudget, usd, type AppliedBudget } from '../spend/budgets.ts'
import { authenticate } from './auth.ts'
import type { ProviderUsage } from '../providers/types.ts'
import { buildProfile } from '../routing/profile.ts'
import { fallbackWarning, resolveModel } from '../routing/resolve.ts'
import { pricesToAdd } from '../config/unpriced-targets.ts'
import { idHeaders, type AppDeps, type AppVars, type RequestIds } from './app.ts'
import { ApiError, headerValue, toErrorResponse, warningHeader } from './errors.ts'

import { parseJsonBody, readRawBody } from './body.ts'
import { endResponse, writeChunks } from './sse-writer.ts'
import { checkModelId, validateChatRequest } from './validate.ts'
import { modelNotFound } from './models.ts'
import type { CompiledKey, CompiledRoute } from '../config/types.ts'
import { PRIORITIES, type Priority } from '../config/schema.ts'

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

/** 429 `budget_exceeded` once the key's or the route's spend reached its cap, until the period resets. */
function checkBudget(deps: AppDeps, key: CompiledKey | null, route: CompiledRoute): void {
  const now = deps.runtime.now()
  const v = deps.runtime.budgets.check(key, route, now)
  if (v.ok) return
  const who = v.scope === 'key' ? `key "${v.name}"` : `route "${v.name}"`
  const resets = new Date(v.resetsAt).toISOString()
  throw new ApiError(
    429,
    `Budget exceeded: the ${v.period} budget of ${usd(v.limit)} for ${who} is spent (${usd(v.spent)} so far). It resets at ${resets}.`,
    'budget_exceeded',
    null,
    'insufficient_quota',
    // Waiting seconds won't help: tell OpenAI SDKs not to retry (they honour x-should-retry).
    { 'retry-after': String(Math.max(1, Math.ceil((v.resetsAt - now) / 1000))), 'x-should-retry': 'false' },
  )
}

/** Targets named in the 403 and its `models:` example; routes are short, but the message is bounded. */
const MAX_NAMED_TARGETS = 5

/**
 * 403 `unpriced_model`: a budget applies and no target of the route has a price, so whatever it served
 * would cost $0 against the budget. Routes that mix priced and unpriced targets are served by the
 * priced ones (the planner skips the rest, see plan.ts).
 */
function refuseUnpriced(model: string, route: CompiledRoute, budget: AppliedBudget): never {
  const targets = [...new Set(route.members.map((m) => m.target.id))].slice(0, MAX_NAMED_TARGETS)
  const which = targets.length === 1 && targets[0] === model ? `"${model}"` : `"${model}" (${targets.join(', ')})`
  throw new ApiError(
    403,
    `The model ${which} has no price, so ${describeBudget(budget)} cannot count its cost. Give it a price in routes.yaml (USD per 1M tokens): ${pricesToAdd(targets)}.`,
    'unpriced_model',
    'model',
    'permission_error',
  )
}

async function readRequest(x: ChatExchange, limit: number): Promise<ChatRequest> {
  return validateChatRequest(parseJsonBody(await readRawBody(x.incoming, limit)))
}

function priorityOf(x: ChatExchange, key: CompiledKey | null): Priority {
  const h = x.incoming.headers['x-headroom-priority']
  if (h === undefined) return key?.priority ?? 'normal'
  const v = String(h).trim().toLowerCase()
  if ((PRIORITIES as readonly string[]).includes(v)) return v as Priority
  throw new ApiError(400, `Invalid x-headroom-priority "${String(h)}": use high, normal or low.`, 'invalid_value', 'x-headroom-priority')
}

export async function serveChat(x: ChatExchange, deps: AppDeps): Promise<void> {
  const cfg = deps.config.current()
  const rt = deps.runtime
  const principal = authenticate(x.incoming.headers, cfg.auth)
  const key = principal.kind === 'key' ? principal.key : null
  // From here every answer, a refusal before admission included, carries the key's x-ratelimit-* headers.
  if (key) x.vars.rateLimitHeaders = rt.inbound.current(key, rt.now())
  const priority = priorityOf(x, key)
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
  checkBudget(deps, key, route)
  const budget = budgetThatApplies(key, route)
  if (budget && !route.members.some((m) => m.model)) refuseUnpriced(req.model, route, budget)
  const profile = buildProfile(req, { defaultExpectedOutput: route.expectedOutputTokens, requirePrice: budget !== null })

  // The key's own limits, before routing: admitted, the request is charged and the headers say so.
  const need = { tokens: profile.promptTokens + profile.expectedOutputTokens, inputTokens: profile.promptTokens, outputTokens: profile.expectedOutputTokens }
  const inbound = rt.inbound.admit(key, need, rt.now())
  x.vars.rateLimitHeaders = inbound.headers
  if (!inbound.ok) {
    if (inbound.retryAfterMs === null) {
      // OpenAI's answer to a request larger than a TPM limit ("Request too large"), and no retry: none would fit.
      throw new ApiError(429, `Request too large for key "${key!.name}": it ${inbound.what}. Lower max_tokens or shorten the prompt.`, 'rate_limit_exceeded', null, 'rate_limit_error', {
        'x-should-retry': 'false',
      })
    }
    throw new ApiError(429, `Rate limit reached for key "${key!.name}": ${inbound.what}. Retry after the time in the retry-after header.`, 'rate_limit_exceeded', null, 'rate_limit_error', {
      'retry-after': String(Math.ceil(inbound.retryAfterMs / 1000)),
      'retry-after-ms': String(Math.ceil(inbound.retryAfterMs)),
    })
  }
  let released = false
  const releaseInbound = (usage: ProviderUsage | null) => {
    if (released) return
    released = true
    rt.inbound.release(key, inbound.reservation, usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } : null, rt.now())
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
