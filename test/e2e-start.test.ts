/**
 * What a new user gets from `npm start` with no keys: the shipped routes.yaml, every provider served by
 * the built-in simulator, a banner that says so, and answers on every route.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { type Running, startHeadroom } from '../src/start.ts'

let hr: Running
let banner = ''
beforeAll(async () => {
  // With a logger of its own, Headroom gives the start-up banners to it.
  hr = await startHeadroom({
    dbPath: ':memory:',
    env: {},
    port: 0,
    log: { ...silentLogger, warn: (m, f) => (banner += `${m + (f ? ` ${JSON.stringify(f)}` : '')}\n`) },
  })
})
afterAll(async () => {
  await hr?.close()
})

describe('npm start with no keys', () => {
  it('says loudly that providers are simulated, and which key would make each real', () => {
    expect(banner).toContain('SIMULATED PROVIDERS')
    for (const v of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY']) expect(banner).toContain(v)
    expect([...hr.config.current().providers.values()].every((p) => p.simulated)).toBe(true)
  })

  it('answers on every shipped route, from each provider, with the openai SDK', async () => {
    const client = new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'none', maxRetries: 0 })
    const served = new Set<string>()
    for (const route of ['fast', 'smart', 'balanced']) {
      const { data, response } = await client.chat.completions
        .create({ model: route, messages: [{ role: 'user', content: 'Hello!' }] })
        .withResponse()
      expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0)
      served.add(response.headers.get('x-headroom-target')!.split('/')[0]!)
    }
    for (const provider of ['openai', 'anthropic', 'google']) {
      const r = await client.chat.completions.create({
        model: `${provider}/${provider === 'openai' ? 'gpt-4.1-mini' : provider === 'anthropic' ? 'claude-haiku-4-5' : 'gemini-2.5-flash'}`,
        messages: [{ role: 'user', content: 'reply: hi' }],
      })
      expect(r.choices[0]!.message.content).toBe('hi')
    }
    expect(served.size).toBeGreaterThan(1)
  })

  const post = (model: string) =>
    fetch(`${hr.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    })

  it('serves a typo from the default route, but says so: a warning header and a log line', async () => {
    const res = await post('fsat')
    expect(res.status).toBe(200)
    expect(res.headers.get('x-headroom-route')).toBe('balanced')
    expect(res.headers.get('x-headroom-warning')).toContain(
      'model "fsat" matched no route or model; served by default_route "balanced"',
    )
    expect(banner).toMatch(/matched no route or model.*"model":"fsat"/)
  })

  it('answers provider/model with a provider it does not have with 404, naming the ones it has', async () => {
    const res = await post('mistral/large')
    expect(res.status).toBe(404)
    const { error } = (await res.json()) as { error: { code: string; message: string } }
    expect(error.code).toBe('model_not_found')
    expect(error.message).toContain(
      '"mistral" is not a configured provider; the providers are: openai, anthropic, google',
    )
  })
})
