import type OpenAI from 'openai'
import { APIError } from 'openai'
import { describe, expect, it } from 'vitest'
import type { Simulator } from './index.ts'
import { LONG_TEXT, openaiClient, PNG_1X1, rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
let client: OpenAI

useFileSimulator(13, (s) => {
  sim = s
  client = openaiClient(s)
})

const AUTH = { authorization: 'Bearer sk-test' }
const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  strict: true,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
}

type Params = OpenAI.Responses.ResponseCreateParamsNonStreaming
/** A response from gpt-4o unless the params name another model. */
const create = (params: Params) => client.responses.create({ model: 'gpt-4o', ...params })
const JSON_OBJECT = { format: { type: 'json_object' as const } }
const NO_ERROR = { error: { message: '', type: '', param: null, code: null } }

async function apiError(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(APIError)
  return err as APIError
}

interface Raw {
  status: number
  headers: Headers
  text: string
  json: { error: { message: string; type: string; param: string | null; code: string | null } }
}

async function post(body: unknown): Promise<Raw> {
  const r = await rawPost(`${sim.url}/v1/responses`, body, AUTH)
  return { ...r, json: r.text.startsWith('{') ? JSON.parse(r.text) : NO_ERROR }
}

interface Event {
  type: string
  sequence_number: number
  [k: string]: unknown
}

/** The named events of a raw stream: `event:` line and `data:` JSON must agree. */
function events(text: string): Event[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const m = /^event: (\S+)\ndata: (.*)$/s.exec(block)
      expect(m, block).not.toBeNull()
      const data = JSON.parse((m as RegExpExecArray)[2] as string) as Event
      expect(data.type).toBe((m as RegExpExecArray)[1])
      return data
    })
}

