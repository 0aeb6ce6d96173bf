/**
 * The HTTP server, built from its dependencies: no module-level state, so tests build an app with
 * their own config and simulator.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { type Context, Hono } from 'hono'
import { ApiError } from '../lib/api-error.ts'
import { redactKeys } from '../providers/redact.ts'
import { ProviderError } from '../providers/types.ts'
import { authenticate, identifyKey, requireAdmin } from './auth.ts'
import { type ChatExchange, serveChat } from './chat-completions.ts'
import { type ErrorResponse, headerValue, toErrorResponse, warningHeader } from './errors.ts'
import { listModels, retrieveModel } from './models.ts'
import { clientRequestId, idHeaders, requestId } from './request-id.ts'
import { routingState } from './routing-state.ts'
import { spendReport } from './spend-endpoint.ts'
import type { AppDeps, AppEnv, AppVars, RequestIds } from './types.ts'
import { checkModelId } from './validate.ts'

/** Node's header record for a request, also when Hono runs without Node bindings (app.request() in tests). */
function headersOf(c: Context<AppEnv>): IncomingHttpHeaders {
  return c.env?.incoming?.headers ?? Object.fromEntries(c.req.raw.headers)
}

/**
 * The one error answer: anything thrown while handling a request → OpenAI's error body, with the
 * request id, the caller's x-ratelimit-* headers and what is known of the routing.
 */
export function answerError(err: unknown, vars: Partial<AppVars>, ids: RequestIds, deps: AppDeps): ErrorResponse {
  const r = toErrorResponse(err, deps.config.current().secrets)
  const report = vars.report
  if (r.status >= 500 && !(err instanceof ApiError)) {
    // A stack only for Headroom's own failures: a ProviderError's is noise, and its first line is the
    // upstream's message as it came, before the scrub.
    const stack = r.status === 500 && !(err instanceof ProviderError) ? redactKeys(String((err as Error)?.stack ?? err), deps.config.current().secrets) : undefined
    deps.log.error('request failed', { requestId: ids.requestId, clientRequestId: ids.clientRequestId ?? undefined, status: r.status, route: vars.route, decision: report?.decision, error: r.body.error.message, stack })
  }
  const headers: Record<string, string> = { ...vars.rateLimitHeaders, ...r.headers, ...idHeaders(ids) }
  if (vars.route) headers['x-headroom-route'] = headerValue(vars.route)
  if (report?.target) headers['x-headroom-target'] = headerValue(report.target.id)
  if (report && report.attempts > 0) headers['x-headroom-attempts'] = String(report.attempts)
  if (report?.decision) headers['x-headroom-decision'] = report.decision
  const warn = warningHeader(vars.warnings ?? [])
  if (warn) headers['x-headroom-warning'] = warn
  return { status: r.status, body: r.body, headers }
}

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions'])

/** Whether a Node request is a chat completion (the path served ahead of Hono). */
export function isChatRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url === undefined) return false
  const q = req.url.indexOf('?')
  return CHAT_PATHS.has(q === -1 ? req.url : req.url.slice(0, q))
}

/**
 * Chat completions straight on node:http, without Hono's request and context objects (~20 µs a request
 * on this hot path). Same handler, same error answer as through Hono.
 */
