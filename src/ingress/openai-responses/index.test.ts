/**
 * The ingress as the `openai` SDK sees it: the SDK's own request bytes are decoded, and the encoded answer —
 * a JSON body, or SSE bytes framed as the server will frame them — is read back by the SDK's parsers
 * (`responses.create`, `responses.stream`, `finalResponse()`, `output_text`). A custom `fetch` stands in for
 * the server; nothing leaves the process.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI, { APIError, BadRequestError } from 'openai'
import type { FunctionTool, ResponseInputItem } from 'openai/resources/responses/responses'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../lib/api-error.ts'
import type { ChatChunk, ChatCompletion, ChatRequest } from '../../providers/openai-schema.ts'
import { openaiResponses, type ResponsesEncodeContext, type ResponsesSseEvent } from './index.ts'

const fixtures = join(import.meta.dirname, '__fixtures__')
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'))
const chunksOf = (name: string) => readJson(join(fixtures, `${name}.chunks.json`)) as ChatChunk[]

/** One event as the server writes it: `event:` and `data:` lines, then a blank line. */
const frame = (e: ResponsesSseEvent) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`

function sseBody(events: AsyncIterable<ResponsesSseEvent>): ReadableStream<Uint8Array> {
  const it = events[Symbol.asyncIterator]()
  const bytes = new TextEncoder()
  return new ReadableStream({
    async pull(controller) {
      const next = await it.next()
      if (next.done) controller.close()
      else controller.enqueue(bytes.encode(frame(next.value)))
    },
  })
}

async function* source(chunks: readonly ChatChunk[], failure?: unknown): AsyncIterable<ChatChunk> {
  yield* chunks
  if (failure !== undefined) throw failure
}

/** What the stand-in upstream answers: a completion, or chunks (and an error after them). */
interface Upstream {
  completion?: ChatCompletion
  chunks?: ChatChunk[]
  failure?: unknown
}

/** A client whose `fetch` is the ingress around a canned upstream: `seen` the decoded requests, `sent` the events. */
function client(upstream: Upstream): { client: OpenAI; seen: ChatRequest[]; sent: ResponsesSseEvent[] } {
  const seen: ChatRequest[] = []
  const sent: ResponsesSseEvent[] = []
  async function* recorded(events: AsyncIterable<ResponsesSseEvent>) {
    for await (const e of events) yield sent[sent.push(e) - 1]!
  }
  const json = { 'content-type': 'application/json' }
  const fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body: unknown = JSON.parse(String(init?.body))
    const decoded = openaiResponses.decode(body)
    if (!decoded.ok) {
      const e = openaiResponses.encodeError(decoded.error.status, decoded.error)
      return new Response(JSON.stringify(e.body), { status: e.status, headers: json })
    }
    seen.push(decoded.request)
    const ctx: ResponsesEncodeContext = { model: decoded.request.model, id: 'req_sdk1', body }
    if (decoded.request.stream) {
      const events = openaiResponses.encodeStream(source(upstream.chunks ?? [], upstream.failure), ctx)
      return new Response(sseBody(recorded(events)), { headers: { 'content-type': 'text/event-stream' } })
    }
    return new Response(JSON.stringify(openaiResponses.encode(upstream.completion!, ctx)), { headers: json })
  }
  return { client: new OpenAI({ apiKey: 'test', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch }), seen, sent }
}

type Message = ChatCompletion['choices'][number]['message']

function completion(fields: Partial<Message>, finish: 'stop' | 'tool_calls'): ChatCompletion {
  const message: Message = { role: 'assistant', content: null, refusal: null, ...fields }
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1760000000,
    model: 'gpt-4.1-mini',
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 },
  }
}

const weather: FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather now',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
}

describe('a JSON answer, read by the openai SDK', () => {
  it('text: output_text, id, usage; the request decoded from the SDK own bytes', async () => {
    const { client: c, seen } = client({ completion: completion({ content: 'Hello.' }, 'stop') })
    const r = await c.responses.create({ model: 'fast', instructions: 'Be brief.', input: 'Hi', max_output_tokens: 64 })
    expect(r.output_text).toBe('Hello.')
    const usage = { input_tokens: 30, output_tokens: 10 }
    expect(r).toMatchObject({ id: 'resp_sdk1', status: 'completed', model: 'fast', usage })
    expect(seen[0]).toMatchObject({
      model: 'fast',
      max_completion_tokens: 64,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    })
  })

  it('function calls, and the next turn sent statelessly with the output items as input', async () => {
    const fn = { name: 'get_weather', arguments: '{"city":"Paris"}' }
    const call = { id: 'call_1', type: 'function' as const, function: fn }
    const { client: c, seen } = client({ completion: completion({ tool_calls: [call] }, 'tool_calls') })
    const input: ResponseInputItem[] = [{ role: 'user', content: 'Weather in Paris?' }]
    const first = await c.responses.create({ model: 'fast', input, tools: [weather] })
    const calls = first.output.filter((o) => o.type === 'function_call')
    expect(calls).toMatchObject([{ call_id: 'call_1', ...fn, status: 'completed' }])
    expect(first.output_text).toBe('')

    // What the Agents SDK does without previous_response_id: the whole conversation, output items included.
    const answered: ResponseInputItem = { type: 'function_call_output', call_id: 'call_1', output: 'Sunny' }
    const next = [...input, ...(first.output as ResponseInputItem[]), answered]
    await c.responses.create({ model: 'fast', input: next, tools: [weather] })
    expect(seen[1]!.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
    ])
  })

  it('a refused request is the SDK error for its status, with message, param and code', async () => {
    const { client: c } = client({})
    const refused = c.responses.create({ model: 'fast', input: 'Hi', previous_response_id: 'resp_0' })
    const err = await refused.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BadRequestError)
    expect(err).toMatchObject({ status: 400, param: 'previous_response_id', code: 'unsupported_parameter' })
    expect((err as Error).message).toContain('Headroom keeps no responses')
  })
})

describe('a stream, read by the openai SDK', () => {
  it('responses.stream: deltas as they come, finalResponse with output_text and usage', async () => {
    const { client: c, seen } = client({ chunks: chunksOf('text') })
    const stream = c.responses.stream({ model: 'fast', input: 'Hi' })
    const deltas: string[] = []
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta))
    const r = await stream.finalResponse()
    expect(deltas).toEqual(['Hello', ', ', 'world.'])
    expect(r.output_text).toBe('Hello, world.')
    const usage = { input_tokens: 12, input_tokens_details: { cached_tokens: 8 }, output_tokens: 4 }
    expect(r).toMatchObject({ status: 'completed', usage })
    expect(seen[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } })
  })

  it('responses.create({stream: true}): every event, in order, as the ingress sent it', async () => {
    const { client: c, sent } = client({ chunks: chunksOf('tool-calls') })
    const stream = await c.responses.create({ model: 'fast', input: 'Paris and Rome?', tools: [weather], stream: true })
    const got: unknown[] = []
    for await (const e of stream) got.push(e)
    expect(got).toEqual(sent.map((e) => e.data))
    expect(got.length).toBe(18)
  })

  it('function calls: arguments accumulated by the SDK', async () => {
    const { client: c } = client({ chunks: chunksOf('tool-calls') })
    const r = await c.responses.stream({ model: 'fast', input: 'Paris and Rome?', tools: [weather] }).finalResponse()
    expect(r.output_text).toBe('Checking.')
    expect(r.output.filter((o) => o.type === 'function_call')).toMatchObject([
      { call_id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { call_id: 'call_rome', name: 'get_weather', arguments: '{"city":"Rome"}' },
    ])
  })

  it('cut at the token cap: incomplete, with the reason', async () => {
    const { client: c } = client({ chunks: chunksOf('max-tokens') })
    const r = await c.responses.stream({ model: 'fast', input: 'A story', max_output_tokens: 16 }).finalResponse()
    expect(r).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })
    expect(r.output_text).toBe('Once upon a time')
  })

  it('a failure mid-stream is an APIError with its message, for both ways of reading', async () => {
    const failure = new ApiError(429, 'Rate limit reached for this route.', 'rate_limit_exceeded')
    const upstream = { chunks: chunksOf('text').slice(0, 3), failure }
    const streamed = client(upstream).client.responses.stream({ model: 'fast', input: 'Hi' })
    await expect(streamed.finalResponse()).rejects.toThrow(APIError)
    const iterated = await client(upstream).client.responses.create({ model: 'fast', input: 'Hi', stream: true })
    const read = async () => {
      for await (const _ of iterated);
    }
    await expect(read()).rejects.toThrow('Rate limit reached for this route.')
  })
})

describe("every adapter's recorded chunk sequences, through the ingress, read by the SDK", () => {
  type Recorded = { chunks?: ChatChunk[]; error?: unknown }
  const providers = join(import.meta.dirname, '../../providers')
  const recorded: Array<[string, ChatChunk[]]> = []
  for (const d of readdirSync(providers, { withFileTypes: true })) {
    const dir = join(providers, d.name, '__fixtures__')
    if (!d.isDirectory() || !existsSync(dir)) continue
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.expected.json'))) {
      const e = readJson(join(dir, f)) as Recorded
      if (e.error === undefined && e.chunks) recorded.push([`${d.name}/${f}`, e.chunks])
    }
  }

  it('finds them', () => expect(recorded.length).toBeGreaterThan(10))

  it.each(recorded)('%s', async (_name, chunks) => {
    const { client: c } = client({ chunks })
    const r = await c.responses.stream({ model: 'fast', input: 'Hi' }).finalResponse()
    // What the chunks said, gathered the chat way: text of choice 0, and its tool calls by index.
    let text = ''
    const calls = new Map<number, { call_id: string; name: string; arguments: string }>()
    for (const ch of chunks) {
      const delta = ch.choices.find((x) => x.index === 0)?.delta
      text += delta?.content ?? ''
      for (const tc of delta?.tool_calls ?? []) {
        const call = calls.get(tc.index) ?? { call_id: '', name: '', arguments: '' }
        if (tc.id) call.call_id = tc.id
        if (tc.function?.name) call.name = tc.function.name
        call.arguments += tc.function?.arguments ?? ''
        calls.set(tc.index, call)
      }
    }
    expect(r.output_text).toBe(text)
    const got = r.output.filter((o) => o.type === 'function_call')
    expect(got.map(({ call_id, name, arguments: a }) => ({ call_id, name, arguments: a }))).toEqual([...calls.values()])
  })
})