describe('OpenAI Responses via the openai SDK', () => {
  it('answers a string input with a completed response, usage, the dated model and resp_ ids', async () => {
    const req = { model: 'gpt-4.1-mini', input: 'Say something' }
    const { data, response } = await client.responses.create(req).withResponse()
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect(data.id).toMatch(/^resp_[0-9a-f]{48}$/)
    expect(data.object).toBe('response')
    expect(data.status).toBe('completed')
    expect(data.model).toBe('gpt-4.1-mini-2025-04-14')
    expect(data.output).toHaveLength(1)
    const msg = data.output[0] as OpenAI.Responses.ResponseOutputMessage
    expect(msg.id).toMatch(/^msg_[0-9a-f]{48}$/)
    expect([msg.type, msg.role, msg.status]).toEqual(['message', 'assistant', 'completed'])
    expect(data.output_text.split(' ')).toHaveLength(16)
    expect(data.usage).toMatchObject({ output_tokens: 16, output_tokens_details: { reasoning_tokens: 0 } })
    expect(data.usage?.total_tokens).toBe((data.usage?.input_tokens ?? 0) + 16)
    const echoed = { store: true, previous_response_id: null, text: { format: { type: 'text' } }, tools: [] }
    expect(data).toMatchObject(echoed)
    const again = await client.responses.create(req)
    expect(again.output_text).toBe(data.output_text)
    expect(again.id).not.toBe(data.id)
  })

  it('counts input tokens as chat completions does for the same conversation', async () => {
    const input: OpenAI.Responses.ResponseInput = [
      { role: 'user', content: [{ type: 'input_text', text: 'reply: fine thanks' }] },
    ]
    const r = await create({ instructions: 'Be brief.', input })
    expect(r.output_text).toBe('fine thanks')
    expect(r.instructions).toBe('Be brief.')
    const chat = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'reply: fine thanks' },
      ],
    })
    expect(r.usage?.input_tokens).toBe(chat.usage?.prompt_tokens)
    expect(r.usage?.output_tokens).toBe(chat.usage?.completion_tokens)
  })

  it('reads images (85 tokens each, bytes checked) and reports cached input on a repeated long prefix', async () => {
    const image_url = `data:image/png;base64,${PNG_1X1}`
    const image = { type: 'input_image' as const, detail: 'auto' as const, image_url }
    const input = [{ role: 'user' as const, content: [image, { type: 'input_text' as const, text: 'what?' }] }]
    const seen = await create({ input })
    expect(seen.output_text).toMatch(/^I see 1 image\./)
    const plain = await create({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'what?' }] }] })
    expect((seen.usage?.input_tokens ?? 0) - (plain.usage?.input_tokens ?? 0)).toBe(85)
    const bad = { ...image, image_url: 'data:image/png;base64,aGVsbG8=' }
    const e = await apiError(create({ input: [{ role: 'user', content: [bad] }] }))
    expect(e.code).toBe('invalid_image_format')

    const first = await create({ instructions: LONG_TEXT, input: 'first' })
    expect(first.usage?.input_tokens_details.cached_tokens).toBe(0)
    const second = await create({ instructions: LONG_TEXT, input: 'second' })
    const cached = second.usage?.input_tokens_details.cached_tokens ?? 0
    expect(cached).toBeGreaterThanOrEqual(1024)
    expect(cached % 128).toBe(0)
  })

  it('streams named events numbered from 0, deltas word by word, ending in response.completed', async () => {
    const input = 'reply: Hello there, streaming world!'
    const stream = await client.responses.create({ model: 'gpt-4.1', input, stream: true })
    const seen: OpenAI.Responses.ResponseStreamEvent[] = []
    for await (const e of stream) seen.push(e)
    expect(seen.map((e) => e.sequence_number)).toEqual(seen.map((_e, i) => i))
    expect(seen.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array(4).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    const deltas = seen.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []))
    expect(deltas).toEqual(['Hello', ' there,', ' streaming', ' world!'])
    const created = seen[0] as OpenAI.Responses.ResponseCreatedEvent
    expect(created.response).toMatchObject({ status: 'in_progress', output: [], usage: null })
    const done = seen[seen.length - 1] as OpenAI.Responses.ResponseCompletedEvent
    expect(done.response.id).toBe(created.response.id)
    expect(done.response.usage?.output_tokens).toBe(4)

    const raw = await rawPost(`${sim.url}/v1/responses`, { model: 'gpt-4.1', input: 'reply: a b', stream: true }, AUTH)
    expect(raw.headers.get('content-type')).toContain('text/event-stream')
    expect(events(raw.text).map((e) => e.type)).toContain('response.completed')
    expect(raw.text).not.toContain('[DONE]')
  })

  it('responses.stream().finalResponse() reassembles the answer the SDK way', async () => {
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'reply: one two three' })
    const deltas: string[] = []
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta))
    const final = await stream.finalResponse()
    expect(deltas).toEqual(['one', ' two', ' three'])
    expect(final.output_text).toBe('one two three')
    expect(final.status).toBe('completed')
  })

  it('calls a function tool, then answers its function_call_output after previous_response_id', async () => {
    const first = await create({ input: 'Weather in Paris?', tools: [weather] })
    expect(first.output).toHaveLength(1)
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' })
    expect(call.id).toMatch(/^fc_[0-9a-f]{48}$/)
    expect(call.call_id).toMatch(/^call_/)
    const args = JSON.parse(call.arguments) as { city: unknown; unit: unknown }
    expect(typeof args.city).toBe('string')
    expect(['c', 'f']).toContain(args.unit)
    expect(first.tools).toEqual([{ ...weather, description: null }])

    const output = { type: 'function_call_output' as const, call_id: call.call_id, output: '{"temp":21}' }
    const second = await create({ previous_response_id: first.id, input: [output], tools: [weather] })
    expect(second.output_text).toBe('Tool get_weather returned: {"temp":21}')
    expect(second.previous_response_id).toBe(first.id)
    expect(second.usage?.input_tokens).toBeGreaterThan(first.usage?.input_tokens ?? 0)

    // The same conversation sent whole, without the stored response, reads the same and costs the same.
    const replay = await client.responses.create({
      model: 'gpt-4o',
      input: [{ role: 'user', content: 'Weather in Paris?' }, call, output],
      tools: [weather],
    })
    expect(replay.output_text).toBe(second.output_text)
    expect(replay.usage?.input_tokens).toBe(second.usage?.input_tokens)
  })

  it('streams a function call as argument deltas that the SDK reassembles', async () => {
    const params = { model: 'gpt-4o', input: 'Weather?', tools: [weather], tool_choice: 'required' as const }
    const stream = client.responses.stream(params)
    const types: string[] = []
    stream.on('event', (e) => types.push(e.type))
    const final = await stream.finalResponse()
    const call = final.output[0] as OpenAI.Responses.ResponseFunctionToolCall
    expect(JSON.parse(call.arguments)).toHaveProperty('city')
    expect(types.filter((t) => t === 'response.function_call_arguments.delta').length).toBeGreaterThan(1)
    const ending = ['response.function_call_arguments.done', 'response.output_item.done', 'response.completed']
    expect(types.slice(-3)).toEqual(ending)
  })

  it('answers JSON for text.format json_schema and json_object (which needs the word json)', async () => {
    const properties = { n: { type: 'integer' } }
    const schema = { type: 'object', properties, required: ['n'], additionalProperties: false }
    const format = { type: 'json_schema' as const, name: 'count', schema, strict: true }
    const r = await create({ input: 'count', text: { format } })
    expect(Number.isInteger((JSON.parse(r.output_text) as { n: unknown }).n)).toBe(true)
    expect(r.text?.format).toEqual(format)
    const o = await create({ input: 'answer in JSON', text: JSON_OBJECT })
    expect(JSON.parse(o.output_text)).toHaveProperty('answer')
    const e = await apiError(create({ input: 'hi', text: JSON_OBJECT }))
    expect(e.status).toBe(400)
    expect(e.message).toContain("must contain the word 'json'")
  })

  it('reasoning models spend tokens by effort, report a reasoning item, and stop at max_output_tokens', async () => {
    const low = await client.responses.create({ model: 'o4-mini', input: 'think', reasoning: { effort: 'low' } })
    const high = await client.responses.create({ model: 'o4-mini', input: 'think', reasoning: { effort: 'high' } })
    expect(low.output.map((o) => o.type)).toEqual(['reasoning', 'message'])
    expect(low.output[0]?.id).toMatch(/^rs_[0-9a-f]{48}$/)
    expect(low.usage?.output_tokens_details.reasoning_tokens).toBe(16)
    expect(high.usage?.output_tokens_details.reasoning_tokens).toBe(64)
    expect(high.reasoning).toEqual({ effort: 'high', summary: null })

    // Reasoning comes first and counts against the cap: 32 tokens of it leave no room for an answer.
    const capped = await client.responses.create({ model: 'o4-mini', input: 'think', max_output_tokens: 32 })
    expect(capped.status).toBe('incomplete')
    expect(capped.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    expect(capped.usage?.output_tokens).toBe(32)
    expect(capped.output.map((o) => o.type)).toEqual(['reasoning'])
    const cut = await client.responses.create({ model: 'o4-mini', input: 'think', max_output_tokens: 40 })
    const shapes = cut.output.map((o) => [o.type, 'status' in o ? o.status : null])
    expect(shapes).toEqual([
      ['reasoning', null],
      ['message', 'incomplete'],
    ])
    expect(cut.output_text.split(' ')).toHaveLength(8)
    const raw = await post({ model: 'gpt-4o', input: 'tokens: 30', max_output_tokens: 16, stream: true })
    const last = events(raw.text).pop() as Event
    expect(last.type).toBe('response.incomplete')
  })
})

