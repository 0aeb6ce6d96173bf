/**
 * The endpoints around a kept response, with the openai SDK over real HTTP against the simulator:
 * `GET /v1/responses/{id}/input_items` (paged as the SDK pages it), `POST /v1/responses/{id}/cancel` (Headroom
 * runs nothing in the background), and `GET /v1/responses/{id}?stream=true`
 * (the kept response replayed as its event stream, resumable with `starting_after`). Hostile queries are 4xx in OpenAI's shape.
 */
import OpenAI from 'openai'
import type { ResponseStreamEvent } from 'openai/resources/responses/responses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openaiClient, type Stack, startStack, testConfig } from './harness.ts'

const KEY_A = 'client-secret-endpoints-a1'
const KEY_B = 'client-secret-endpoints-b2'
const KEYS = `keys:
  - { name: team-a, key: ${KEY_A} }
  - { name: team-b, key: ${KEY_B} }
`
const MODELS = ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash']

let stack: Stack
/** Team a's client and team b's. */
let [a, b] = [] as unknown as [OpenAI, OpenAI]

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, KEYS) })
  ;[a, b] = [openaiClient(stack.hr, KEY_A), openaiClient(stack.hr, KEY_B)]
})
afterAll(() => stack.close())

const get = async (path: string, key = KEY_A) => {
  const res = await fetch(`${stack.hr.url}${path}`, { headers: { authorization: `Bearer ${key}` } })
  return {
    status: res.status,
    json: (await res.json()) as { error?: Record<string, unknown> } & Record<string, unknown>,
  }
}

describe.each(MODELS)('GET /v1/responses/{id}/input_items → %s', (model) => {
  it('lists the input items with ids, newest first, paged by the SDK', async () => {
    const first = await a.responses.create({ model, input: 'reply: one', instructions: 'Be terse.' })
    const second = await a.responses.create({
      model,
      previous_response_id: first.id,
      input: [
        { role: 'user', content: 'reply: two' },
        { role: 'user', content: [{ type: 'input_text', text: 'and three' }] },
      ],
    })
    const page = await a.responses.inputItems.list(second.id)
    expect(page.has_more).toBe(false)
    // Newest first: this request's own items, then the previous response's output, then its input.
    const texts = page.data.map((i) => JSON.stringify(i))
    expect(texts).toHaveLength(4)
    expect(page.data[0]).toMatchObject({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'and three' }],
    })
    expect(page.data[1]).toMatchObject({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'reply: two' }],
    })
    expect(page.data[2]).toEqual(first.output[0])
    expect(page.data[3]).toMatchObject({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'reply: one' }],
    })
    for (const item of page.data) expect((item as { id?: string }).id).toMatch(/^[a-z]+_\w+$/)
    expect(new Set(page.data.map((i) => (i as { id: string }).id)).size).toBe(4)
    const raw = await get(`/v1/responses/${second.id}/input_items`)
    expect(raw.json).toEqual({
      object: 'list',
      data: page.data,
      first_id: (page.data[0] as { id: string }).id,
      last_id: (page.data[3] as { id: string }).id,
      has_more: false,
    })
    // The instructions are not an input item (as on OpenAI).
    expect(texts.join()).not.toContain('Be terse.')

    // Auto-pagination with limit 2, in both orders, gives every item once.
    const desc: string[] = []
    for await (const item of a.responses.inputItems.list(second.id, { limit: 2 }))
      desc.push((item as { id: string }).id)
    expect(desc).toEqual(page.data.map((i) => (i as { id: string }).id))
    const asc: string[] = []
    for await (const item of a.responses.inputItems.list(second.id, { limit: 3, order: 'asc' }))
      asc.push((item as { id: string }).id)
    expect(asc).toEqual([...desc].reverse())
    const one = await a.responses.inputItems.list(second.id, { limit: 1, include: ['message.input_image.image_url'] })
    expect(one.data).toHaveLength(1)
    expect(one.has_more).toBe(true)
  })

  it('a tool call and its output sent without ids get ids of their kind; their fields stay as sent', async () => {
    const input = [
      { role: 'user' as const, content: 'Weather in Paris?' },
      { type: 'function_call' as const, call_id: 'call_a1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output' as const, call_id: 'call_a1', output: '{"temp_c":21}' },
    ]
    const tools = [{ type: 'function' as const, name: 'get_weather', strict: false, parameters: { type: 'object' } }]
    const r = await a.responses.create({ model, input, tools, tool_choice: 'none' })
    const { data } = await a.responses.inputItems.list(r.id, { order: 'asc' })
    expect(data).toMatchObject([{ type: 'message' }, input[1], input[2]])
    expect(data.map((i) => (i as { id: string }).id.split('_')[0])).toEqual(['msg', 'fc', 'fco'])
  })

  it("another key's response is unknown, as is an unknown id", async () => {
    const mine = await a.responses.create({ model, input: 'reply: secret' })
    await expect(b.responses.inputItems.list(mine.id)).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining(`Response with id '${mine.id}' not found.`),
    })
    await expect(a.responses.inputItems.list('resp_unknown')).rejects.toBeInstanceOf(OpenAI.NotFoundError)
  })
})

