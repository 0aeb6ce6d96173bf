/**
 * The server in-process: createApp driven by `app.request()`, no socket, a scripted adapter in place of
 * the providers, a ManualClock. Chat completions go through the same core as on node:http (the e2e suites
 * in test/ cover that writer over real HTTP).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BudgetTracker } from '../admission/budgets.ts'
import { InboundLimits } from '../admission/inbound.ts'
import { LogThrottle } from '../lib/log-throttle.ts'
import { silentLogger } from '../lib/logger.ts'
import { PrometheusMetrics } from '../observe/metrics.ts'
import { ConsumptionMeter } from '../observe/runway.ts'
import { type NativeApi, ProviderError } from '../providers/types.ts'
import {
  ScriptedAdapter,
  scriptedCompletion,
  scriptedConfig,
  scriptedFrame,
  type TestRuntime,
  testRuntime,
} from '../routing/__fixtures__/scripted-adapter.ts'
import type { RequestEvent } from '../routing/events.ts'
import { spendListener } from '../spend/attempt-row.ts'
import { openSpendDb, type SpendDb } from '../spend/db.ts'
import { SpendWriter } from '../spend/writer.ts'
import { createApp } from './app.ts'
import { ResponseStore } from './response-store.ts'
import type { AppDeps } from './types.ts'

const cfg = scriptedConfig(`routes:
  fast: { targets: [openai/gpt-4.1-mini] }
  capped: { targets: [openai/gpt-4.1-mini], budget: { daily_usd: 1 } }
default_route: fast
admin_key: admin-key-12345678
keys:
  - { name: team-a, key: key-a-12345678, limits: { rpm: 100, tpm: 100000 } }
  - { name: team-b, key: key-b-12345678, routes: [fast] }
server: { max_body_bytes: 2000 }
`)
const MINI = 'openai/gpt-4.1-mini'
const KEY = { authorization: 'Bearer key-a-12345678' }
const ADMIN = { authorization: 'Bearer admin-key-12345678' }

let t: TestRuntime
let db: SpendDb
let writer: SpendWriter
let deps: AppDeps
let app: ReturnType<typeof createApp>
/** Every request event, in the order emitted. */
const requests: RequestEvent[] = []

beforeEach(() => {
  db = openSpendDb(':memory:')
  writer = new SpendWriter(db, { flushIntervalMs: 60_000 })
  const consumption = new ConsumptionMeter()
  const budgets = new BudgetTracker()
  const metrics = new PrometheusMetrics({
    config: { current: () => cfg },
    states: { peek: (id) => t.rt.states.peek(id) },
    consumption,
    queue: { size: (route) => t.rt.queue.size(route) },
    budgets,
    spendRowsDropped: () => writer.health().dropped,
    now: () => t.clock.now(),
  })
  requests.length = 0
  t = testRuntime(new ScriptedAdapter(), {
    listeners: [spendListener(writer), consumption, metrics, { onAttempt() {}, onRequest: (e) => requests.push(e) }],
  })
  deps = {
    consumption,
    metrics,
    config: { current: () => cfg },
    runtime: t.rt,
    budgets,
    inbound: new InboundLimits(),
    log: silentLogger,
    db,
    flushSpend: () => writer.flushAsync(),
    spendHealth: () => writer.health(),
    clientWarnings: new LogThrottle(silentLogger),
    responses: new ResponseStore({ now: () => t.clock.now(), limits: () => cfg.responses }),
  }
  app = createApp(deps)
})
afterEach(() => {
  writer.close()
  db.close()
  t.rt.states.close()
})

const chatBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'Say hello.' }], ...over })

function chat(body: string, headers: Record<string, string> = KEY): Promise<Response> {
  return Promise.resolve(
    app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }),
  )
}

async function errorOf(
  res: Response,
): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const body = (await res.json()) as {
    error: { message: string; type: string; param: string | null; code: string | null }
  }
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
  return body.error
}

describe('auth', () => {
  it('401 in OpenAI’s shape without a key, or with one this Headroom did not issue; nothing is called', async () => {
    const none = await chat(chatBody(), {})
    expect(none.status).toBe(401)
    expect(none.headers.get('x-request-id')).toMatch(/^req_/)
    expect(await errorOf(none)).toMatchObject({ type: 'invalid_request_error', code: 'missing_api_key', param: null })
    const wrong = await chat(chatBody(), { authorization: 'Bearer key-z-12345678' })
    expect(wrong.status).toBe(401)
    expect((await errorOf(wrong)).code).toBe('invalid_api_key')
    expect(t.adapter.calls).toEqual([])
  })
})

