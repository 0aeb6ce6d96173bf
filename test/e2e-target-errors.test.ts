/**
 * Failover into a target that cannot take a valid request: reasoning models' parameter rules, and the
 * 4xx answers that are about the target (a parameter it refuses, a prompt over its context, a model it
 * doesn't have) rather than the request. The shipped routes.yaml, served by the simulator with no keys.
 */
import { readFileSync } from 'node:fs'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import type { Fault } from '../src/simulator/types.ts'
import { startHeadroom } from '../src/start.ts'
import { drainText, rawPost, SIM_KEY, useServers, useSimulator, WEATHER_TOOL } from './harness.ts'

const SHIPPED = readFileSync(new URL('../routes.yaml', import.meta.url), 'utf8')

const sim = useSimulator()
const track = useServers()
afterEach(() => sim.configure('anthropic', 'claude-sonnet-4-5', { faultRates: {} }))

async function headroom(configText: string) {
  const hr = track(
    await startHeadroom({ dbPath: ':memory:', configText, port: 0, env: {}, log: silentLogger, simulatorUrl: sim.url }),
  )
  return { hr, client: new OpenAI({ baseURL: `${hr.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 15_000 }) }
}

type Body = Record<string, unknown>
const ask = (content = 'reply: ok', extra: Body = {}): Body => ({ messages: [{ role: 'user', content }], ...extra })

async function post(url: string, model: string, body: Body) {
  const r = await rawPost(`${url}/v1/chat/completions`, JSON.stringify({ model, ...body }))
  return {
    ...r,
    target: r.headers.get('x-headroom-target'),
    warning: r.headers.get('x-headroom-warning') ?? '',
    attempts: Number(r.headers.get('x-headroom-attempts')),
  }
}

async function breakerOf(url: string, stateId: string) {
  const state = (await (await fetch(`${url}/v1/routing/state`)).json()) as {
    targets: Array<{ id: string; state: { breaker: string; coolingUntil: number | null } | string }>
  }
  const s = state.targets.find((t) => t.id === stateId)!.state
  return typeof s === 'string' ? { breaker: 'closed', coolingUntil: null } : s
}

describe('shipped smart route, Anthropic overloaded: gpt-5 takes the request as a reasoning model can', () => {
  it('temperature 0.2 and max_tokens 100 are served 200 by gpt-5, with what was dropped or renamed in x-headroom-warning', async () => {
    const { hr } = await headroom(SHIPPED)
    sim.configure('anthropic', 'claude-sonnet-4-5', { faultRates: { overloaded: 1 } })
    const temp = await post(hr.url, 'smart', ask('reply: ok', { temperature: 0.2 }))
    expect(temp.status, temp.text).toBe(200)
    expect(temp.target).toBe('openai/gpt-5')
    expect(temp.warning).toMatch(/temperature/)
    const max = await post(hr.url, 'smart', ask('reply: ok', { max_tokens: 100 }))
    expect(max.status, max.text).toBe(200)
    expect(max.target).toBe('openai/gpt-5')
    expect(max.warning).toMatch(/max_tokens.*max_completion_tokens/)
    // What gpt-5 was sent: the cap under its new name, no temperature.
    const sent = sim.log.filter((l) => l.api === 'openai' && l.status === 200).map((l) => l.body as Body)
    expect(sent[0]).not.toHaveProperty('temperature')
    expect(sent[1]).toMatchObject({ max_completion_tokens: 100 })
    expect(sent[1]).not.toHaveProperty('max_tokens')
    expect(sim.stats({ api: 'gemini' })).toBe(0)
  })

  it('a stream with top_p and penalties is served by gpt-5 too', async () => {
    const { client } = await headroom(SHIPPED)
    sim.configure('anthropic', 'claude-sonnet-4-5', { faultRates: { overloaded: 1 } })
    const { data, response } = await client.chat.completions
      .create({
        model: 'smart',
        messages: [{ role: 'user', content: 'reply: hello there' }],
        stream: true,
        top_p: 0.5,
        presence_penalty: 0.3,
        frequency_penalty: 0.2,
        max_tokens: 50,
      })
      .withResponse()
    expect((await drainText(data)).text).toBe('hello there')
    expect(response.headers.get('x-headroom-target')).toBe('openai/gpt-5')
    const warning = response.headers.get('x-headroom-warning') ?? ''
    for (const p of ['top_p', 'presence_penalty', 'frequency_penalty', 'max_tokens']) expect(warning).toContain(p)
  })
})

describe('reasoning models requested directly', () => {
  it('openai/o4-mini with max_tokens, temperature, logprobs and parallel_tool_calls: 200, each named', async () => {
    const { hr } = await headroom(SHIPPED)
    const r = await post(
      hr.url,
      'openai/o4-mini',
      ask('reply: fine', {
        max_tokens: 100,
        temperature: 0.7,
        logprobs: true,
        top_logprobs: 2,
        logit_bias: { '50256': -100 },
        tools: [WEATHER_TOOL],
        parallel_tool_calls: false,
      }),
    )
    expect(r.status, r.text).toBe(200)
    for (const p of ['max_tokens', 'temperature', 'logprobs', 'top_logprobs', 'logit_bias', 'parallel_tool_calls'])
      expect(r.warning).toContain(p)
    const sent = sim.log.find((l) => l.api === 'openai')!.body as Body
    expect(Object.keys(sent).sort()).toEqual(['max_completion_tokens', 'messages', 'model', 'tools'])
  })

  it("the client's max_completion_tokens wins over max_tokens; defaults are dropped without a word", async () => {
    const { hr } = await headroom(SHIPPED)
    const r = await post(
      hr.url,
      'openai/gpt-5',
      ask('reply: fine', {
        max_tokens: 100,
        max_completion_tokens: 300,
        temperature: 1,
        top_p: 1,
        presence_penalty: 0,
        logprobs: false,
      }),
    )
    expect(r.status, r.text).toBe(200)
    expect(r.warning).toMatch(/max_tokens/)
    expect(r.warning).not.toMatch(/temperature|top_p|presence_penalty|logprobs/)
    expect(sim.log.find((l) => l.api === 'openai')!.body).toMatchObject({ max_completion_tokens: 300 })
  })

  it('a model the catalog does not know follows the rules by its id (o-series, gpt-5 family); -chat-latest does not', async () => {
    const { hr } = await headroom(
      `providers:\n  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }\n`,
    )
    sim.configure('openai', 'o9-preview', {})
    sim.configure('openai', 'gpt-5.9-chat-latest', {})
    const o = await post(hr.url, 'openai/o9-preview', ask('reply: ok', { max_tokens: 20, temperature: 0.3 }))
    expect(o.status, o.text).toBe(200)
    expect(o.warning).toMatch(/temperature/)
    const chat = await post(
      hr.url,
      'openai/gpt-5.9-chat-latest',
      ask('reply: ok', { max_tokens: 20, temperature: 0.3 }),
    )
    expect(chat.status, chat.text).toBe(200)
    expect(chat.warning).toBe('')
    expect(sim.log.at(-1)!.body).toMatchObject({ max_tokens: 20, temperature: 0.3 })
  })
})

/** The error bodies each provider sends when the target, not the request, is the problem. */
const TARGET_FAULTS: ReadonlyArray<[string, 'openai' | 'anthropic' | 'gemini', string, Fault, number, string | null]> =
  [
    // https://platform.openai.com/docs/guides/error-codes
    [
      'openai context_length_exceeded',
      'openai',
      'openai/gpt-4.1-mini',
      {
        kind: 'custom',
        status: 400,
        body: {
          error: {
            message:
              "This model's maximum context length is 1047576 tokens. However, your messages resulted in 1100000 tokens. Please reduce the length of the messages.",
            type: 'invalid_request_error',
            param: 'messages',
            code: 'context_length_exceeded',
          },
        },
      },
      400,
      'context_length_exceeded',
    ],
    [
      'openai unsupported_value',
      'openai',
      'openai/gpt-4.1-mini',
      {
        kind: 'custom',
        status: 400,
        body: {
          error: {
            message:
              "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
            type: 'invalid_request_error',
            param: 'temperature',
            code: 'unsupported_value',
          },
        },
      },
      400,
      'unsupported_value',
    ],
    // https://docs.claude.com/en/api/errors
    [
      'anthropic prompt is too long',
      'anthropic',
      'anthropic/claude-haiku-4-5',
      {
        kind: 'custom',
        status: 400,
        body: {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' },
        },
      },
      400,
      'invalid_request_error',
    ],
    // https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
    [
      'gemini input token count',
      'gemini',
      'google/gemini-2.5-flash',
      {
        kind: 'custom',
        status: 400,
        body: {
          error: {
            code: 400,
            message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
            status: 'INVALID_ARGUMENT',
          },
        },
      },
      400,
      null,
    ],
  ]

describe('a 4xx about the target fails over, trips no breaker and cools nothing', () => {
  it.each(TARGET_FAULTS)('%s', async (_name, api, first, fault, status, code) => {
    const second = api === 'openai' ? 'anthropic/claude-haiku-4-5' : 'openai/gpt-4.1-mini'
    const { hr } = await headroom(`providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, breaker: { volume_threshold: 2 } }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY}, breaker: { volume_threshold: 2 } }
  google: { type: gemini, base_url: "${sim.url}", api_key: ${SIM_KEY}, breaker: { volume_threshold: 2 } }
