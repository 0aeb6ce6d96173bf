/**
 * `POST /v1/responses` end to end: the real `openai` SDK (`responses.create`, `responses.stream`) and the
 * Vercel AI SDK's OpenAI provider (which speaks the Responses API) against the real server and simulator,
 * with OpenAI, Anthropic and Gemini targets behind it — text, streams with their documented events, function
 * tools and their outputs, failover, spend rows and Headroom's headers — and hostile input answered in
 * OpenAI's error shape, never a 500: an unknown `previous_response_id` and a `conversation` are 400s naming
 * them. What is kept for later requests to refer to: e2e-responses-store.test.ts.
 */
import { createOpenAI } from '@ai-sdk/openai'
import { generateText, stepCountIs, streamText, tool } from 'ai'
import OpenAI from 'openai'
import type { FunctionTool, ResponseInputItem } from 'openai/resources/responses/responses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { rawPost, type Stack, startStack, testConfig } from './harness.ts'

const CLIENT_KEY = 'client-secret-resp-123'
const MODELS = ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash']

const ROUTES = `keys:
  - { name: team, key: ${CLIENT_KEY} }
routes:
  to-anthropic: { targets: [anthropic/claude-haiku-4-5] }
  mixed: { strategy: ordered, targets: [anthropic/claude-haiku-4-5, openai/gpt-4.1-mini] }
  openai-first: { strategy: ordered, targets: [openai-badkey/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
  anthropic-first: { strategy: ordered, targets: [anthropic-badkey/claude-haiku-4-5, google/gemini-2.5-flash] }
  gemini-first: { strategy: ordered, targets: [google-badkey/gemini-2.5-flash, openai/gpt-4.1-mini] }
  openai-first-stream: { strategy: ordered, targets: [openai-badkey/gpt-4.1-nano, anthropic/claude-haiku-4-5] }
  anthropic-first-stream: { strategy: ordered, targets: [anthropic-badkey/claude-sonnet-4-5, google/gemini-2.5-flash] }
  gemini-first-stream: { strategy: ordered, targets: [google-badkey/gemini-2.5-flash-lite, openai/gpt-4.1-mini] }
`

