/**
 * What a request's `model` resolves to, end to end: a typo is never served silently. `provider/model`
 * with a provider that does not exist is a 404 naming the providers; a bare id that matches nothing is
 * served by the default_route with a warning header and one (throttled) log line, or is a 404 without one;
 * `GET /v1/models/{id}` agrees with chat completions on every id.
 */
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import type { LogFields, Logger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost, SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY, 'team-secret-123'] })
const track = useServers()

interface Logged {
  msg: string
  fields?: LogFields
}

async function start(extra: string): Promise<{ hr: Running; warned: Logged[] }> {
  const warned: Logged[] = []
  const log: Logger = { info() {}, warn: (msg, fields) => warned.push({ msg, fields }), error() {} }
  const configText = `providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
  local: { type: openai-compatible, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
routes:
  claude:
    targets: [anthropic/claude-haiku-4-5]
  gpt:
    targets: [openai/gpt-4.1-mini]
${extra}`
  const hr = track(
    await startHeadroom({ dbPath: ':memory:', configText, port: 0, env: {}, log, simulatorUrl: sim.url }),
  )
  return { hr, warned }
}

const chat = (hr: Running, body: object, headers: Record<string, string> = {}) =>
  rawPost(
    `${hr.url}/v1/chat/completions`,
    JSON.stringify({ messages: [{ role: 'user', content: 'reply: hi' }], ...body }),
    { 'content-type': 'application/json', ...headers },
  )

const retrieve = async (hr: Running, id: string) => {
  const res = await fetch(`${hr.url}/v1/models/${id}`)
  return {
    status: res.status,
    body: (await res.json()) as {
      id?: string
      owned_by?: string
      error?: { message: string; code: string; param: string }
    },
  }
}

const unmatched = (warned: Logged[]) => warned.filter((w) => w.msg.includes('matched no route or model'))

describe('provider/model with a provider that does not exist', () => {
  it('404 model_not_found naming the known providers and GET /v1/models, default_route or not; nothing sent', async () => {
    for (const extra of ['default_route: gpt\n', '']) {
      const { hr } = await start(extra)
      for (const model of ['mistral/large', 'meta-llama/Llama-3.1-70B']) {
        const r = await chat(hr, { model })
        expect(r.status, model).toBe(404)
        expect(r.json.error).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' })
        expect(r.json.error!.message).toContain(
          `"${model.split('/')[0]}" is not a configured provider; the providers are: openai, anthropic, local`,
        )
        expect(r.json.error!.message).toContain('GET /v1/models')
        expect(r.headers.get('x-request-id')).toMatch(/^req_/)
        expect(r.headers.get('x-headroom-route')).toBeNull()
      }
      expect(sim.stats()).toBe(0)
    }
  })

  it('only the first segment names the provider: several slashes after a real one are a model id', async () => {
    sim.configure('openai', 'meta-llama/Llama-3.1-8B', {})
    const { hr } = await start('default_route: gpt\n')
    const r = await chat(hr, { model: 'local/meta-llama/Llama-3.1-8B' })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-target')).toBe('local/meta-llama/Llama-3.1-8B')
    expect(r.headers.get('x-headroom-warning')).toBeNull()
  })
})

