/**
 * The HTTP server, built from its dependencies: no module-level state, so tests build an app with
 * their own config and a scripted adapter, and drive it with `app.request()`. start.ts serves chat
 * completions, messages and responses ahead of it, on node:http (answer-node.ts); every other endpoint
 * goes through Hono.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { type Context, Hono } from 'hono'
import { ApiError } from '../lib/api-error.ts'
import type { RequestApi } from '../routing/events.ts'
import { SSE_HEADERS } from './answer-parts.ts'
import type { ServedApi } from './answer-types.ts'
import { modelResponse } from './answer-web.ts'
import { authenticate, identifyKey, requireAdmin } from './auth.ts'
import { chatCompletions } from './chat-completions.ts'
import { countTokens } from './count-tokens.ts'
import { answerEmbeddings } from './embeddings.ts'
import { answerError } from './error-answer.ts'
import { anthropicMessages } from './messages.ts'
import { listAnthropicModels, listModels, retrieveAnthropicModel, retrieveModel, visibleTo } from './models.ts'
import { beginRequest, requestAnswered } from './request-event.ts'
import { clientRequestId, idHeaders, requestId } from './request-id.ts'
import { openaiResponses } from './responses.ts'
import { listInputItems } from './responses-input-items.ts'
import { countInputTokens } from './responses-input-tokens.ts'
import { cancelResponse, deleteResponse, retrieveResponse } from './responses-retrieve.ts'
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

  /** The one error answer (error-answer.ts) as a response; for a request to a model endpoint, its RequestEvent too. */
  const errorResponse = (c: Context<AppEnv>, err: unknown, vars: Partial<AppVars>) => {
    const ids = { requestId: c.get('requestId') ?? requestId(), clientRequestId: c.get('clientRequestId') ?? null }
    const a = answerError(err, vars, ids, deps)
    requestAnswered(deps, ids, vars, { status: a.status, errorCode: a.code })
    return c.json(a.body, a.status as 400, a.headers)
  }
  /** A model endpoint: its request's vars from the start, its errors answered here (each answer reported once). */
  const modelRoute =
    (api: RequestApi, handle: (c: Context<AppEnv>, vars: Partial<AppVars>) => Promise<Response>) =>
    async (c: Context<AppEnv>) => {
      const vars: Partial<AppVars> = { start: beginRequest(api, deps.runtime, headersOf(c)) }
      const limits = c.get('rateLimitHeaders')
      if (limits) vars.rateLimitHeaders = limits
      try {
        return await handle(c, vars)
      } catch (err) {
        return errorResponse(c, err, vars)
      }
    }
  // start.ts serves these ahead of Hono (answer-node.ts); these routes serve them when the app is used on
  // its own, and in tests.
  const served = <D>(api: ServedApi<D>) =>
    modelRoute(api.api, (c, vars) => {
      const ids = { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId') }
      return modelResponse(c.req.raw, ids, vars, deps, api)
    })
  const chat = served(chatCompletions)
  const messages = served(anthropicMessages)
  const responses = served(openaiResponses)
  /** A token count (no spend, no budget): Anthropic's count_tokens or OpenAI's Responses input_tokens. */
  const counting = (anthropic: boolean, count: typeof countTokens) =>
    modelRoute('count_tokens', async (c, vars) => {
      if (anthropic) vars.errorShape = 'anthropic'
      const counted = await count(headersOf(c), c.req.raw, deps, vars)
      const ids = { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId') }
      requestAnswered(deps, ids, vars, { status: 200, errorCode: null })
      return c.json(counted.body, 200, counted.headers)
    })
  const tokens = counting(true, countTokens)
  const inputTokens = counting(false, countInputTokens)
  const embeddings = modelRoute('embeddings', (c, vars) => answerEmbeddings(c, headersOf(c), deps, vars))
  // Clients configured with a base URL without `/v1` (some tools drop it) reach the same endpoints.
  for (const prefix of ['/v1', '']) {
    app.post(`${prefix}/chat/completions`, chat)
    app.post(`${prefix}/embeddings`, embeddings)
    app.post(`${prefix}/messages`, messages)
    app.post(`${prefix}/messages/count_tokens`, tokens)
    app.post(`${prefix}/responses`, responses)
    app.post(`${prefix}/responses/input_tokens`, inputTokens)
    app.get(`${prefix}/responses/:id`, async (c) => {
      const kept = await retrieveResponse(headersOf(c), deps, c.req.param('id'), c.req.query())
      return 'sse' in kept ? c.body(kept.sse, 200, SSE_HEADERS) : c.json(kept.json)
    })
    app.get(`${prefix}/responses/:id/input_items`, async (c) => {
      const { limit, order, after } = c.req.query()
      const include = [...(c.req.queries('include[]') ?? []), ...(c.req.queries('include') ?? [])]
      return c.json(await listInputItems(headersOf(c), deps, c.req.param('id'), { limit, order, after, include }))
    })
    app.post(`${prefix}/responses/:id/cancel`, async (c) =>
      c.json(await cancelResponse(headersOf(c), deps, c.req.param('id'))),
    )
    app.delete(`${prefix}/responses/:id`, async (c) =>
      c.json(await deleteResponse(headersOf(c), deps, c.req.param('id'))),
    )
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
    // Shared state (HEADROOM_REDIS_URL) unreachable: still 200, each replica enforces limits on its own.
    const state = deps.shared?.health() ?? { shared: false, degraded: false }
    const status = spend.ok && !state.degraded ? 'ok' : 'degraded'
    return c.json({ status, providers, routes: [...cfg.routes.keys()], spend, state })
  })

  app.notFound((c) => {
    anthropicClient(c)
    // OpenAI's answer to a path it doesn't serve is an invalid_request_error too.
    throw new ApiError(404, `Invalid URL (${c.req.method} ${c.req.path})`, 'not_found', null, 'invalid_request_error')
  })

  // Every other endpoint's errors (the model endpoints answer theirs in modelRoute).
  app.onError((err, c) =>
    errorResponse(c, err, { errorShape: c.get('errorShape'), rateLimitHeaders: c.get('rateLimitHeaders') }),
  )

  return app
}