let stack: Stack
let client: OpenAI

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, ROUTES) })
  client = new OpenAI({ baseURL: `${stack.hr.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 })
})
afterAll(() => stack.close())

const WEATHER: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: false,
}

function rows(
  requestId: string,
): Array<{ outcome: string; stream: number; provider: string; completion_tokens: number }> {
  stack.hr.spend.flush()
  return stack.hr.db.sqlite.prepare('SELECT * FROM spend WHERE request_id = ? ORDER BY attempt').all(requestId) as never
}

describe.each(MODELS)('responses → %s', (model) => {
  it('create(): a Response object, output_text, headers and a spend row', async () => {
    const { data, response } = await client.responses
      .create({ model, input: 'reply: Hello from Headroom', instructions: 'Be brief.' })
      .withResponse()
    expect(data.object).toBe('response')
    expect(data.status).toBe('completed')
    // OpenAI is passed the client's body and its answer comes back as it came (the model as OpenAI names
    // it); the others' answers are translated, in the model the client asked for.
    expect(data.model).toBe(model.startsWith('openai/') ? 'gpt-4.1-mini-2025-04-14' : model)
    expect(data.output_text).toBe('Hello from Headroom')
    expect(data.instructions).toBe('Be brief.')
    expect(data.usage?.output_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-headroom-target')).toBe(model)
    expect(response.headers.get('x-headroom-attempts')).toBe('1')
    const r = rows(response.headers.get('x-request-id')!)
    expect(r).toHaveLength(1)
    expect(r[0]).toMatchObject({ outcome: 'ok', stream: 0, provider: model.split('/')[0] })
  })

  it('stream(): the documented event sequence, and the final response', async () => {
    const stream = client.responses.stream({ model, input: 'reply: one two three' })
    const types: string[] = []
    let text = ''
    for await (const e of stream) {
      types.push(e.type)
      if (e.type === 'response.output_text.delta') text += e.delta
    }
    const final = await stream.finalResponse()
    expect(text).toBe('one two three')
    expect(final.output_text).toBe('one two three')
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ])
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
  })

  it('a function call streamed, then its output sent back', async () => {
    const input: ResponseInputItem[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const stream = client.responses.stream({ model, input, tools: [WEATHER] })
    let args = ''
    for await (const e of stream) if (e.type === 'response.function_call_arguments.delta') args += e.delta
    const first = await stream.finalResponse()
    const call = first.output.find((o) => o.type === 'function_call')
    if (call?.type !== 'function_call') throw new Error('no function_call item')
    expect(call.name).toBe('get_weather')
    expect(JSON.parse(args)).toEqual(JSON.parse(call.arguments))
    const second = await client.responses.create({
      model,
      tools: [WEATHER],
      input: [...input, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":18}' }],
    })
    expect(second.output_text).toContain('18')
  })

  it('the Vercel AI SDK: generateText with a tool loop, and streamText', async () => {
    const openai = createOpenAI({ baseURL: `${stack.hr.url}/v1`, apiKey: CLIENT_KEY })
    // With store: false the SDK sends earlier output items whole (with it left on: e2e-responses-store.test.ts).
    const r = await generateText({
      model: openai(model),
      providerOptions: { openai: { store: false } },
      prompt: 'Weather in Paris?',
      tools: {
        get_weather: tool({
          description: 'Current weather for a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async () => ({ temp_c: 18 }),
        }),
      },
      stopWhen: stepCountIs(2),
    })
    expect(r.steps[0]?.toolCalls[0]?.toolName).toBe('get_weather')
    expect(r.text).toContain('18')
    const s = streamText({ model: openai(model), prompt: 'reply: streamed words here' })
    let text = ''
    for await (const t of s.textStream) text += t
    expect(text).toBe('streamed words here')
    expect((await s.usage).outputTokens).toBeGreaterThan(0)
  })
})

describe('responses: failover across providers', () => {
  it.each([
    ['openai-first', 'anthropic/claude-haiku-4-5'],
    ['anthropic-first', 'google/gemini-2.5-flash'],
    ['gemini-first', 'openai/gpt-4.1-mini'],
  ])('%s: a rejected key fails over to %s, one spend row per attempt', async (route, served) => {
    const plain = await client.responses.create({ model: route, input: 'reply: ok then' }).withResponse()
    expect(plain.data.output_text).toBe('ok then')
    // A rejected key cools its target for minutes: the stream goes through other bad-key targets.
    const streamed = await client.responses
      .create({ model: `${route}-stream`, input: 'reply: ok then', stream: true })
      .withResponse()
    let text = ''
    for await (const e of streamed.data) if (e.type === 'response.output_text.delta') text += e.delta
    expect(text).toBe('ok then')
    for (const { response } of [plain, streamed]) {
      expect(response.headers.get('x-headroom-target')).toBe(served)
      expect(response.headers.get('x-headroom-attempts')).toBe('2')
      expect(rows(response.headers.get('x-request-id')!).map((x) => x.outcome)).toEqual(['failed_over', 'ok'])
    }
  })
})

async function post(body: string, headers: Record<string, string> = {}) {
  return rawPost(`${stack.hr.url}/v1/responses`, body, {
    'content-type': 'application/json',
    authorization: `Bearer ${CLIENT_KEY}`,
    ...headers,
  })
}

const ok = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'openai/gpt-4.1-mini', input: 'hi', ...extra })

describe('responses: hostile input is a 4xx in OpenAI shape', () => {
  const cases: Array<[string, () => ReturnType<typeof post>, number, string | null]> = [
    ['invalid JSON', () => post('{"model":'), 400, null],
    ['a JSON string', () => post('"hi"'), 400, null],
    ['input of the wrong type', () => post(ok({ input: 42 })), 400, 'input'],
    ['an empty input', () => post(ok({ input: [] })), 400, 'input'],
    ['model missing', () => post(JSON.stringify({ input: 'hi' })), 400, 'model'],
    ['max_output_tokens a string', () => post(ok({ max_output_tokens: 'many' })), 400, 'max_output_tokens'],
    [
      'an unknown previous_response_id',
      () => post(ok({ previous_response_id: 'resp_123' })),
      400,
      'previous_response_id',
    ],
    ['conversation (not kept)', () => post(ok({ conversation: 'conv_123' })), 400, 'conversation'],
    ['an unknown model', () => post(ok({ model: 'nope/none' })), 404, 'model'],
    ['a model id with control characters', () => post(ok({ model: 'a\u0000b' })), 400, 'model'],
    ['no key', () => post(ok(), { authorization: '' }), 401, null],
    ['a body over the limit', () => post(ok({ instructions: 'x'.repeat(11 * 1024 * 1024) })), 413, null],
    ['a bad x-headroom-priority', () => post(ok(), { 'x-headroom-priority': 'now' }), 400, 'x-headroom-priority'],
    [
      'reasoning.effort not an effort (translated)',
      () => post(ok({ model: 'anthropic/claude-haiku-4-5', reasoning: { effort: 'ultra' } })),
      400,
      'reasoning.effort',
    ],
    [
      'tool parameters nested 5000 deep',
      () => {
        const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`
        const tool = `{"type":"function","name":"f","strict":false,"parameters":${deep}}`
        return post(`{"model":"anthropic/claude-haiku-4-5","input":"hi","tools":[${tool}]}`)
      },
      400,
      null,
    ],
    [
      'metadata of 17 pairs (translated)',
      () =>
        post(
          ok({
            model: 'anthropic/claude-haiku-4-5',
            metadata: Object.fromEntries([...'abcdefghijklmnopq'].map((k) => [k, 'v'])),
          }),
        ),
      400,
      'metadata',
    ],
    [
      'an item of no known type, on a route without OpenAI',
      () => post(ok({ model: 'to-anthropic', input: [{ type: 'frobnicate' }] })),
      400,
      'input[0].type',
    ],
    [
      'a built-in tool on a route without OpenAI',
      () => post(ok({ model: 'to-anthropic', tools: [{ type: 'web_search' }] })),
      400,
      'tools[0].type',
    ],
  ]
  it.each(cases)('%s', async (_name, send, status, param) => {
    const r = await send()
    expect(r.status).toBe(status)
    expect(r.json?.error?.message.length).toBeGreaterThan(0)
    expect(typeof r.json?.error?.type).toBe('string')
    if (param !== null) expect(r.json?.error?.param).toBe(param)
    expect(r.text).not.toContain(CLIENT_KEY)
  })

  it('what translation drops is named in x-headroom-warning; /responses without /v1 is the same endpoint', async () => {
    const body = ok({ model: 'anthropic/claude-haiku-4-5', input: 'reply: warned', store: true, top_logprobs: 2 })
    const r = await rawPost(`${stack.hr.url}/responses`, body, {
      'content-type': 'application/json',
      authorization: `Bearer ${CLIENT_KEY}`,
    })
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toContain('top_logprobs')
    // store: true is honoured (the response is kept), so not warned of.
    expect(r.headers.get('x-headroom-warning')).not.toContain('store')
    expect(JSON.parse(r.text)).toMatchObject({ object: 'response', status: 'completed', store: true })
  })

  it('an unknown previous_response_id is refused by name through the SDK too', async () => {
    const err = await client.responses
      .create({ model: 'openai/gpt-4.1-mini', input: 'x', previous_response_id: 'resp_1' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' })
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain(
      "Previous response with id 'resp_1' not found.",
    )
  })
})

