/**
 * `POST /v1/responses` keeps its answers (routes.yaml `server.responses`) for the client key that made them:
 * the Vercel AI SDK's default multi-step tool loop (`store` left on, so earlier output items go back as
 * `item_reference`s) and the openai SDK chaining turns by `previous_response_id`, against OpenAI (passed
 * through), Anthropic and Gemini (translated) targets of the simulator, over real HTTP. Another key's ids are
 * unknown; with `retention_s: 0` both are the 400s of a stateless endpoint.
 */
import { createOpenAI } from '@ai-sdk/openai'
import { generateText, stepCountIs, tool } from 'ai'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { Api } from '../src/simulator/types.ts'
import { openaiClient, rawPost, SIM_KEY, type Stack, startStack, testConfig } from './harness.ts'

const KEY_A = 'client-secret-store-a1'
const KEY_B = 'client-secret-store-b2'
const MODELS: Array<[string, Api]> = [
  ['openai/gpt-4.1-mini', 'openai'],
  ['anthropic/claude-haiku-4-5', 'anthropic'],
  ['google/gemini-2.5-flash', 'gemini'],
]

const KEYS = `keys:
  - { name: team-a, key: ${KEY_A} }
  - { name: team-b, key: ${KEY_B} }
`

let stack: Stack
let a: OpenAI
let b: OpenAI

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, KEYS) })
  a = openaiClient(stack.hr, KEY_A)
  b = openaiClient(stack.hr, KEY_B)
})
afterAll(() => stack.close())

/** The body the simulator last got for an API. */
const lastBody = (api: Api) => JSON.stringify([...stack.sim.log].reverse().find((l) => l.api === api)?.body)

describe.each(MODELS)('kept responses → %s', (model, api) => {
  it('the Vercel AI SDK: a tool loop with store left on (item_reference) completes', async () => {
    const openai = createOpenAI({ baseURL: `${stack.hr.url}/v1`, apiKey: KEY_A })
    const r = await generateText({
      model: openai(model),
      prompt: 'Weather in Paris?',
      tools: {
        get_weather: tool({
          description: 'Current weather for a city',
          inputSchema: z.object({ city: z.string() }),
          execute: async () => ({ temp_c: 18 }),
        }),
      },
      stopWhen: stepCountIs(3),
    })
    expect(r.steps[0]?.toolCalls[0]?.toolName).toBe('get_weather')
    expect(r.steps.length).toBeGreaterThanOrEqual(2)
    expect(r.text).toContain('18')
    // The reference reached the target as the item itself: the call the first step made.
    const sent = lastBody(api)
    expect(sent).not.toContain('item_reference')
    expect(sent).toContain('Paris')
  })

  it('the openai SDK: a streamed turn, then one chained to it by previous_response_id', async () => {
    const stream = a.responses.stream({ model, input: 'reply: The capital is Lyon', instructions: 'Be terse.' })
    const first = await stream.finalResponse()
    expect(first.output_text).toBe('The capital is Lyon')
    const second = await a.responses.create({ model, input: 'reply: noted', previous_response_id: first.id })
    expect(second.output_text).toBe('noted')
    // The target got the first turn's input and output before the second's; not its instructions.
    const sent = lastBody(api)
    expect(sent).toContain('reply: The capital is Lyon')
    expect(sent).toContain('reply: noted')
    expect(sent).not.toContain('Be terse.')
    // A third turn continues the whole chain.
    const third = await a.responses.create({ model, input: 'reply: again', previous_response_id: second.id })
    expect(third.output_text).toBe('again')
    expect(lastBody(api)).toContain('reply: The capital is Lyon')
    if (api !== 'openai') {
      // A translated answer says what it continued; OpenAI was sent the conversation, expanded, instead.
      expect(second.previous_response_id).toBe(first.id)
      expect((first as { store?: unknown }).store).toBe(true)
    }
  })

  it("another key's response and items are unknown", async () => {
    const mine = await a.responses.create({ model, input: 'reply: secret of team a' })
    const err = await b.responses
      .create({ model, input: 'reply: x', previous_response_id: mine.id })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err).toMatchObject({ status: 400, code: 'previous_response_not_found', param: 'previous_response_id' })
    expect((err as Error).message).toContain(`Previous response with id '${mine.id}' not found.`)
    const item = mine.output[0]!.id!
    const ref = await b.responses
      .create({
        model,
        input: [
          { type: 'item_reference', id: item },
          { role: 'user', content: 'reply: x' },
        ],
      })
      .catch((e: unknown) => e)
    expect(ref).toMatchObject({ status: 400, code: 'item_not_found', param: 'input[0]' })
  })
})

