/**
 * `POST /v1/responses` held to OpenAI's reference, field by field, when Anthropic and Gemini serve it
 * (translated) and OpenAI (passed through): the Response object with the defaults OpenAI fills, input parts
 * (images by URL and inline, a PDF), the stream's numbering and the ids its events point at, and errors and
 * warnings naming the parameters as the client sent them. The flows themselves: e2e-responses.test.ts.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import OpenAI from 'openai'
import type { FunctionTool } from 'openai/resources/responses/responses'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PIXEL_PNG, rawPost, type Stack, startStack, testConfig, WEATHER_TOOL } from './harness.ts'

const CLIENT_KEY = 'client-secret-fidelity-1'
const MODELS = ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash']
const WEATHER: FunctionTool = { type: 'function', ...WEATHER_TOOL.function, strict: false }

let stack: Stack
let client: OpenAI

beforeAll(async () => {
  stack = await startStack({ config: (u) => testConfig(u, `keys:\n  - { name: team, key: ${CLIENT_KEY} }\n`) })
  client = new OpenAI({ baseURL: `${stack.hr.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 })
})
afterAll(() => stack.close())

const post = (body: string) =>
  rawPost(`${stack.hr.url}/v1/responses`, body, {
    'content-type': 'application/json',
    authorization: `Bearer ${CLIENT_KEY}`,
  })

describe.each(MODELS)('responses → %s: the Response object as OpenAI documents it', (model) => {
  it('every field a client reads, with the defaults OpenAI fills for a field left out', async () => {
    const data = await client.responses.create({ model, input: 'reply: fields' })
    expect(data.id).toMatch(/^resp_/)
    expect(typeof data.created_at).toBe('number')
    expect(data).toMatchObject({
      object: 'response',
      status: 'completed',
      error: null,
      incomplete_details: null,
      instructions: null,
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      temperature: 1,
      top_p: 1,
      metadata: {},
      text: { format: { type: 'text' } },
      previous_response_id: null,
      store: true,
    })
    const [item] = data.output
    if (item?.type !== 'message') throw new Error('no message item')
    expect(item.id).toMatch(/^msg_/)
    expect(item).toMatchObject({ role: 'assistant', status: 'completed' })
    expect(item.content[0]).toMatchObject({ type: 'output_text', text: 'fields', annotations: [] })
    // Output counts the reasoning in it (Gemini 2.5 thinks unasked), and the total both sides.
    const u = data.usage!
    expect(u.input_tokens_details.cached_tokens).toBe(0)
    expect(u.output_tokens_details.reasoning_tokens).toBeLessThan(u.output_tokens)
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens)
  })

  it('what the request set is echoed', async () => {
    const data = await client.responses.create({
      model,
      input: 'reply: echoed',
      temperature: 0.5,
      max_output_tokens: 64,
      metadata: { team: 'a' },
      parallel_tool_calls: false,
      tools: [WEATHER],
      tool_choice: { type: 'function', name: 'get_weather' },
    })
    expect(data).toMatchObject({
      temperature: 0.5,
      max_output_tokens: 64,
      metadata: { team: 'a' },
      parallel_tool_calls: false,
      tool_choice: { type: 'function', name: 'get_weather' },
      tools: [{ type: 'function', name: 'get_weather', strict: false }],
    })
  })
})

describe.each(MODELS)('responses → %s: input parts', (model) => {
  it('an image by URL and as a base64 data: URL, and a PDF as file_data', async () => {
    const pdf = `data:application/pdf;base64,${Buffer.from('%PDF-1.4\n%%EOF').toString('base64')}`
    const data = await client.responses.create({
      model,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'auto' },
            { type: 'input_image', image_url: PIXEL_PNG, detail: 'low' },
            { type: 'input_file', filename: 'a.pdf', file_data: pdf },
            { type: 'input_text', text: 'reply: seen them' },
          ],
        },
      ],
    })
    expect(data.output_text).toContain('seen them')
    if (!model.startsWith('anthropic/')) return
    const sent = [...stack.sim.log].reverse().find((l) => l.api === 'anthropic')?.body as { messages: unknown }
    expect(sent.messages).toMatchObject([
      { content: [{ type: 'image' }, { type: 'image' }, { type: 'document', title: 'a.pdf' }, { type: 'text' }] },
    ])
  })
})

describe.each(MODELS.filter((m) => !m.startsWith('openai/')))('responses → %s: the stream, field by field', (model) => {
  type Ev = { type: string; sequence_number: number; [k: string]: unknown }
  async function events(body: Record<string, unknown>): Promise<Ev[]> {
    const r = await post(JSON.stringify({ model, stream: true, ...body }))
    expect(r.status).toBe(200)
    const frames = r.text.split('\n\n').filter((f) => f.trim() !== '')
    return frames.map((f) => {
      const name = /^event: (.+)$/m.exec(f)?.[1]
      const data = JSON.parse(/^data: (.+)$/m.exec(f)![1]!) as Ev
      expect(data.type).toBe(name)
      return data
    })
  }

  /** What the reference requires of every stream: numbering, ids, and each item's events pointing at it. */
  function checkStream(evs: Ev[]): { id: string; final: Record<string, unknown> } {
    expect(evs.map((e) => e.sequence_number)).toEqual(evs.map((_, i) => i))
    expect(evs.slice(0, 2).map((e) => e.type)).toEqual(['response.created', 'response.in_progress'])
    const created = evs[0]!.response as { id: string; status: string; output: unknown[] }
    expect(created).toMatchObject({ object: 'response', status: 'in_progress', output: [] })
    const last = evs.at(-1)!
    expect(['response.completed', 'response.incomplete']).toContain(last.type)
    const final = last.response as { id: string; output: Array<{ id: string }> }
    expect(final.id).toBe(created.id)
    const items: string[] = []
    for (const e of evs) {
      if (e.type === 'response.output_item.added') {
        expect(e.output_index).toBe(items.length)
        items.push((e.item as { id: string }).id)
      } else if ('item_id' in e) {
        expect(e.item_id).toBe(items[e.output_index as number])
        if (e.type.includes('output_text') || e.type.includes('content_part')) expect(e.content_index).toBe(0)
      }
    }
    expect(final.output.map((o) => o.id)).toEqual(items)
    return { id: final.id, final: final as never }
  }

  it('text: deltas point at the message item and its part; the final response is what GET returns', async () => {
    const evs = await events({ input: 'reply: one two three' })
    const { id, final } = checkStream(evs)
    const added = evs.find((e) => e.type === 'response.output_item.added')?.item as { id: string }
    expect(added).toMatchObject({ type: 'message', status: 'in_progress', role: 'assistant', content: [] })
    expect(added.id).toMatch(/^msg_/)
    expect(evs.find((e) => e.type === 'response.output_text.done')).toMatchObject({ text: 'one two three' })
    expect(final).toMatchObject({
      status: 'completed',
      usage: { output_tokens_details: { reasoning_tokens: expect.any(Number) } },
    })
    const got = await fetch(`${stack.hr.url}/v1/responses/${id}`, {
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
    })
    expect(await got.json()).toEqual(final)
  })

  it('a function call: added with its call_id and name, arguments in deltas, done with them whole', async () => {
    const evs = await events({ input: 'Weather in Paris?', tools: [WEATHER], tool_choice: 'required' })
    checkStream(evs)
    const added = evs.find((e) => e.type === 'response.output_item.added')?.item as Record<string, string>
    expect(added).toMatchObject({ type: 'function_call', status: 'in_progress', name: 'get_weather', arguments: '' })
    expect(added['id']).toMatch(/^fc_/)
    expect(added['call_id']).toBeTruthy()
    const deltas = evs
      .filter((e) => e.type === 'response.function_call_arguments.delta')
      .map((e) => e.delta)
      .join('')
    const done = evs.find((e) => e.type === 'response.function_call_arguments.done')
    expect(done).toMatchObject({ item_id: added['id'], name: 'get_weather', arguments: deltas })
    expect(evs.findLast((e) => e.type === 'response.output_item.done')?.item).toMatchObject({
      id: added['id'],
      call_id: added['call_id'],
      status: 'completed',
      arguments: deltas,
    })
  })

  it('cut at max_output_tokens: response.incomplete with the reason, the item incomplete', async () => {
    const evs = await events({ input: 'tokens: 200', max_output_tokens: 16 })
    checkStream(evs)
    expect(evs.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    })
    expect(evs.findLast((e) => e.type === 'response.output_item.done')?.item).toMatchObject({ status: 'incomplete' })
  })
})

