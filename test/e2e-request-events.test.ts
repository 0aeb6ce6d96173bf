/**
 * The request seam end to end: one RequestEvent per client request to a model endpoint — chat (JSON and
 * stream), messages, responses, embeddings, count_tokens, refusals before any attempt — emitted once the
 * answer is complete, with what served it, its attempts and their events. The real server (node:http for
 * the hot endpoints, Hono for the rest) and the simulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import type { RequestEvent } from '../src/routing/events.ts'
import { startSimulator } from '../src/simulator/index.ts'
import type { Simulator } from '../src/simulator/types.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost, SIM_KEY, testConfig } from './harness.ts'

const KEY = 'client-key-events-123'
const AUTH = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }
const ROUTES = `keys:
  - { name: team, key: ${KEY} }
routes:
  r: { targets: [openai/gpt-4.1-mini] }
  over: { strategy: ordered, targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
  claude: { targets: [anthropic/claude-haiku-4-5] }
  vectors: { targets: [openai/text-embedding-3-small] }
`

let sim: Simulator
let hr: Running
const seen: RequestEvent[] = []

beforeAll(async () => {
  sim = await startSimulator({ validKeys: [SIM_KEY] })
  hr = await startHeadroom({
    dbPath: ':memory:',
    configText: testConfig(sim.url, ROUTES),
    port: 0,
    env: {},
    log: silentLogger,
    listeners: [{ onAttempt: () => {}, onRequest: (e) => seen.push(e) }],
  })
})
afterAll(async () => {
  await hr.close()
  await sim.close()
})
beforeEach(() => {
  seen.length = 0
  sim.reset()
})

const post = (path: string, body: unknown, headers: Record<string, string> = AUTH) =>
  rawPost(`${hr.url}${path}`, typeof body === 'string' ? body : JSON.stringify(body), headers)

/** The one event of the request just answered (a stream's goes out as it ends: waited for). */
async function oneEvent(): Promise<RequestEvent> {
  await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0))
  // Nothing more comes for the same request.
  await new Promise((r) => setImmediate(r))
  expect(seen).toHaveLength(1)
  return seen[0]!
}