describe('OpenAI Responses errors', () => {
  it('400s in the real API words for bad input', async () => {
    const MISSING = 'missing_required_parameter'
    const user = (content: unknown) => [{ role: 'user', content }]
    // [fields over { model: 'gpt-4o', input: 'x' }, param, code, a piece of the message]
    const cases: Array<[Record<string, unknown>, string | null, string | null, string]> = [
      [{ model: undefined }, 'model', MISSING, "Missing required parameter: 'model'."],
      [{ input: undefined }, 'input', MISSING, "Missing required parameter: 'input'."],
      [{ input: null }, 'input', MISSING, "Missing required parameter: 'input'."],
      [{ model: 'gpt-9' }, 'model', 'model_not_found', "The requested model 'gpt-9' does not exist."],
      [{ model: '' }, 'model', 'model_not_found', "The requested model '' does not exist."],
      [{ model: 'text-embedding-3-small' }, 'model', null, 'is not supported with the Responses API.'],
      [{ messages: [] }, null, 'unsupported_parameter', "In the Responses API, this parameter has moved to 'input'."],
      [{ response_format: {} }, 'response_format', 'unsupported_parameter', "has moved to 'text.format'."],
      [{ bogus: 1 }, 'bogus', 'unknown_parameter', "Unknown parameter: 'bogus'."],
      [{ max_output_tokens: 15 }, 'max_output_tokens', 'integer_below_min_value', 'Expected a value >= 16, but got 15'],
      [{ input: 7 }, 'input', 'invalid_type', 'expected one of a string or array of input items, but got an integer'],
      [{ input: [{ role: 'robot', content: 'x' }] }, 'input[0]', 'invalid_value', "'system', 'developer', and 'user'."],
      [{ input: [{ role: 'user' }] }, 'input[0].content', MISSING, "Missing required parameter: 'input[0].content'."],
      [{ input: user([{ type: 'text', text: 'x' }]) }, 'input[0].content[0].type', 'invalid_value', "value: 'text'."],
      [{ input: user([{ type: 'output_text', text: 'x' }]) }, 'input[0].content[0]', 'invalid_value', "'input_image'"],
      [{ input: [{ type: 'telepathy' }] }, 'input[0]', 'invalid_value', "Invalid value: 'telepathy'."],
      [{ tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools[0].name', MISSING, "'tools[0].name'."],
      [
        { input: [{ type: 'function_call_output', call_id: 'call_x', output: 'x' }] },
        'input',
        null,
        'No tool call found for function call output with call_id call_x.',
      ],
      [{ reasoning: { effort: 'low' } }, 'reasoning.effort', 'unsupported_parameter', 'not supported with this model.'],
      [{ model: 'o3', temperature: 0.5 }, 'temperature', null, "Unsupported parameter: 'temperature' is not supported"],
      [{ text: { format: { type: 'json_schema', schema: {} } } }, 'text.format.name', MISSING, "'text.format.name'."],
      [{ stream_options: { include_usage: true } }, 'stream_options.include_usage', 'unknown_parameter', 'Unknown'],
    ]
    for (const [fields, param, code, message] of cases) {
      const body = { model: 'gpt-4o', input: 'x', ...fields }
      const r = await post(body)
      expect([r.status, r.json.error.param, r.json.error.code], JSON.stringify(body)).toEqual([400, param, code])
      expect(r.json.error.message, JSON.stringify(body)).toContain(message)
      expect(r.json.error.type).toBe('invalid_request_error')
    }
  })

  it('404s for a previous_response_id it does not hold: unknown, not stored, or forgotten by reset', async () => {
    const unknown = await apiError(create({ input: 'x', previous_response_id: 'resp_nope' }))
    expect(unknown.status).toBe(404)
    expect(unknown.message).toContain("Previous response with id 'resp_nope' not found.")
    expect(unknown.code).toBe('previous_response_not_found')
    expect(unknown.param).toBe('previous_response_id')

    const unstored = await create({ input: 'x', store: false })
    expect(unstored).toMatchObject({ store: false })
    expect((await apiError(create({ input: 'y', previous_response_id: unstored.id }))).status).toBe(404)
    const stored = await create({ input: 'x' })
    expect((await create({ input: 'y', previous_response_id: stored.id })).status).toBe('completed')
    sim.reset()
    expect((await apiError(create({ input: 'y', previous_response_id: stored.id }))).status).toBe(404)
  })

  it('resolves an item_reference to an output item it holds; 404s one it does not hold', async () => {
    const first = await create({ input: 'Weather in Paris?', tools: [weather] })
    const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall
    const output = { type: 'function_call_output' as const, call_id: call.call_id, output: '{"temp":21}' }
    const ref = { type: 'item_reference' as const, id: call.id as string }
    const second = await create({
      input: [{ role: 'user', content: 'Weather in Paris?' }, ref, output],
      tools: [weather],
    })
    expect(second.output_text).toBe('Tool get_weather returned: {"temp":21}')

    const unknown = await apiError(
      create({
        input: [
          { type: 'item_reference', id: 'msg_nope' },
          { role: 'user', content: 'x' },
        ],
      }),
    )
    expect(unknown.status).toBe(404)
    expect(unknown.message).toContain("Item with id 'msg_nope' not found.")
    const unstored = await create({ input: 'x', store: false })
    const gone = { type: 'item_reference' as const, id: unstored.output[0]?.id as string }
    expect((await apiError(create({ input: [gone] }))).status).toBe(404)
  })

  it('a function call left unanswered on the next turn is a 400', async () => {
    const first = await create({ input: 'Weather?', tools: [weather] })
    const e = await apiError(create({ previous_response_id: first.id, input: 'and now?', tools: [weather] }))
    expect(e.status).toBe(400)
    expect(e.message).toMatch(/^400 No tool output found for function call call_\w+\.$/)
  })

  it('401 without a key, in OpenAI shape', async () => {
    const r = await rawPost(`${sim.url}/v1/responses`, { model: 'gpt-4o', input: 'x' }, {})
    expect(r.status).toBe(401)
    expect(JSON.parse(r.text)).toMatchObject({ error: { type: 'invalid_request_error' } })
  })
})

describe('OpenAI Responses limits and faults', () => {
  it('shares the rate limits of the key and model with chat completions: headers, then 429', async () => {
    sim.configure('openai', 'gpt-4o-mini', { rpm: 2 })
    const a = await client.responses.create({ model: 'gpt-4o-mini', input: 'x' }).withResponse()
    expect(a.response.headers.get('x-ratelimit-limit-requests')).toBe('2')
    expect(a.response.headers.get('x-ratelimit-remaining-requests')).toBe('1')
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
    const e = await apiError(client.responses.create({ model: 'gpt-4o-mini', input: 'x' }))
    expect(e.status).toBe(429)
    expect(e.code).toBe('rate_limit_exceeded')
    expect(e.headers?.get('retry-after')).toMatch(/^\d+$/)
    sim.configure('openai', 'gpt-4o-mini', { rpm: undefined })
  })

  it('scripted faults: 500, 503, 429 before the answer', async () => {
    const faults = [{ kind: 'server_error' as const }, { kind: 'overloaded' as const }]
    sim.script('openai', 'gpt-4o', [...faults, { kind: 'rate_limit', retryAfterMs: 2500 }])
    expect((await apiError(create({ input: 'x' }))).status).toBe(500)
    expect((await apiError(create({ input: 'x' }))).status).toBe(503)
    const limited = await apiError(create({ input: 'x' }))
    expect(limited.status).toBe(429)
    expect(limited.headers?.get('retry-after')).toBe('3')
    expect((await create({ input: 'x' })).status).toBe('completed')
  })

  it('mid-stream: error_event sends an error event in sequence; cut and malformed make the SDK throw', async () => {
    sim.script('openai', 'gpt-4o', [{ kind: 'error_event', afterChunks: 3 }, { kind: 'cut' }, { kind: 'malformed' }])
    const raw = await post({ model: 'gpt-4o', input: 'x', stream: true })
    const evs = events(raw.text)
    const types = evs.map((e) => e.type)
    expect(types).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'error'])
    expect(evs[3]).toMatchObject({ sequence_number: 3, code: 'server_error', param: null })
    await expect(client.responses.stream({ model: 'gpt-4o', input: 'x' }).finalResponse()).rejects.toThrow()
    await expect(client.responses.stream({ model: 'gpt-4o', input: 'x' }).finalResponse()).rejects.toThrow()
    expect(sim.stats({ api: 'openai', model: 'gpt-4o', status: 200 })).toBe(3)
  })

  it('a non-stream error_event is a 503; a non-stream cut drops the connection', async () => {
    sim.script('openai', 'gpt-4o', [{ kind: 'error_event' }, { kind: 'cut' }])
    expect((await post({ model: 'gpt-4o', input: 'x' })).status).toBe(503)
    await expect(rawPost(`${sim.url}/v1/responses`, { model: 'gpt-4o', input: 'x' }, AUTH)).rejects.toThrow()
  })
})