describe('kept responses: GET and DELETE /v1/responses/{id}', () => {
  it.each(MODELS)('%s: retrieved as created, by its key only; deleted, then a 404', async (model) => {
    const created = await a.responses.create({ model, input: 'reply: keep me' })
    const got = await a.responses.retrieve(created.id)
    expect(got.id).toBe(created.id)
    expect(got.output_text).toBe('keep me')
    expect(got.output).toEqual(created.output)
    await expect(b.responses.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    await expect(b.responses.delete(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    await a.responses.delete(created.id)
    await expect(a.responses.retrieve(created.id)).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining(`Response with id '${created.id}' not found.`),
    })
  })
})

describe('kept responses: what is not kept', () => {
  it('an input of the wrong type with a kept previous_response_id is still the 400 naming input', async () => {
    const first = await a.responses.create({ model: 'anthropic/claude-haiku-4-5', input: 'reply: first' })
    const body = JSON.stringify({ model: 'anthropic/claude-haiku-4-5', input: 42, previous_response_id: first.id })
    const r = await rawPost(`${stack.hr.url}/v1/responses`, body, {
      'content-type': 'application/json',
      authorization: `Bearer ${KEY_A}`,
    })
    expect(r.status).toBe(400)
    expect(r.json?.error?.param).toBe('input')
  })

  it('store: false keeps nothing to continue', async () => {
    const r = await a.responses.create({ model: 'anthropic/claude-haiku-4-5', input: 'reply: gone', store: false })
    expect((r as { store?: unknown }).store).toBe(false)
    const err = await a.responses
      .create({ model: 'anthropic/claude-haiku-4-5', input: 'reply: x', previous_response_id: r.id })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 400, code: 'previous_response_not_found' })
  })

  it('a translated response id is not the request id: not guessable from x-request-id', async () => {
    const { data, response } = await a.responses
      .create({ model: 'google/gemini-2.5-flash', input: 'reply: hi' })
      .withResponse()
    const requestId = response.headers.get('x-request-id')!
    expect(data.id.startsWith(`resp_${requestId.replace(/^req_/, '')}`)).toBe(true)
    expect(data.id.length).toBeGreaterThanOrEqual(`resp_${requestId}`.length + 16)
  })
})

describe('kept responses: retention_s 0', () => {
  let off: Stack
  beforeAll(async () => {
    off = await startStack({ config: (u) => testConfig(u, `${KEYS}server: { responses: { retention_s: 0 } }\n`) })
  })
  afterAll(() => off.close())

  it('the Vercel AI SDK tool loop with store left on fails: its item_reference is refused', async () => {
    const openai = createOpenAI({ baseURL: `${off.hr.url}/v1`, apiKey: KEY_A })
    const loop = generateText({
      model: openai('anthropic/claude-haiku-4-5'),
      prompt: 'Weather in Paris?',
      tools: { get_weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => ({ t: 18 }) }) },
      stopWhen: stepCountIs(3),
    })
    await expect(loop).rejects.toThrow(/item_reference/)
  })

  it.each([
    ['previous_response_id', { previous_response_id: 'resp_1' }, 'previous_response_id'],
    ['item_reference', { input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]'],
  ])('%s is a 400 naming it', async (_name, extra, param) => {
    for (const model of ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5']) {
      const body = JSON.stringify({ model, input: 'hi', ...extra })
      const r = await rawPost(`${off.hr.url}/v1/responses`, body, {
        'content-type': 'application/json',
        authorization: `Bearer ${KEY_A}`,
      })
      expect(r.status).toBe(400)
      expect(r.json?.error?.param).toBe(param)
      expect(r.json?.error?.message).toContain('retention_s is 0')
    }
  })
})

describe('kept responses: an open router', () => {
  let open: Stack
  beforeAll(async () => {
    const routes =
      'routes:\n  mixed: { strategy: ordered, targets: [anthropic/claude-haiku-4-5, openai/gpt-4.1-mini] }\n'
    open = await startStack({ config: (u) => testConfig(u, routes) })
  })
  afterAll(() => open.close())

  it('leaves a reference it does not hold to OpenAI targets (OpenAI may hold it); the others are skipped', async () => {
    const c = new OpenAI({ baseURL: `${open.hr.url}/v1`, apiKey: 'any', maxRetries: 0, timeout: 15_000 })
    // An item OpenAI itself holds: made there directly, not through Headroom.
    const direct = new OpenAI({ baseURL: `${open.sim.url}/v1`, apiKey: SIM_KEY, maxRetries: 0, timeout: 15_000 })
    const upstream = await direct.responses.create({ model: 'gpt-4.1-mini', input: 'reply: held by openai' })
    const input = [
      { type: 'item_reference' as const, id: upstream.output[0]!.id! },
      { role: 'user' as const, content: 'reply: resolved upstream' },
    ]
    const { data, response } = await c.responses.create({ model: 'mixed', input }).withResponse()
    expect(data.output_text).toBe('resolved upstream')
    expect(response.headers.get('x-headroom-target')).toBe('openai/gpt-4.1-mini')
    expect(response.headers.get('x-headroom-decision')).toContain('input[0] needs a target that takes openai-responses')
    const sent = [...open.sim.log].reverse().find((l) => l.api === 'openai')?.body
    expect(sent).toMatchObject({ input })
    // One OpenAI does not hold either is OpenAI's 404, passed on.
    const nowhere = [{ type: 'item_reference' as const, id: 'msg_held_nowhere' }, ...input.slice(1)]
    await expect(c.responses.create({ model: 'mixed', input: nowhere })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining("Item with id 'msg_held_nowhere' not found."),
    })
    // One it holds is resolved for any target.
    const kept = await c.responses.create({ model: 'anthropic/claude-haiku-4-5', input: 'reply: kept here' })
    const next = await c.responses.create({
      model: 'mixed',
      input: [
        { type: 'item_reference', id: kept.output[0]!.id! },
        { role: 'user', content: 'reply: fine' },
      ],
    })
    expect(next.output_text).toBe('fine')
  })
})