describe('a bare id that matches no route, target or provider family', () => {
  it('is served by the default_route with x-headroom-warning and one log line per id, however many requests', async () => {
    const { hr, warned } = await start('default_route: gpt\n')
    for (let i = 0; i < 20; i++) {
      const r = await chat(hr, { model: 'fsat' })
      expect(r.status).toBe(200)
      expect(r.headers.get('x-headroom-route')).toBe('gpt')
      expect(r.headers.get('x-headroom-warning')).toBe(
        'model "fsat" matched no route or model; served by default_route "gpt"',
      )
    }
    const stream = await chat(hr, { model: 'fsat', stream: true })
    expect(stream.headers.get('x-headroom-warning')).toBe(
      'model "fsat" matched no route or model; served by default_route "gpt"',
    )
    expect(unmatched(warned)).toEqual([
      { msg: expect.stringContaining('default_route') as string, fields: { model: 'fsat', route: 'gpt' } },
    ])
    // Another id is another line; a flood of distinct ids is cut short (10 lines a minute).
    for (let i = 0; i < 30; i++) expect((await chat(hr, { model: `typo-${i}` })).status).toBe(200)
    expect(unmatched(warned).length).toBe(10)
  })

  it('the warning joins the adapter’s own warnings', async () => {
    const { hr } = await start('default_route: claude\n')
    const r = await chat(hr, { model: 'fsat', seed: 7 })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toBe(
      'model "fsat" matched no route or model; served by default_route "claude"; seed is not supported by Anthropic and was ignored',
    )
  })

  it('an error answer carries the warning too: it says why a key was refused a route it never named', async () => {
    const { hr } = await start(
      'default_route: gpt\nkeys:\n  - { name: team, key: team-secret-123, routes: [claude] }\n',
    )
    const r = await chat(hr, { model: 'fsat' }, { authorization: 'Bearer team-secret-123' })
    expect(r.status).toBe(403)
    expect(r.json.error!.code).toBe('route_not_allowed')
    expect(r.headers.get('x-headroom-warning')).toBe(
      'model "fsat" matched no route or model; served by default_route "gpt"',
    )
  })

  it('a route, a target’s model or a family id is no fallback: no warning', async () => {
    const { hr, warned } = await start('default_route: gpt\n')
    for (const model of ['claude', 'gpt-4.1-mini', 'claude-haiku-4-5', 'anthropic/claude-haiku-4-5']) {
      const r = await chat(hr, { model })
      expect(r.status, model).toBe(200)
      expect(r.headers.get('x-headroom-warning'), model).toBeNull()
    }
    expect(unmatched(warned)).toEqual([])
  })

  it('without a default_route: 404 model_not_found', async () => {
    const { hr } = await start('')
    const r = await chat(hr, { model: 'fsat' })
    expect(r.status).toBe(404)
    expect(r.json.error).toMatchObject({ code: 'model_not_found', param: 'model' })
    expect(r.json.error!.message).toBe(
      "The model 'fsat' does not exist: it is not a route, a provider/model id, or a model Headroom knows. GET /v1/models lists the routes and models.",
    )
  })
})

describe('Headroom’s own 404s', () => {
  it('OpenAI’s shape and type, and the request id', async () => {
    const { hr } = await start('')
    const res = await fetch(`${hr.url}/v1/nothing-here`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: {
        message: 'Invalid URL (GET /v1/nothing-here)',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    })
    expect(res.headers.get('x-request-id')).toMatch(/^req_/)
    const m = await retrieve(hr, 'fsat')
    expect(m.body.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' })
  })
})

describe('GET /v1/models/{id} and chat completions agree', () => {
  it('every id chat serves as that model is retrievable; a fallback or an unknown provider is 404 with the same reason', async () => {
    const { hr } = await start('default_route: gpt\n')
    const client = new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0 })
    const ids = [
      'gpt',
      'openai/gpt-4.1-mini',
      'gpt-4.1-mini',
      'claude-haiku-4-5',
      'local/meta-llama/Llama-3.1-8B',
      'fsat',
      'mistral/large',
      'fast/gpt-4.1-mini',
    ]
    sim.configure('openai', 'meta-llama/Llama-3.1-8B', {})
    for (const id of ids) {
      const m = await retrieve(hr, id)
      const c = await chat(hr, { model: id })
      const servedAsIs = c.status === 200 && c.headers.get('x-headroom-warning') === null
      expect(m.status === 200, `${id}: models ${m.status}, chat ${c.status}`).toBe(servedAsIs)
      if (m.status === 404) {
        expect(m.body.error).toMatchObject({ code: 'model_not_found', param: 'model' })
        if (c.status === 404) expect(m.body.error!.message).toBe(c.json.error!.message)
      }
    }
    expect((await client.models.retrieve('gpt')).owned_by).toBe('headroom')
    expect((await client.models.retrieve('gpt-4.1-mini')).owned_by).toBe('openai')
    expect((await retrieve(hr, 'fsat')).body.error!.message).toBe(
      `The model 'fsat' does not exist: it matched no route or model (chat completions for it are served by default_route "gpt"). GET /v1/models lists the routes and models.`,
    )
    expect((await retrieve(hr, 'fast/gpt-4.1-mini')).body.error!.message).toContain(
      '"fast" is not a configured provider; the providers are',
    )
  })
})