describe("responses: a translated request's errors name the client's parameters, not chat completions'", () => {
  const image = (url: string) => ({ type: 'input_image', image_url: url, detail: 'auto' })
  const file = { type: 'input_file', file_id: 'file-abc123' }
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    [
      'an image URL Anthropic cannot fetch, after instructions',
      'anthropic/claude-haiku-4-5',
      {
        instructions: 'Be brief.',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'x' }, image('ftp://a/b.png')] }],
      },
      'input[0].content[1].image_url',
    ],
    [
      'a file by id, which Gemini cannot read',
      'google/gemini-2.5-flash',
      {
        input: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'yes' },
          { role: 'user', content: [file] },
        ],
      },
      'input[2].content[0]',
    ],
    [
      'a tool whose parameters Anthropic cannot take',
      'anthropic/claude-haiku-4-5',
      { input: 'hi', tools: [{ type: 'function', name: 'f', parameters: { type: 'string' }, strict: false }] },
      'tools[0].parameters',
    ],
  ]
  it.each(cases)('%s', async (_name, model, body, param) => {
    const r = await post(JSON.stringify({ model, ...body }))
    expect(r.status).toBe(400)
    expect(r.json?.error?.param).toBe(param)
    expect(r.json?.error?.message).toContain(param)
    expect(r.json?.error?.message).not.toMatch(/messages\[|\.function\./)
  })

  it.each(['anthropic/claude-haiku-4-5', 'google/gemini-2.5-flash'])(
    'an input with nothing to answer, on %s: param input, the prose left as it was',
    async (model) => {
      const r = await post(JSON.stringify({ model, instructions: 'Be brief.', input: '' }))
      expect(r.status).toBe(400)
      expect(r.json?.error).toMatchObject({ param: 'input' })
      expect(r.json?.error?.message).toContain('besides system messages')
    },
  )

  it("a translation's warnings too: reasoning.effort, not reasoning_effort", async () => {
    const body = { model: 'google/gemini-2.0-flash', input: 'reply: ok', reasoning: { effort: 'low' } }
    const r = await post(JSON.stringify(body))
    expect(r.status).toBe(200)
    expect(r.headers.get('x-headroom-warning')).toContain('reasoning.effort is not supported by gemini-2.0-flash')
    expect(r.headers.get('x-headroom-warning')).not.toContain('reasoning_effort')
  })
})
