/**
 * End to end: every answer to a client key that has `limits` carries the key's x-ratelimit-* headers —
 * any endpoint that authenticates the key, any status, streams included — as OpenAI's answers do, since
 * clients' backoff reads them. A request refused before admission costs the key nothing: its answer shows
 * the buckets as they stand.
 */
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()

const TEAM = 'team-secret-123'
const THRIFTY = 'thrifty-secret-123'

async function start(): Promise<Running> {
  return track(
    await startHeadroom({
      dbPath: ':memory:',
      configText: `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
keys:
  - { name: team, key: ${TEAM}, limits: { rpm: 6, tpm: 100000 }, routes: [r] }
  - { name: thrifty, key: ${THRIFTY}, limits: { rpm: 6 }, budget: { daily_usd: 0.000001 } }
admin_key: admin-secret-123
routes:
  r: { targets: [openai/gpt-4.1-mini] }
  other: { targets: [anthropic/claude-haiku-4-5] }
  unpriced: { targets: [openai/house-model-7] }
server:
  max_body_bytes: 4096
`,
      port: 0,
      env: {},
      log: silentLogger,
    }),
  )
}

const OK = { model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] }

function call(hr: Running, key: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
  }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  return fetch(`${hr.url}${path}`, init)
}

/** The status and the key's request headers; the tokens trio is checked where the key has tpm. */
async function seen(res: Response) {
  await res.arrayBuffer()
  const h = (n: string) => res.headers.get(`x-ratelimit-${n}`)
  return {
    status: res.status,
    limit: h('limit-requests'),
    remaining: h('remaining-requests'),
    reset: h('reset-requests') !== null,
  }
}

describe('x-ratelimit-* on every answer to a key with limits', () => {
  it('refusals before admission carry them and cost the key nothing', async () => {
    const hr = await start()
    const team = (path: string, body?: unknown, headers?: Record<string, string>) => call(hr, TEAM, path, body, headers)
    const refusals: Array<[string, Promise<Response>, number]> = [
      ['no messages', team('/v1/chat/completions', { model: 'r' }), 400],
      [
        'a body OpenAI rejects, streamed',
        team('/v1/chat/completions', { ...OK, stream: true, stop: ['1', '2', '3', '4', '5'] }),
        400,
      ],
      ['a bad x-headroom-priority', team('/v1/chat/completions', OK, { 'x-headroom-priority': 'urgent' }), 400],
      ['not a model id', team('/v1/chat/completions', { ...OK, model: 'bad model!' }), 400],
      ['no such model', team('/v1/chat/completions', { ...OK, model: 'mistral/large' }), 404],
      ['a body over max_body_bytes', team('/v1/chat/completions', { ...OK, pad: 'x'.repeat(8000) }), 413],
      ['a route the key may not use', team('/v1/chat/completions', { ...OK, model: 'other' }), 403],
      ['GET /v1/models/{id} of no model', team('/v1/models/mistral%2Flarge'), 404],
      ['GET /v1/models/{id} of no model id', team('/v1/models/bad%20id'), 400],
      ['an admin endpoint', team('/v1/routing/state'), 403],
      ['an unknown URL', team('/v1/nope'), 404],
    ]
    for (const [name, res, status] of refusals) {
      expect([name, await seen(await res)]).toEqual([name, { status, limit: '6', remaining: '6', reset: true }])
    }
    expect(await seen(await team('/v1/chat/completions', OK))).toEqual({
      status: 200,
      limit: '6',
      remaining: '5',
      reset: true,
    })
    // As they stand after the one admitted request (1 request per 10 s comes back: still 5 here).
    const after = await team('/v1/chat/completions', { model: 'r' })
    expect(await seen(after)).toEqual({ status: 400, limit: '6', remaining: '5', reset: true })
    expect(after.headers.get('x-ratelimit-limit-tokens')).toBe('100000')
    expect(after.headers.get('x-ratelimit-remaining-tokens')).toMatch(/^\d+$/)
    // A key Headroom does not know is no one's: no headers.
    const stranger = await call(hr, 'not-a-key-12345', '/v1/chat/completions', { model: 'r' })
    expect(await seen(stranger)).toEqual({ status: 401, limit: null, remaining: null, reset: false })
  })

  it('answers after admission carry them: JSON, streams, upstream errors, the key’s own 429, the models endpoints', async () => {
    const hr = await start()
    const team = (path: string, body?: unknown) => call(hr, TEAM, path, body)
    expect(await seen(await team('/v1/models'))).toEqual({ status: 200, limit: '6', remaining: '6', reset: true })
    expect(await seen(await team('/v1/models/r'))).toEqual({ status: 200, limit: '6', remaining: '6', reset: true })
    expect(await seen(await team('/v1/chat/completions', OK))).toEqual({
      status: 200,
      limit: '6',
      remaining: '5',
      reset: true,
    })
    const stream = await team('/v1/chat/completions', { ...OK, stream: true })
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/)
    expect(await seen(stream)).toEqual({ status: 200, limit: '6', remaining: '4', reset: true })
    sim.script('openai', 'gpt-4.1-mini', [
      {
        kind: 'custom',
        status: 400,
        body: { error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } },
      },
    ])
    expect(await seen(await team('/v1/chat/completions', OK))).toEqual({
      status: 400,
      limit: '6',
      remaining: '3',
      reset: true,
    })
    for (let i = 0; i < 3; i++) await seen(await team('/v1/chat/completions', OK))
    expect(await seen(await team('/v1/chat/completions', OK))).toEqual({
      status: 429,
      limit: '6',
      remaining: '0',
      reset: true,
    })
  })

  it('a spent budget’s 429 and an unpriced route’s 403 carry them too', async () => {
    const hr = await start()
    const thrifty = (body: unknown) => call(hr, THRIFTY, '/v1/chat/completions', body)
    const unpriced = await thrifty({ ...OK, model: 'unpriced' })
    expect(await seen(unpriced)).toEqual({ status: 403, limit: '6', remaining: '6', reset: true })
    expect(unpriced.headers.get('x-ratelimit-limit-tokens')).toBeNull() // this key has no tpm
    expect(await seen(await thrifty(OK))).toEqual({ status: 200, limit: '6', remaining: '5', reset: true })
    const spent = await thrifty(OK)
    expect(((await spent.clone().json()) as { error: { code: string } }).error.code).toBe('budget_exceeded')
    expect(await seen(spent)).toEqual({ status: 429, limit: '6', remaining: '5', reset: true })
  })
})