describe('POST /v1/responses/input_tokens', () => {
  it("counts what a response's usage.input_tokens then says, previous_response_id included", async () => {
    const req = {
      model: 'gpt-4.1-mini',
      instructions: 'Be terse.',
      input: 'reply: fine',
      tools: [weather],
      tool_choice: 'none' as const,
    }
    const counted = await client.responses.inputTokens.count(req)
    expect(counted.object).toBe('response.input_tokens')
    const made = await client.responses.create(req)
    expect(counted.input_tokens).toBe(made.usage?.input_tokens)
    const next = { model: 'gpt-4.1-mini', input: 'reply: and now', previous_response_id: made.id }
    const chained = await client.responses.inputTokens.count(next)
    expect(chained.input_tokens).toBe((await client.responses.create(next)).usage?.input_tokens)
  })

  it.each([
    ['a generation-only field', { model: 'gpt-4.1-mini', input: 'hi', stream: false }, 'stream'],
    ['max_output_tokens', { model: 'gpt-4.1-mini', input: 'hi', max_output_tokens: 20 }, 'max_output_tokens'],
    [
      'an unknown previous response',
      { model: 'gpt-4.1-mini', input: 'hi', previous_response_id: 'resp_x' },
      'previous_response_id',
    ],
    ['an unknown model', { model: 'gpt-nope', input: 'hi' }, 'model'],
  ])('%s is refused as the Responses API refuses it', async (_name, body, param) => {
    const r = await rawPost(`${sim.url}/v1/responses/input_tokens`, body, AUTH)
    expect(r.status).toBeGreaterThanOrEqual(400)
    expect((JSON.parse(r.text) as { error: { param: string } }).error.param).toBe(param)
  })
})