describe('GET /v1/responses/{id}/input_items: hostile queries', () => {
  let id: string
  beforeAll(async () => {
    id = (await a.responses.create({ model: 'anthropic/claude-haiku-4-5', input: 'reply: x' })).id
  })

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=x', 'limit'],
    ['limit=1.5', 'limit'],
    ['order=sideways', 'order'],
    ['after=a…(5000)', 'after'],
    ['after=msg_not_in_it', 'after'],
    ['include[]=nonsense', 'include'],
  ])('%s is a 400 naming %s', async (query, param) => {
    const q = query.replace('a…(5000)', 'a'.repeat(5000))
    const r = await get(`/v1/responses/${id}/input_items?${q}`)
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param })
    expect(String(r.json.error?.['message'])).not.toContain('a'.repeat(300))
  })

  it('an id too long or of odd characters is the 404, not echoed', async () => {
    const r = await get(`/v1/responses/${'r'.repeat(5000)}/input_items`)
    expect(r.status).toBe(404)
    expect(r.json.error).toMatchObject({ message: 'Response not found.', type: 'invalid_request_error' })
  })
})

describe('POST /v1/responses/{id}/cancel', () => {
  it("is OpenAI's 400 for a response not made in the background; 404 for an unknown or another key's id", async () => {
    const r = await a.responses.create({ model: 'google/gemini-2.5-flash', input: 'reply: done' })
    const err = await a.responses.cancel(r.id).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error' })
    expect((err as Error).message).toContain('Cannot cancel a synchronous response.')
    await expect(b.responses.cancel(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    await expect(a.responses.cancel('resp_nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError)
  })

  it('background: true on create is a 400 naming background', async () => {
    const err = await a.responses
      .create({ model: 'anthropic/claude-haiku-4-5', input: 'hi', background: true })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 400, param: 'background' })
  })
})

const WEATHER = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
}

/** The events the SDK reads from `retrieve(id, { stream: true })`, with the query given. */
async function replay(id: string, query: { starting_after?: number } = {}) {
  const events: ResponseStreamEvent[] = []
  for await (const e of await a.responses.retrieve(id, { stream: true, ...query })) events.push(e)
  return events
}

describe.each(MODELS)('GET /v1/responses/{id}?stream=true → %s', (model) => {
  it('replays a kept text answer as its events, numbered from 0, ending with the kept response', async () => {
    const r = await a.responses.create({ model, input: 'reply: kept words' })
    const kept = await a.responses.retrieve(r.id)
    const events = await replay(r.id)
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
    expect(events[0]).toMatchObject({ response: { id: r.id, status: 'in_progress', output: [] } })
    const message = kept.output[0]!
    expect(events[4]).toMatchObject({ item_id: message.id, output_index: 0, content_index: 0, delta: 'kept words' })
    expect(events[7]).toMatchObject({ item: message })
    // The SDK adds output_text to the JSON retrieval only.
    const { output_text: _, ...wire } = kept
    expect((events.at(-1) as { response: unknown }).response).toEqual(wire)
  })

  it('replays a tool call: its arguments as one delta, then done', async () => {
    const r = await a.responses.create({ model, input: 'call: get_weather', tools: [WEATHER], tool_choice: 'required' })
    const kept = await a.responses.retrieve(r.id)
    const call = kept.output.find((i) => i.type === 'function_call')!
    expect(call).toBeDefined()
    const events = await replay(r.id)
    const at = events.findIndex((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call')
    expect(events.slice(at, at + 4).map((e) => e.type)).toEqual([
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
    ])
    expect(events[at + 1]).toMatchObject({ item_id: call.id, delta: call.arguments })
    expect(events[at + 2]).toMatchObject({ item_id: call.id, arguments: call.arguments })
    expect(events[at + 3]).toMatchObject({ item: call })
    expect(events.at(-1)?.type).toBe('response.completed')
  })

  it('starting_after resumes after a sequence number; a bad one is a 400 naming it', async () => {
    const r = await a.responses.create({ model, input: 'reply: resumed' })
    const all = await replay(r.id)
    const rest = await replay(r.id, { starting_after: 4 })
    expect(rest).toEqual(all.slice(5))
    expect(await replay(r.id, { starting_after: all.length - 1 })).toEqual([])
    for (const bad of ['-1', 'x', '1.5']) {
      const res = await get(`/v1/responses/${r.id}?stream=true&starting_after=${bad}`)
      expect(res.status).toBe(400)
      expect(res.json.error).toMatchObject({ param: 'starting_after' })
    }
  })
})

describe('GET /v1/responses/{id}?stream=…', () => {
  it("is another key's or an unknown id's 404, JSON for stream=false, a 400 for an odd stream", async () => {
    const r = await a.responses.create({ model: 'anthropic/claude-haiku-4-5', input: 'reply: kept' })
    await expect(b.responses.retrieve(r.id, { stream: true })).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    await expect(a.responses.retrieve('resp_nope', { stream: true })).rejects.toBeInstanceOf(OpenAI.NotFoundError)
    expect((await a.responses.retrieve(r.id, { stream: false })).id).toBe(r.id)
    const odd = await get(`/v1/responses/${r.id}?stream=maybe`)
    expect(odd.status).toBe(400)
    expect(odd.json.error).toMatchObject({ param: 'stream' })
  })
})
