/**
 * End to end: a body OpenAI rejects gets OpenAI's 400 from Headroom whichever provider the route would
 * use — Anthropic and Gemini, which would have served it, included — and nothing is sent upstream. So
 * failover can never turn the same request from 200 into 400. Each corrected body is served by all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawPost, type Stack, startStack, testConfig } from './harness.ts'
import { REJECTIONS, REPRODUCTIONS } from './openai-rejections.ts'

let stack: Stack
let url: string
beforeAll(async () => {
  stack = await startStack({
    config: (sim) =>
      testConfig(
        sim,
        `routes:
  via-anthropic: { targets: [anthropic/claude-haiku-4-5, openai/gpt-4.1-mini] }
  via-gemini: { targets: [google/gemini-2.5-flash, openai/gpt-4.1-mini] }
  via-openai: { targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
`,
      ),
  })
  url = `${stack.hr.url}/v1/chat/completions`
})
afterAll(async () => {
  await stack?.close()
})

const ROUTES = ['via-anthropic', 'via-gemini', 'via-openai']
const send = (model: string, body: Record<string, unknown>) =>
  rawPost(url, JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body, model }))

describe('OpenAI’s rules, whatever the target', () => {
  it.each(REPRODUCTIONS.map((r) => [r.name, r] as const))(
    '%s: the same 400 from every route, nothing sent upstream',
    async (_n, r) => {
      const before = stack.sim.stats()
      for (const model of ROUTES) {
        const res = await send(model, r.body)
        expect([model, res.status, res.json.error]).toEqual([
          model,
          400,
          { type: 'invalid_request_error', param: r.param, code: r.code, message: r.message },
        ])
      }
      expect(stack.sim.stats()).toBe(before)
    },
  )

  it('the whole class is answered at the edge on Anthropic and Gemini routes', async () => {
    const before = stack.sim.stats()
    for (const model of ['via-anthropic', 'via-gemini']) {
      for (const r of REJECTIONS) {
        const res = await send(model, r.body)
        expect([
          r.name,
          model,
          res.status,
          res.json.error?.param,
          res.json.error?.code,
          res.json.error?.message,
        ]).toEqual([r.name, model, 400, r.param, r.code, r.message])
      }
    }
    expect(stack.sim.stats()).toBe(before)
  })

  const CALL = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }
  const TOOL = {
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  }
  it.each([
    ['stream_options with stream: true', { stream: true, stream_options: { include_usage: true } }],
    ['four stop sequences', { stop: ['a', 'b', 'c', 'd'] }],
    ['logit_bias keyed by token id', { logit_bias: { '50256': -100 } }],
    [
      'json_object with JSON mentioned',
      { messages: [{ role: 'user', content: 'Reply in JSON: hi' }], response_format: { type: 'json_object' } },
    ],
    [
      'every tool call answered',
      {
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [CALL] },
          { role: 'tool', tool_call_id: 'call_1', content: '21C' },
        ],
        tools: [TOOL],
      },
    ],
  ] as const)('corrected, %s is served by every route', async (_n, body) => {
    for (const model of ROUTES) {
      const res = await send(model, body)
      expect([model, res.status]).toEqual([model, 200])
    }
  })
})

describe('reasoning_effort outside OpenAI’s values', () => {
  const message =
    "Invalid value: 'ultra'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'."
  it.each([
    'anthropic/claude-haiku-4-5',
    'google/gemini-2.5-flash',
    // Refused where it is read, not failed over: the OpenAI chat model behind would drop it unread.
    'via-anthropic',
  ])('%s: OpenAI’s 400 naming reasoning_effort, nothing sent upstream', async (model) => {
    const before = stack.sim.stats()
    const res = await send(model, { reasoning_effort: 'ultra' })
    expect([res.status, res.json.error]).toEqual([
      400,
      { type: 'invalid_request_error', param: 'reasoning_effort', code: 'invalid_value', message },
    ])
    expect(stack.sim.stats()).toBe(before)
    expect((await send(model, { reasoning_effort: 'high' })).status).toBe(200)
  })
})
