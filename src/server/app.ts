/**
 * The HTTP server, built from its dependencies: no module-level state, so tests build an app with
 * their own config and a scripted adapter, and drive it with `app.request()`. start.ts serves chat
 * completions, messages and responses ahead of it, on node:http (answer-node.ts); every other endpoint
 * goes through Hono.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { type Context, Hono } from 'hono'
import { ApiError } from '../lib/api-error.ts'
import type { ServedApi } from './answer-types.ts'
import { modelResponse } from './answer-web.ts'
import { authenticate, identifyKey, requireAdmin } from './auth.ts'
import { chatCompletions } from './chat-completions.ts'
import { countTokens } from './count-tokens.ts'
import { answerEmbeddings } from './embeddings.ts'
import { answerError } from './error-answer.ts'
import { anthropicMessages } from './messages.ts'
import { listAnthropicModels, listModels, retrieveAnthropicModel, retrieveModel, visibleTo } from './models.ts'
import { clientRequestId, idHeaders, requestId } from './request-id.ts'
import { openaiResponses } from './responses.ts'
import { routingState } from './routing-state.ts'
import { spendReport } from './spend-endpoint.ts'
import type { AppDeps, AppEnv, AppVars, RequestIds } from './types.ts'
import { checkModelId } from './validate.ts'

/** Node's header record for a request, also when Hono runs without Node bindings (app.request() in tests). */
function headersOf(c: Context<AppEnv>): IncomingHttpHeaders {
  return c.env?.incoming?.headers ?? Object.fromEntries(c.req.raw.headers)
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
    // and status, as OpenAI's do. (Chat completions set their own: chat-completions.ts.)
    const key = identifyKey(headersOf(c), deps.config.current().auth)
    if (key) {
      const limits = deps.inbound.current(key, deps.runtime.now())
      c.set('rateLimitHeaders', limits)
      for (const name in limits) c.header(name, limits[name])
    }
    await next()
  })

  // start.ts serves these ahead of Hono (answer-node.ts); these routes serve them when the app is used on
  // its own, and in tests.
  const served =
    <D>(api: ServedApi<D>) =>
    async (c: Context<AppEnv>) => {
      const vars: Partial<AppVars> = {}
      try {
        const ids = { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId') }
        return await modelResponse(c.req.raw, ids, vars, deps, api)
      } catch (err) {
        c.set('route', vars.route)
        c.set('report', vars.report)
        c.set('rateLimitHeaders', vars.rateLimitHeaders)
        c.set('warnings', vars.warnings)
        c.set('errorShape', vars.errorShape)
        throw err
      }
    }
  const chat = served(chatCompletions)
  const messages = served(anthropicMessages)
  const responses = served(openaiResponses)
  const tokens = async (c: Context<AppEnv>) => {
    c.set('errorShape', 'anthropic')
    const count = await countTokens(headersOf(c), c.req.raw, deps)
    return c.json(count.body, 200, count.headers)
  }
  const embeddings = (c: Context<AppEnv>) => answerEmbeddings(c, headersOf(c), deps)
  // Clients configured with a base URL without `/v1` (some tools drop it) reach the same endpoints.
  for (const prefix of ['/v1', '']) {
    app.post(`${prefix}/chat/completions`, chat)
    app.post(`${prefix}/embeddings`, embeddings)
    app.post(`${prefix}/messages`, messages)
    app.post(`${prefix}/messages/count_tokens`, tokens)
    app.post(`${prefix}/responses`, responses)
  }
  // The Anthropic SDK and Claude Code send `anthropic-version` on every request: they get Anthropic's shapes,
  // errors included (https://docs.anthropic.com/en/api/versioning).
  const anthropicClient = (c: Context<AppEnv>) => {
    const yes = headersOf(c)['anthropic-version'] !== undefined
    if (yes) c.set('errorShape', 'anthropic')
    return yes
  }
  const models = (c: Context<AppEnv>) => {
    const cfg = deps.config.current()
    const anthropic = anthropicClient(c)
    const visible = visibleTo(authenticate(headersOf(c), cfg.auth))
    if (!anthropic) return c.json(listModels(cfg, visible))
    const { limit, after_id, before_id } = c.req.query()
    return c.json(listAnthropicModels(cfg, { limit, after_id, before_id }, visible))
  }
  app.get('/v1/models', models)
  app.get('/v1/models/:id{.+}', (c) => {
    const cfg = deps.config.current()
    const anthropic = anthropicClient(c)
    const visible = visibleTo(authenticate(headersOf(c), cfg.auth))
    const id = c.req.param('id')
    checkModelId(id)
    return c.json(anthropic ? retrieveAnthropicModel(cfg, id, visible) : retrieveModel(cfg, id, visible))
  })
  app.get('/models', models)
  app.get('/v1/spend', (c) => {
    requireAdmin(headersOf(c), deps.config.current().auth)
    return spendReport(c, deps.db, deps.runtime.now(), deps.flushSpend)
  })
  app.get('/v1/routing/state', (c) => {
    const cfg = deps.config.current()
    requireAdmin(headersOf(c), cfg.auth)
    return c.json(
      routingState(
        cfg,
        { states: deps.runtime.states, consumption: deps.consumption, budgets: deps.budgets },
        deps.runtime.now(),
      ),
    )
  })
  app.get('/metrics', async (c) => {
    requireAdmin(headersOf(c), deps.config.current().auth)
    const { contentType, text } = await deps.metrics.scrape()
    return c.body(text, 200, { 'content-type': contentType })
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
    anthropicClient(c)
    // OpenAI's answer to a path it doesn't serve is an invalid_request_error too.
    throw new ApiError(404, `Invalid URL (${c.req.method} ${c.req.path})`, 'not_found', null, 'invalid_request_error')
  })

  app.onError((err, c) => {
    const vars: Partial<AppVars> = {
      errorShape: c.get('errorShape'),
      route: c.get('route'),
      report: c.get('report'),
      rateLimitHeaders: c.get('rateLimitHeaders'),
      warnings: c.get('warnings'),
    }
    const a = answerError(
      err,
      vars,
      { requestId: c.get('requestId') ?? requestId(), clientRequestId: c.get('clientRequestId') ?? null },
      deps,
    )
    return c.json(a.body, a.status as 400, a.headers)
  })

  return app
}