routes:
  r: { strategy: ordered, targets: [${first}, ${second}] }
  alone: { strategy: ordered, targets: [${first}] }
`)
    const model = first.split('/')[1]!
    sim.script(api, model, [fault, fault, fault, fault, fault])
    for (let i = 0; i < 4; i++) {
      const r = await post(hr.url, 'r', ask())
      expect(r.status, r.text).toBe(200)
      expect(r.target).toBe(second)
      expect(r.attempts).toBe(2) // tried again each time: the next request may fit
    }
    const s = await breakerOf(hr.url, `${first.split('/')[0]}#1/${model}`)
    expect(s).toMatchObject({ breaker: 'closed', coolingUntil: null })
    // The last (only) target: the client gets the error as the provider said it.
    const alone = await post(hr.url, 'alone', ask())
    expect(alone.status).toBe(status)
    expect(alone.json.error?.code ?? null).toBe(code)
    expect(sim.stats({ api, model })).toBe(5)
  })

  it.each([
    ['openai', 'openai/gpt-nonexistent', 'model_not_found'],
    ['anthropic', 'anthropic/claude-nonexistent', 'not_found_error'],
    ['gemini', 'google/gemini-nonexistent', 'model_not_found'],
  ] as const)(
    '%s: a model the provider does not have (404) fails over, breaker closed; alone, its 404 comes back',
    async (api, first, code) => {
      const second = api === 'openai' ? 'anthropic/claude-haiku-4-5' : 'openai/gpt-4.1-mini'
      const { hr } = await headroom(`providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY}, breaker: { volume_threshold: 2 } }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY}, breaker: { volume_threshold: 2 } }
  google: { type: gemini, base_url: "${sim.url}", api_key: ${SIM_KEY}, breaker: { volume_threshold: 2 } }
routes:
  r: { strategy: ordered, targets: [${first}, ${second}] }
`)
      for (let i = 0; i < 3; i++) {
        const r = await post(hr.url, 'r', ask())
        expect(r.status, r.text).toBe(200)
        expect(r.target).toBe(second)
        expect(r.attempts).toBe(2)
      }
      expect(await breakerOf(hr.url, `${first.split('/')[0]}#1/${first.split('/')[1]}`)).toMatchObject({
        breaker: 'closed',
        coolingUntil: null,
      })
      const direct = await post(hr.url, first, ask())
      expect(direct.status).toBe(404)
      expect(direct.json.error?.code).toBe(code)
    },
  )

  it('a 400 about the request itself still comes straight back, from the first target', async () => {
    const { hr } = await headroom(`providers:
  openai: { type: openai, base_url: "${sim.url}/v1", api_key: ${SIM_KEY} }
  anthropic: { type: anthropic, base_url: "${sim.url}", api_key: ${SIM_KEY} }
routes:
  r: { strategy: ordered, targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
`)
    const bad: Fault = {
      kind: 'custom',
      status: 400,
      body: {
        error: {
          message:
            "Invalid schema for function 'get_weather': In context=(), 'required' is required to be supplied and to be an array including every key in properties.",
          type: 'invalid_request_error',
          param: 'tools[0].function.parameters',
          code: 'invalid_function_parameters',
        },
      },
    }
    sim.script('openai', 'gpt-4.1-mini', [bad])
    const r = await post(hr.url, 'r', ask('reply: ok', { tools: [WEATHER_TOOL] }))
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ code: 'invalid_function_parameters', param: 'tools[0].function.parameters' })
    // And one the simulator finds itself: a tool_choice naming no tool.
    const r2 = await post(
      hr.url,
      'r',
      ask('reply: ok', { tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'nope' } } }),
    )
    expect(r2.status).toBe(400)
    expect(sim.stats({ api: 'anthropic' })).toBe(0)
  })
})