describe('validation', () => {
  it('400 naming the parameter, in OpenAI’s words, with the key’s rate-limit headers', async () => {
    const res = await chat(JSON.stringify({ model: 'fast' }))
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toEqual({
      message: "Missing required parameter: 'messages'.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'missing_required_parameter',
    })
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('100')
    expect(res.headers.get('x-headroom-route')).toBeNull()
  })

  it('400 invalid_json for a body that is not JSON; 400 for an unknown priority; 413 past max_body_bytes', async () => {
    expect((await errorOf(await chat('{"model":'))).code).toBe('invalid_json')
    const priority = await chat(chatBody(), { ...KEY, 'x-headroom-priority': 'urgent' })
    expect([priority.status, (await errorOf(priority)).param]).toEqual([400, 'x-headroom-priority'])
    const large = await chat(chatBody({ messages: [{ role: 'user', content: 'x'.repeat(3000) }] }))
    expect([large.status, (await errorOf(large)).code]).toEqual([413, 'request_too_large'])
    expect(t.adapter.calls).toEqual([])
  })
})

describe('chat completions', () => {
  it('answers with the upstream’s completion and says what served it; one attempt event, one spend row', async () => {
    t.adapter.script(MINI, { answer: 'Hello there.' })
    const res = await chat(chatBody(), { ...KEY, 'x-client-request-id': 'trace-1' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    const target = cfg.routes.get('fast')!.members[0]!.target
    expect(await res.json()).toEqual(scriptedCompletion(target, 'Hello there.'))
    expect(res.headers.get('x-request-id')).toMatch(/^req_/)
    expect(res.headers.get('x-client-request-id')).toBe('trace-1')
    expect(res.headers.get('x-headroom-route')).toBe('fast')
    expect(res.headers.get('x-headroom-target')).toBe(MINI)
    expect(res.headers.get('x-headroom-attempts')).toBe('1')
    expect(res.headers.get('x-headroom-decision')).toMatch(/^\S+: openai#1\/gpt-4.1-mini/)
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('99')
    expect(t.events.map((e) => [e.outcome, e.ctx.virtualKey, e.ctx.clientRequestId])).toEqual([
      ['ok', 'team-a', 'trace-1'],
    ])
    const spend = await app.request('/v1/spend?group_by=route', { headers: ADMIN })
    expect(await spend.json()).toMatchObject({
      data: [{ route: 'fast', requests: 1, attempts: 1, prompt_tokens: 10, completion_tokens: 2 }],
    })
  })

  it('streams SSE frames and [DONE]; the usage chunk only when asked for; the event when the stream ends', async () => {
    t.adapter.script(MINI, { answer: 'one two' }, { answer: 'one two' })
    const res = await chat(chatBody({ stream: true }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(res.headers.get('x-headroom-target')).toBe(MINI)
    const frames = (await res.text()).split('\n\n').filter(Boolean)
    expect(frames.at(-1)).toBe('data: [DONE]')
    const chunks = frames
      .slice(0, -1)
      .map(
        (f) =>
          JSON.parse(f.slice('data: '.length)) as { choices: Array<{ delta: { content?: string } }>; usage?: unknown },
      )
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two')
    expect(chunks.every((c) => !('usage' in c))).toBe(true)
    expect(t.events.map((e) => e.outcome)).toEqual(['ok'])

    const withUsage = await (await chat(chatBody({ stream: true, stream_options: { include_usage: true } }))).text()
    expect(withUsage).toContain('"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}')
  })

  it('a stream that breaks after its first content ends with one error frame, no [DONE]', async () => {
    t.adapter.script(MINI, {
      words: ['partial'],
      breakWith: new ProviderError({
        provider: 'openai',
        status: 502,
        kind: 'stream',
        message: 'openai stream broke: cut',
      }),
    })
    const text = await (await chat(chatBody({ stream: true }))).text()
    const frames = text.split('\n\n').filter(Boolean)
    expect(frames.at(-1)).toBe(
      'data: {"error":{"message":"openai stream broke: cut","type":"server_error","param":null,"code":null}}',
    )
    expect(text).not.toContain('[DONE]')
    expect(t.events.map((e) => e.outcome)).toEqual(['error'])
  })

  it('a model that matched nothing is served by the default_route, and the answer says so', async () => {
    t.adapter.script(MINI, { answer: 'hi' })
    const res = await chat(chatBody({ model: 'fsat' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-headroom-warning')).toBe(
      'model "fsat" matched no route or model; served by default_route "fast"',
    )
  })
})

const broken = () =>
  new ProviderError({ provider: 'openai', status: 502, kind: 'stream', message: 'openai stream broke: cut' })

function post(path: string, body: unknown, headers: Record<string, string> = KEY): Promise<Response> {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }
  return Promise.resolve(app.request(path, init))
}

/** The `event:` names of a named-event stream, and the last event's data. */
function events(text: string): { names: string[]; last: unknown } {
  const names = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]!)
  const data = text.trim().split('\n').at(-1)!
  return { names, last: JSON.parse(data.slice('data: '.length)) }
}

/** The scripted adapter without passthrough: every request is translated. */
class TranslatingAdapter extends ScriptedAdapter {
  override readonly nativeApis: ReadonlySet<NativeApi> = new Set()
}

describe('messages and responses, through the same core', () => {
  const message = { model: 'fast', max_tokens: 32, messages: [{ role: 'user', content: 'Say hello.' }] }

  it("/v1/messages to a target that takes Anthropic's API: the body passed through, the answer as it came", async () => {
    t.adapter.script(MINI, { answer: 'Hello there.' })
    const res = await post('/v1/messages', message, {
      ...KEY,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'b1',
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"text":"Hello there."}')
    expect(t.adapter.calls[0]?.native).toEqual({
      api: 'anthropic-messages',
      body: message,
      stream: false,
      headers: { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'b1' },
    })
    expect(res.headers.get('x-headroom-target')).toBe(MINI)
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('99')
    expect(t.events.map((e) => e.outcome)).toEqual(['ok'])
  })

  it("/v1/messages to a target that does not: translated, and Anthropic's message encoded back", async () => {
    const translating = testRuntime(new TranslatingAdapter(), {})
    const own = createApp({ ...deps, runtime: translating.rt })
    translating.adapter.script(MINI, { answer: 'Hello there.' })
    const init = {
      method: 'POST',
      headers: { ...KEY, 'content-type': 'application/json' },
      body: JSON.stringify(message),
    }
    const res = await own.request('/v1/messages', init)
    expect(await res.json()).toMatchObject({
      type: 'message',
      model: 'fast',
      content: [{ type: 'text', text: 'Hello there.' }],
      stop_reason: 'end_turn',
    })
    expect(translating.adapter.calls[0]?.native).toBeUndefined()
    translating.rt.states.close()
  })

  it('/v1/messages streams: a break after the first content is event: error, no message_stop', async () => {
    t.adapter.script(MINI, { words: ['partial'], breakWith: broken() })
    const res = await post('/v1/messages', { ...message, stream: true })
    const { names, last } = events(await res.text())
    expect(names[0]).toBe('message_start')
    expect(names.at(-1)).toBe('error')
    expect(names).not.toContain('message_stop')
    expect(last).toEqual({ type: 'error', error: { type: 'api_error', message: 'openai stream broke: cut' } })
  })

  it("/v1/messages errors are Anthropic's: 401, 404, 400 for a body that is not JSON", async () => {
    const none = await post('/v1/messages', message, {})
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    const unknown = await post('/v1/messages', { ...message, model: 'nope/x' })
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
    const bad = await app.request('/v1/messages', { method: 'POST', headers: KEY, body: '{' })
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    expect(t.adapter.calls).toHaveLength(0)
  })

  it('/v1/messages/count_tokens with no Anthropic target: an estimate, said so; nothing called, no spend', async () => {
    const res = await post('/v1/messages/count_tokens', { model: 'fast', messages: message.messages })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-headroom-count')).toBe('estimated')
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
    expect(t.adapter.calls).toHaveLength(0)
    expect(t.events).toHaveLength(0)
  })

  it('/v1/responses passed through: frames as they came; a break is an error event numbered after them', async () => {
    t.adapter.script(MINI, { answer: 'one two' }, { words: ['partial'], breakWith: broken() })
    const ok = await (await post('/v1/responses', { model: 'fast', input: 'hi', stream: true })).text()
    expect(ok).toBe(
      [
        scriptedFrame('message_start', { model: 'gpt-4.1-mini' }),
        scriptedFrame('content_block_delta', { text: 'one' }),
        scriptedFrame('content_block_delta', { text: ' two' }),
        scriptedFrame('message_stop', {}),
      ].join(''),
    )
    const failed = events(await (await post('/v1/responses', { model: 'fast', input: 'hi', stream: true })).text())
    expect(failed.names.at(-1)).toBe('error')
    expect(failed.last).toMatchObject({ type: 'error', message: 'openai stream broke: cut', sequence_number: 0 })
  })

  it('/v1/responses translated: the documented events; a break is error then response.failed', async () => {
    const translating = testRuntime(new TranslatingAdapter(), {})
    const own = createApp({ ...deps, runtime: translating.rt })
    translating.adapter.script(MINI, { answer: 'one two' }, { words: ['partial'], breakWith: broken() })
    const send = async () => {
      const body = JSON.stringify({ model: 'fast', input: 'hi', stream: true })
      const res = await own.request('/v1/responses', { method: 'POST', headers: KEY, body })
      return events(await res.text())
    }
    const ok = await send()
    expect(ok.names[0]).toBe('response.created')
    expect(ok.names.at(-1)).toBe('response.completed')
    const failed = await send()
    expect(failed.names.slice(-2)).toEqual(['error', 'response.failed'])
    expect(failed.last).toMatchObject({ type: 'response.failed', response: { status: 'failed' } })
    translating.rt.states.close()
  })
})

describe('error answers', () => {
  it('an upstream’s 429 goes back with the request id, routing headers, the key’s limits, Retry-After', async () => {
    t.adapter.script(MINI, {
      fail: new ProviderError({
        provider: 'openai',
        status: 429,
        upstreamStatus: 429,
        kind: 'rate_limit',
        message: 'Rate limit reached',
        retryAfterMs: 60_000,
      }),
    })
    const res = await chat(chatBody(), { ...KEY, 'x-client-request-id': 'trace-2' })
    expect(res.status).toBe(429)
    expect(await errorOf(res)).toMatchObject({ message: 'Rate limit reached', type: 'rate_limit_error' })
    expect(res.headers.get('x-request-id')).toMatch(/^req_/)
    expect(res.headers.get('x-client-request-id')).toBe('trace-2')
    expect(res.headers.get('x-headroom-route')).toBe('fast')
    expect(res.headers.get('x-headroom-attempts')).toBe('1')
    expect(res.headers.get('x-headroom-decision')).toMatch(/failed: openai#1\/gpt-4.1-mini 429/)
    expect(res.headers.get('retry-after')).toBe('60')
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('100')
    expect(t.events.map((e) => [e.outcome, e.status])).toEqual([['error', 429]])
  })

  it('a refusal at admission names the route (404 has none), and calls nothing', async () => {
    deps.budgets.seed('route', 'capped', t.clock.now(), 100_000_000, 100_000_000)
    const budget = await chat(chatBody({ model: 'capped' }))
    expect([budget.status, (await errorOf(budget)).code, budget.headers.get('x-headroom-route')]).toEqual([
      429,
      'budget_exceeded',
      'capped',
    ])
    const missing = await chat(chatBody({ model: 'nowhere/model' }))
    expect([missing.status, (await errorOf(missing)).code, missing.headers.get('x-headroom-route')]).toEqual([
      404,
      'model_not_found',
      null,
    ])
    expect(t.adapter.calls).toEqual([])
  })

  it('a path Headroom does not serve: 404 invalid_request_error, with the request id', async () => {
    const res = await app.request('/v1/nothing', { headers: KEY })
    expect(res.status).toBe(404)
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', code: 'not_found' })
    expect(res.headers.get('x-request-id')).toMatch(/^req_/)
  })
})

describe('models', () => {
  it('lists the routes and the targets they name, for a key; 401 without one', async () => {
    const res = await app.request('/v1/models', { headers: KEY })
    expect(res.status).toBe(200)
    const list = (await res.json()) as { object: string; data: Array<{ id: string; owned_by: string }> }
    expect(list.object).toBe('list')
    expect(list.data.map((m) => [m.id, m.owned_by])).toEqual([
      ['fast', 'headroom'],
      ['capped', 'headroom'],
      [MINI, 'openai'],
    ])
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('100')
    expect((await app.request('/v1/models')).status).toBe(401)
  })

  it('retrieves a model chat completions would serve as that model, and 404s one it would not', async () => {
    expect(await (await app.request(`/v1/models/${MINI}`, { headers: KEY })).json()).toMatchObject({
      id: MINI,
      owned_by: 'openai',
    })
    const typo = await app.request('/v1/models/fsat', { headers: KEY })
    expect([typo.status, (await errorOf(typo)).code]).toEqual([404, 'model_not_found'])
  })

  it('a key limited to some routes sees only those, and 404s the others as OpenAI does', async () => {
    const B = { authorization: 'Bearer key-b-12345678' }
    const list = (await (await app.request('/v1/models', { headers: B })).json()) as { data: Array<{ id: string }> }
    expect(list.data.map((m) => m.id)).toEqual(['fast'])
    for (const id of ['capped', MINI]) {
      const res = await app.request(`/v1/models/${id}`, { headers: B })
      const e = await errorOf(res)
      expect([res.status, e.code, e.message]).toEqual([
        404,
        'model_not_found',
        `The model '${id}' does not exist or you do not have access to it.`,
      ])
    }
    const anthropic = { 'anthropic-version': '2023-06-01', 'x-api-key': 'key-b-12345678' }
    const page = (await (await app.request('/v1/models', { headers: anthropic })).json()) as {
      data: Array<{ id: string }>
    }
    expect(page.data.map((m) => m.id)).toEqual(['fast'])
    expect((await app.request('/v1/models/capped', { headers: anthropic })).status).toBe(404)
    // The admin sees everything.
    const all = (await (await app.request('/v1/models', { headers: ADMIN })).json()) as { data: unknown[] }
    expect(all.data).toHaveLength(3)
  })
})

describe('models, for an Anthropic client (anthropic-version)', () => {
  const ANTHROPIC = { 'anthropic-version': '2023-06-01', 'x-api-key': 'key-a-12345678' }
  const anthropicError = async (res: Response) =>
    [res.status, (await res.json()) as { type: string; error: { type: string; message: string } }] as const

  it("lists in Anthropic's shape, keyed by x-api-key; the OpenAI shape without the header", async () => {
    const res = await app.request('/v1/models?limit=2', { headers: ANTHROPIC })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      data: [
        { type: 'model', id: 'fast', display_name: 'fast', created_at: '2023-11-14T22:13:20Z' },
        { type: 'model', id: 'capped', display_name: 'capped', created_at: '2023-11-14T22:13:20Z' },
      ],
      has_more: true,
      first_id: 'fast',
      last_id: 'capped',
    })
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('100')
    const openai = await app.request('/v1/models?limit=2', { headers: { 'x-api-key': 'key-a-12345678' } })
    expect(((await openai.json()) as { object: string; data: unknown[] }).data).toHaveLength(3)
  })

  it("retrieves one model in Anthropic's shape; 404 not_found_error for an unknown id", async () => {
    expect(await (await app.request(`/v1/models/${MINI}`, { headers: ANTHROPIC })).json()).toEqual({
      type: 'model',
      id: MINI,
      display_name: MINI,
      created_at: '2023-11-14T22:13:20Z',
    })
    const [status, body] = await anthropicError(await app.request('/v1/models/fsat', { headers: ANTHROPIC }))
    expect([status, body.type, body.error.type]).toEqual([404, 'error', 'not_found_error'])
    expect(body.error.message).toContain("'fsat'")
  })

  it("a bad limit or cursor is a 400 invalid_request_error in Anthropic's shape", async () => {
    for (const q of [
      'limit=0',
      'limit=1001',
      'limit=x',
      'after_id=nope',
      'before_id=nope',
      'after_id=fast&before_id=capped',
    ]) {
      const [status, body] = await anthropicError(await app.request(`/v1/models?${q}`, { headers: ANTHROPIC }))
      expect([q, status, body.type, body.error.type]).toEqual([q, 400, 'error', 'invalid_request_error'])
    }
  })

  it("a missing or wrong key is a 401 authentication_error in Anthropic's shape, the key never echoed", async () => {
    const none = await app.request('/v1/models', { headers: { 'anthropic-version': '2023-06-01' } })
    expect((await anthropicError(none))[1].error.type).toBe('authentication_error')
    const wrong = { 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-not-ours-9876' }
    const res = await app.request('/v1/models', { headers: wrong })
    const text = await res.text()
    expect([res.status, JSON.parse(text).error.type]).toEqual([401, 'authentication_error'])
    expect(text).not.toContain('sk-ant-not-ours-9876')
  })
})

describe('spend endpoint', () => {
  it('admin only: 403 for a client key, 401 for none, the report for the admin key', async () => {
    const asKey = await app.request('/v1/spend', { headers: KEY })
    expect([asKey.status, (await errorOf(asKey)).code]).toEqual([403, 'admin_only'])
    expect((await app.request('/v1/spend')).status).toBe(401)
    const asAdmin = await app.request('/v1/spend', { headers: ADMIN })
    expect(asAdmin.status).toBe(200)
    expect(await asAdmin.json()).toMatchObject({ object: 'list', group_by: ['model'], data: [] })
  })

  it('400 for an option it cannot read', async () => {
    const res = await app.request('/v1/spend?format=xml', { headers: ADMIN })
    expect([res.status, (await errorOf(res)).param]).toEqual([400, 'format'])
  })
})

describe('metrics endpoint', () => {
  it("admin only once routes.yaml has keys: 401 in OpenAI's shape for none, 403 for a client key", async () => {
    const none = await app.request('/metrics')
    expect([none.status, (await errorOf(none)).code]).toEqual([401, 'missing_api_key'])
    const asKey = await app.request('/metrics', { headers: KEY })
    expect([asKey.status, (await errorOf(asKey)).code]).toEqual([403, 'admin_only'])
  })

  it("Prometheus's text format for the admin key, an answered request counted on its target", async () => {
    t.adapter.script(MINI, { answer: 'Hello there.' })
    expect((await chat(chatBody(), ADMIN)).status).toBe(200)
    const res = await app.request('/metrics', { headers: ADMIN })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toContain(
      'headroom_upstream_requests_total{provider="openai",target="openai#1/gpt-4.1-mini",outcome="ok"} 1',
    )
    expect(text).toContain('headroom_breaker_state{target="openai#1/gpt-4.1-mini"} 0')
    expect(text).toContain('process_cpu_user_seconds_total')
  })
})

describe('routing state', () => {
  it("each target's forecast beside its state (its rate, and runway where it has limits), and every budget", async () => {
    t.adapter.script(MINI, { answer: 'Hello there.' })
    expect((await chat(chatBody({ model: 'capped' }), ADMIN)).status).toBe(200)
    const res = await app.request('/v1/routing/state', { headers: ADMIN })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      targets: Array<{ id: string; headroom: object; runway: object; consumption: { requests: number } }>
      budgets: unknown[]
    }
    const [target] = body.targets
    expect(target).toMatchObject({ id: 'openai#1/gpt-4.1-mini', headroom: {}, runway: {} })
    expect(target!.consumption.requests).toBeCloseTo(1 / 60, 4)
    expect(body.budgets).toEqual([
      { scope: 'route', name: 'capped', period: 'day', limitUsd: 1, spentUsd: 0, used: 0, runwayHours: '+Inf' },
    ])
  })
})

describe('request events through Hono', () => {
  it('one per request once answered: JSON, a stream when it ended (broken: 200 and its code), a refusal', async () => {
    t.adapter.script(MINI, { answer: 'Hello there.' })
    expect((await chat(chatBody())).status).toBe(200)
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({ api: 'chat', status: 200, stream: false, attempts: 1, route: 'fast' })

    t.adapter.script(MINI, { words: ['partial'], breakWith: broken() })
    const message = { model: 'fast', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'Say hello.' }] }
    const res = await post('/v1/messages', message)
    expect(requests).toHaveLength(1) // not before the stream has ended
    await res.text()
    expect(requests).toHaveLength(2)
    expect(requests[1]).toMatchObject({ api: 'messages', status: 200, stream: true, errorCode: 'server_error' })
    expect(requests[1]!.ttftMs).not.toBeNull()

    expect((await chat(chatBody(), {})).status).toBe(401)
    expect(requests).toHaveLength(3)
    expect(requests[2]).toMatchObject({ api: 'chat', status: 401, errorCode: 'missing_api_key', attempts: 0 })
  })
})
