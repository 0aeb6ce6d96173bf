/**
 * The HTTP server, built from its dependencies: no module-level state, so tests build an app with
 * their own config and simulator.
 */
import type { HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import type { Logger } from '../logger.ts'
import type { CompiledConfig } from '../routing/compile.ts'
import type { Report, Runtime } from '../routing/execute.ts'
import { handleChatCompletions } from './chat-completions.ts'
import { ApiError, headerValue, toErrorResponse } from './errors.ts'
import { listModels } from './models.ts'
import { requestId } from './request-id.ts'
import { routingState } from './routing-state.ts'
import { authenticate, requireAdmin } from './auth.ts'
import { spendReport } from './spend-endpoint.ts'
import type { SpendDb } from '../spend/db.ts'

export interface ConfigSource {
  /** The config in force now; swapped atomically on reload. */
  current(): CompiledConfig
}

export interface AppDeps {
  config: ConfigSource
  runtime: Runtime
  log: Logger
  /** The spend database (GET /v1/spend reads it). */
  db: SpendDb
  /** Writes queued spend rows now (so that a report includes them). */
  flushSpend: () => void
}

export interface AppVars {
  requestId: string
  route?: string
  report?: Report
  /** The caller's key's x-ratelimit-* headers, for error answers too. */
  rateLimitHeaders?: Record<string, string>
}

export type AppEnv = { Bindings: HttpBindings; Variables: AppVars }

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.use(async (c, next) => {
    // Straight from Node's header record: going through c.req.header() would build a Headers object.
    const id = requestId(c.env?.incoming ? c.env.incoming.headers['x-request-id'] : c.req.header('x-request-id'))
    c.set('requestId', id)
    // Set before the response exists. Touching c.res.headers afterwards would turn node-server's
    // lightweight response into a full web Response (measured: ~10% of the CPU per request).
    // Chat completions build their own header record, x-request-id included.
    c.header('x-request-id', id)
    await next()
  })

  app.post('/v1/chat/completions', (c) => handleChatCompletions(c, deps))
  const models = (c: Context<AppEnv>) => {
    const cfg = deps.config.current()
    authenticate(c, cfg.auth)
    return c.json(listModels(cfg))
  }
  app.get('/v1/models', models)
  // Clients configured with a base URL without `/v1` (some tools drop it) reach the same endpoints.
  app.post('/chat/completions', (c) => handleChatCompletions(c, deps))
  app.get('/models', models)
  app.get('/v1/spend', (c) => {
    requireAdmin(c, deps.config.current().auth)
    return spendReport(c, deps.db, deps.runtime.now(), deps.flushSpend)
  })
  app.get('/v1/routing/state', (c) => {
    const cfg = deps.config.current()
    requireAdmin(c, cfg.auth)
    return c.json(routingState(cfg, deps.runtime.states, deps.runtime.now()))
  })
  app.get('/health', (c) => {
    const cfg = deps.config.current()
    const providers: Record<string, { type: string; simulated: boolean }> = {}
    for (const p of cfg.providers.values()) providers[p.name] = { type: p.type, simulated: p.simulated }
    return c.json({ status: 'ok', providers, routes: [...cfg.routes.keys()] })
  })

  app.notFound((c) => {
    throw new ApiError(404, `Invalid URL (${c.req.method} ${c.req.path})`, 'not_found')
  })

  app.onError((err, c) => {
    const r = toErrorResponse(err, deps.config.current().secrets)
    const report = c.get('report')
    if (r.status >= 500 && !(err instanceof ApiError)) {
      deps.log.error('request failed', { requestId: c.get('requestId'), status: r.status, route: c.get('route'), decision: report?.decision, error: r.body.error.message, stack: r.status === 500 ? (err as Error).stack : undefined })
    }
    const headers: Record<string, string> = { ...c.get('rateLimitHeaders'), ...r.headers, 'x-request-id': c.get('requestId') ?? requestId(undefined) }
    const route = c.get('route')
    if (route) headers['x-headroom-route'] = headerValue(route)
    if (report?.target) headers['x-headroom-target'] = headerValue(report.target.id)
    if (report && report.attempts > 0) headers['x-headroom-attempts'] = String(report.attempts)
    if (report?.decision) headers['x-headroom-decision'] = report.decision
    return c.json(r.body, r.status as 400, headers)
  })

  return app
}