export function chatListener(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const x: ChatExchange = { incoming: req, outgoing: res, requestId: requestId(), clientRequestId: clientRequestId(req.headers), vars: {} }
    serveChat(x, deps).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      const a = answerError(err, x.vars, x, deps)
      const body = JSON.stringify(a.body)
      res.writeHead(a.status, { ...a.headers, 'content-type': 'application/json' })
      res.end(body)
      // An unread request body (a 413 refused by its announced size) is dropped with the connection.
      if (!req.complete) req.resume()
    })
  }
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.use(async (c, next) => {
    // Straight from Node's header record: going through c.req.header() would build a Headers object.
    const ids: RequestIds = { requestId: requestId(), clientRequestId: clientRequestId(headersOf(c)) }
    c.set('requestId', ids.requestId)
    c.set('clientRequestId', ids.clientRequestId)
    // Set before the response exists. Touching c.res.headers afterwards would turn node-server's
    // lightweight response into a full web Response (measured: ~10% of the CPU per request).
    // Chat completions build their own header record, the ids included.
    for (const [name, value] of Object.entries(idHeaders(ids))) c.header(name, value)
    // Every answer to a client key with limits carries its x-ratelimit-* headers, whatever the endpoint
    // and status, as OpenAI's do. (Chat completions set their own, see serveChat.)
    const key = identifyKey(headersOf(c), deps.config.current().auth)
    if (key) {
      const limits = deps.inbound.current(key, deps.runtime.now())
      c.set('rateLimitHeaders', limits)
      for (const name in limits) c.header(name, limits[name])
    }
    await next()
  })

  // Normally start.ts serves chat completions ahead of Hono (chatListener); these routes serve them when
  // the app is used on its own.
  const chat = async (c: Context<AppEnv>) => {
    if (!c.env?.incoming) throw new ApiError(500, 'chat completions need the Node HTTP server', 'internal_error')
    const x: ChatExchange = { incoming: c.env.incoming, outgoing: c.env.outgoing, requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId'), vars: {} }
    try {
      await serveChat(x, deps)
    } catch (err) {
      c.set('route', x.vars.route)
      c.set('report', x.vars.report)
      c.set('rateLimitHeaders', x.vars.rateLimitHeaders)
      c.set('warnings', x.vars.warnings)
      throw err
    }
    return RESPONSE_ALREADY_SENT
  }
  app.post('/v1/chat/completions', chat)
  const models = (c: Context<AppEnv>) => {
    const cfg = deps.config.current()
    authenticate(headersOf(c), cfg.auth)
    return c.json(listModels(cfg))
  }
  app.get('/v1/models', models)
  app.get('/v1/models/:id{.+}', (c) => {
    const cfg = deps.config.current()
    authenticate(headersOf(c), cfg.auth)
    const id = c.req.param('id')
    checkModelId(id)
    return c.json(retrieveModel(cfg, id))
  })
  // Clients configured with a base URL without `/v1` (some tools drop it) reach the same endpoints.
  app.post('/chat/completions', chat)
  app.get('/models', models)
  app.get('/v1/spend', (c) => {
    requireAdmin(headersOf(c), deps.config.current().auth)
    return spendReport(c, deps.db, deps.runtime.now(), deps.flushSpend)
  })
  app.get('/v1/routing/state', (c) => {
    const cfg = deps.config.current()
    requireAdmin(headersOf(c), cfg.auth)
    return c.json(routingState(cfg, deps.runtime.states, deps.runtime.now()))
  })
  app.get('/health', (c) => {
    const cfg = deps.config.current()
    const providers: Record<string, { type: string; simulated: boolean }> = {}
    for (const p of cfg.providers.values()) providers[p.name] = { type: p.type, simulated: p.simulated }
    // Still 200 when degraded: requests are served; what is failing is the record of their spend.
    const spend = deps.spendHealth()
    return c.json({ status: spend.ok ? 'ok' : 'degraded', providers, routes: [...cfg.routes.keys()], spend })
  })

  app.notFound((c) => {
    // OpenAI's answer to a path it doesn't serve is an invalid_request_error too.
    throw new ApiError(404, `Invalid URL (${c.req.method} ${c.req.path})`, 'not_found', null, 'invalid_request_error')
  })

  app.onError((err, c) => {
    const vars: Partial<AppVars> = { route: c.get('route'), report: c.get('report'), rateLimitHeaders: c.get('rateLimitHeaders'), warnings: c.get('warnings') }
    const a = answerError(err, vars, { requestId: c.get('requestId') ?? requestId(), clientRequestId: c.get('clientRequestId') ?? null }, deps)
    return c.json(a.body, a.status as 400, a.headers)
  })

  return app
}