describe('responses: a stream that fails after it began', () => {
  it('ends with error and response.failed, which the SDK raises', async () => {
    stack.sim.script('anthropic', 'claude-sonnet-4-5', [{ kind: 'cut', afterChunks: 4 }])
    const body = JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', input: 'tokens: 30', stream: true })
    const r = await post(body)
    expect(r.status).toBe(200)
    const events = [...r.text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])
    expect(events[0]).toBe('response.created')
    expect(events.slice(-2)).toEqual(['error', 'response.failed'])
    expect(events).not.toContain('response.completed')

    stack.sim.script('anthropic', 'claude-sonnet-4-5', [{ kind: 'cut', afterChunks: 4 }])
    const stream = client.responses.stream({ model: 'anthropic/claude-sonnet-4-5', input: 'tokens: 30' })
    await expect(stream.finalResponse()).rejects.toBeInstanceOf(OpenAI.APIError)
  })
})

describe('responses: passthrough to OpenAI', () => {
  const lastOpenAI = () => [...stack.sim.log].reverse().find((l) => l.api === 'openai')

  it("the client's body reaches OpenAI's /v1/responses as sent (model aside)", async () => {
    const body = { model: 'openai/gpt-4.1-mini', input: 'reply: as sent', store: false, top_logprobs: 2 }
    const r = await post(JSON.stringify(body))
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toBeNull()
    expect(JSON.parse(r.text)).toMatchObject({ object: 'response', output: [{ type: 'message' }] })
    expect(lastOpenAI()).toMatchObject({ path: '/v1/responses', body: { ...body, model: 'gpt-4.1-mini' } })
  })

  it('a request only the Responses API can serve (a built-in tool) skips the other targets; none left is a 400', async () => {
    const req = { input: 'reply: searched', tools: [{ type: 'web_search' as const }] }
    const { data, response } = await client.responses.create({ ...req, model: 'mixed' }).withResponse()
    expect(data.output_text).toBe('searched')
    expect(response.headers.get('x-headroom-target')).toBe('openai/gpt-4.1-mini')
    expect(response.headers.get('x-headroom-decision')).toContain(
      'anthropic#1/claude-haiku-4-5 (tools[0].type needs a target that takes openai-responses as sent)',
    )
    const err = await client.responses.create({ ...req, model: 'to-anthropic' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect((err as Error).message).toContain('tools[0].type needs a target that takes openai-responses as sent')
    // Why comes first: the translation's refusal, naming the parameter.
    expect((err as Error).message).toMatch(
      /^400 tools\[0\]\.type is not supported: .+\. No target of route "to-anthropic" takes openai-responses as sent: /,
    )
  })

  it('an item_reference Headroom does not hold for the key is a 400 naming it, even for OpenAI', async () => {
    const r = await post(ok({ input: [{ type: 'item_reference', id: 'msg_1' }] }))
    expect(r.status).toBe(400)
    expect(r.json?.error).toMatchObject({ code: 'item_not_found', param: 'input[0]' })
    expect(r.json?.error?.message).toContain("Item with id 'msg_1' not found.")
  })

  it('a passed-through stream cut after it began ends with an error event numbered after the last', async () => {
    stack.sim.script('openai', 'gpt-4.1-nano', [{ kind: 'cut', afterChunks: 6 }])
    const r = await post(ok({ model: 'openai/gpt-4.1-nano', input: 'tokens: 30', stream: true }))
    expect(r.status).toBe(200)
    const data = [...r.text.matchAll(/^data: (.+)$/gm)].map(
      (m) => JSON.parse(m[1]!) as { type: string; sequence_number: number },
    )
    expect(data[0]?.type).toBe('response.created')
    const last = data.at(-1)!
    expect(last.type).toBe('error')
    expect(last.sequence_number).toBe(data.at(-2)!.sequence_number + 1)
    expect(data.map((d) => d.type)).not.toContain('response.completed')
  })
})
