/**
 * The OpenAI-compatible presets (`type: groq`, `mistral`, `deepseek`, `ollama`, `vllm`) end to end,
 * against the simulator in OpenAI mode: routes.yaml needs only the type and a key; what a server does not
 * take the way OpenAI sends it is renamed, dropped with an `x-headroom-warning`, or a 400 naming the
 * parameter and the provider; without a key, the simulator serves the type.
 */
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { BUILTIN_PROVIDERS, type ProviderType } from '../src/providers/registry.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost, SIM_KEY, useServers, useSimulator } from './harness.ts'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const track = useServers()

const PRESETS = ['groq', 'mistral', 'deepseek', 'ollama', 'vllm'] as const satisfies readonly ProviderType[]

async function start(): Promise<Running> {
  const lines = PRESETS.map((t) => `  ${t}: { type: ${t}, base_url: "${sim.url}/compatible/v1", api_key: ${SIM_KEY} }`)
  const configText = `providers:\n${lines.join('\n')}\n`
  const opts = { dbPath: ':memory:', configText, port: 0, env: {}, log: silentLogger, simulatorUrl: sim.url }
  return track(await startHeadroom(opts))
}

const HI = [{ role: 'user', content: 'reply: hi' }]
const chat = (hr: Running, body: object) =>
  rawPost(`${hr.url}/v1/chat/completions`, JSON.stringify({ messages: HI, ...body }))

/** The body the simulator received last. */
const sent = () => sim.log.at(-1)?.body as Record<string, unknown>

describe('OpenAI-compatible presets against the simulator', () => {
  it.each(PRESETS)('%s: a chat completion and a stream are served through the OpenAI adapter', async (type) => {
    const hr = await start()
    const model = `${type}/llama-3.3-70b`
    const r = await chat(hr, { model })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-target')).toBe(model)
    expect(JSON.parse(r.text)).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'hi' } }] })
    const path = '/compatible/v1/chat/completions'
    expect(sim.log.at(-1)).toMatchObject({ api: 'openai', path, model: 'llama-3.3-70b' })

    const s = await chat(hr, { model, stream: true })
    expect(s.status).toBe(200)
    expect(s.text).toContain('"content":"hi"')
    expect(s.text.trimEnd().endsWith('data: [DONE]')).toBe(true)
  })

  it('groq: logprobs are not sent, with a warning; n > 1 is a 400 naming n and groq; message names go', async () => {
    const hr = await start()
    const messages = [{ role: 'user', content: 'hi', name: 'ann' }]
    const r = await chat(hr, { model: 'groq/llama-3.3-70b', logprobs: true, messages })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toContain('logprobs is not supported by groq and was not sent')
    expect(r.headers.get('x-headroom-warning')).toContain('messages[].name is not supported by groq')
    expect(sent()).not.toHaveProperty('logprobs')
    expect(sent()['messages']).toEqual([{ role: 'user', content: 'hi' }])

    const calls = sim.log.length
    const n = await chat(hr, { model: 'groq/llama-3.3-70b', n: 2 })
    expect(n.status).toBe(400)
    expect(n.json.error).toMatchObject({ param: 'n', code: 'unsupported_parameter' })
    expect(n.json.error!.message).toContain('n = 2 is not supported by groq')
    expect(sim.log.length).toBe(calls)
  })

  it('mistral: seed is sent as random_seed, and a stream asks for no stream_options', async () => {
    const hr = await start()
    expect((await chat(hr, { model: 'mistral/mistral-small-latest', seed: 7 })).status).toBe(200)
    expect(sent()).toMatchObject({ random_seed: 7 })
    expect(sent()).not.toHaveProperty('seed')
    const stream_options = { include_usage: true }
    const s = await chat(hr, { model: 'mistral/mistral-small-latest', stream: true, stream_options })
    expect(s.status).toBe(200)
    expect(sent()).not.toHaveProperty('stream_options')
  })

  it('deepseek-reasoner: ignored sampling parameters are not sent, with a warning; deepseek-chat takes them', async () => {
    const hr = await start()
    const r = await chat(hr, { model: 'deepseek/deepseek-reasoner', temperature: 0.2 })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toContain('temperature is not supported by deepseek')
    expect(sent()).not.toHaveProperty('temperature')
    const chatModel = await chat(hr, { model: 'deepseek/deepseek-chat', temperature: 0.2 })
    expect(chatModel.headers.get('x-headroom-warning')).toBeNull()
    expect(sent()).toMatchObject({ temperature: 0.2 })
  })

  it('ollama: n > 1 is a 400; vllm: parallel_tool_calls false is not honoured, so it is named', async () => {
    const hr = await start()
    const n = await chat(hr, { model: 'ollama/llama3.2', n: 3 })
    expect(n.status).toBe(400)
    expect(n.json.error!.message).toContain('n = 3 is not supported by ollama')
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }]
    const v = await chat(hr, { model: 'vllm/qwen3-8b', tools, parallel_tool_calls: false })
    expect(v.status).toBe(200)
    expect(v.headers.get('x-headroom-warning')).toContain('parallel_tool_calls is not supported by vllm')
  })

  it('a bare id of a preset’s own family goes to it (mistral-…, deepseek-…)', async () => {
    const hr = await start()
    const target = async (model: string) => (await chat(hr, { model })).headers.get('x-headroom-target')
    expect(await target('mistral-large-latest')).toBe('mistral/mistral-large-latest')
    expect(await target('deepseek-chat')).toBe('deepseek/deepseek-chat')
  })
})

describe('presets in routes.yaml', () => {
  it('each has its documented default base URL', () => {
    expect(Object.fromEntries(PRESETS.map((t) => [t, BUILTIN_PROVIDERS.get(t).defaultBaseUrl]))).toEqual({
      groq: 'https://api.groq.com/openai/v1',
      mistral: 'https://api.mistral.ai/v1',
      deepseek: 'https://api.deepseek.com',
      ollama: 'http://localhost:11434/v1',
      vllm: 'http://localhost:8000/v1',
    })
  })

  it('without a key, the built-in simulator serves the type in OpenAI mode, any model id', async () => {
    const configText = 'providers:\n  groq: { type: groq }\n'
    const hr = track(await startHeadroom({ dbPath: ':memory:', configText, port: 0, env: {}, log: silentLogger }))
    const groq = hr.config.current().providers.get('groq')
    expect(groq).toMatchObject({ simulated: true, baseUrl: `${hr.simulator!.url}/compatible/v1` })
    const r = await chat(hr, { model: 'groq/llama-3.3-70b-versatile', seed: 1 })
    expect(r.status).toBe(200)
    const answer = { model: 'llama-3.3-70b-versatile', choices: [{ message: { content: 'hi' } }] }
    expect(JSON.parse(r.text)).toMatchObject(answer)
  })
})