describe('one RequestEvent per request', () => {
  it('chat JSON: what served it, its attempt, its usage', async () => {
    const r = await post('/v1/chat/completions', { model: 'r', messages: [{ role: 'user', content: 'reply: hi' }] })
    expect(r.status).toBe(200)
    const e = await oneEvent()
    expect(e).toMatchObject({
      requestId: r.headers.get('x-request-id'),
      api: 'chat',
      route: 'r',
      status: 200,
      stream: false,
      target: 'openai#1/gpt-4.1-mini',
      provider: 'openai',
      attempts: 1,
      errorCode: null,
      ttftMs: null,
      cache: 'bypass',
      priority: 'normal',
      modelRequested: 'r',
      virtualKey: 'team',
      decision: r.headers.get('x-headroom-decision'),
    })
    expect(e.attemptEvents).toHaveLength(1)
    expect(e.attemptEvents[0]!.outcome).toBe('ok')
    expect(e.usage!.completionTokens).toBeGreaterThan(0)
    expect(e.latencyMs).toBeGreaterThanOrEqual(0)
    // Secret-free but for the attempt events' targets (as every AttemptEvent's: listeners read names off them).
    const { attemptEvents: _, ...own } = e
    expect(JSON.stringify(own)).not.toContain(SIM_KEY)
  })

  it('chat stream: 200, its time to first content, one event when it ended', async () => {
    const r = await post('/v1/chat/completions', {
      model: 'r',
      stream: true,
      messages: [{ role: 'user', content: 'reply: one two three' }],
    })
    expect(r.text).toContain('[DONE]')
    const e = await oneEvent()
    expect(e).toMatchObject({ api: 'chat', status: 200, stream: true, errorCode: null, attempts: 1 })
    expect(e.ttftMs).not.toBeNull()
    expect(e.ttftMs!).toBeLessThanOrEqual(e.latencyMs)
  })

  it('failover: both attempts, the serving one last', async () => {
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'rate_limit' }])
    const r = await post('/v1/chat/completions', { model: 'over', messages: [{ role: 'user', content: 'reply: ok' }] })
    expect(r.status).toBe(200)
    const e = await oneEvent()
    expect(e).toMatchObject({
      route: 'over',
      attempts: 2,
      target: 'anthropic#1/claude-haiku-4-5',
      provider: 'anthropic',
    })
    expect(e.attemptEvents.map((a) => a.outcome)).toEqual(['failed_over', 'ok'])
  })

  it('a stream that fails after it began: 200 and an error code', async () => {
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'cut', afterChunks: 2 }])
    const r = await post('/v1/chat/completions', {
      model: 'r',
      stream: true,
      messages: [{ role: 'user', content: 'tokens: 40' }],
    })
    expect(r.status).toBe(200)
    const e = await oneEvent()
    expect(e.status).toBe(200)
    expect(e.errorCode).not.toBeNull()
    expect(e.attemptEvents[0]!.outcome).toBe('error')
  })

  it('messages (stream) and responses (JSON)', async () => {
    const m = await post(
      '/v1/messages',
      { model: 'claude', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'reply: hi' }] },
      { ...AUTH, 'anthropic-version': '2023-06-01' },
    )
    expect(m.status).toBe(200)
    expect(await oneEvent()).toMatchObject({ api: 'messages', stream: true, status: 200, route: 'claude' })
    seen.length = 0
    const r = await post('/v1/responses', { model: 'r', input: 'reply: hi' })
    expect(r.status).toBe(200)
    expect(await oneEvent()).toMatchObject({ api: 'responses', stream: false, status: 200, route: 'r' })
  })

  it('embeddings and count_tokens (through Hono)', async () => {
    const r = await post('/v1/embeddings', { model: 'vectors', input: 'hello' })
    expect(r.status).toBe(200)
    expect(await oneEvent()).toMatchObject({ api: 'embeddings', status: 200, route: 'vectors', attempts: 1 })
    seen.length = 0
    const c = await post(
      '/v1/messages/count_tokens',
      { model: 'claude', messages: [{ role: 'user', content: 'hi' }] },
      { ...AUTH, 'anthropic-version': '2023-06-01' },
    )
    expect(c.status).toBe(200)
    expect(await oneEvent()).toMatchObject({ api: 'count_tokens', status: 200, route: 'claude', attempts: 0 })
  })

  it.each([
    [
      '401 without a key',
      '/v1/chat/completions',
      { model: 'r', messages: [] },
      { 'content-type': 'application/json' },
      401,
      'missing_api_key',
    ],
    ['400 for a bad body', '/v1/chat/completions', '{', AUTH, 400, null],
    [
      '404 for an unknown model',
      '/v1/chat/completions',
      { model: 'nope/x', messages: [{ role: 'user', content: 'x' }] },
      AUTH,
      404,
      'model_not_found',
    ],
    ['400 on embeddings', '/v1/embeddings', { model: 'vectors' }, AUTH, 400, null],
    [
      '404 on count_tokens',
      '/v1/messages/count_tokens',
      { model: 'nope/x', messages: [{ role: 'user', content: 'x' }] },
      AUTH,
      404,
      null,
    ],
  ] as const)('refused before any attempt: %s', async (_name, path, body, headers, status, code) => {
    const r = await post(path, body, headers)
    expect(r.status).toBe(status)
    const e = await oneEvent()
    expect(e).toMatchObject({ status, attempts: 0, target: null })
    expect(e.attemptEvents).toEqual([])
    expect(e.errorCode).not.toBeNull()
    if (code !== null) expect(e.errorCode).toBe(code)
  })

  it('other endpoints emit none', async () => {
    await fetch(`${hr.url}/health`)
    await fetch(`${hr.url}/v1/models`, { headers: AUTH })
    await post('/v1/nothing', {})
    await new Promise((r) => setTimeout(r, 20))
    expect(seen).toEqual([])
  })
})
