import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../lib/api-error.ts'
import type { ChatChunk } from '../../providers/openai-schema.ts'
import { ProviderError } from '../../providers/types.ts'
import { encodeStream, type ResponsesSseEvent, replayStream } from './encode-stream.ts'
import type { ResponseObject, ResponsesEncodeContext } from './response-object.ts'

const dir = join(import.meta.dirname, '__fixtures__')
const read = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T
const FIXTURES = ['text', 'tool-calls', 'whole-calls', 'max-tokens', 'refusal']
const ctx: ResponsesEncodeContext = { model: 'fast', id: 'req_test1' }

async function* source(chunks: readonly ChatChunk[], failure?: unknown): AsyncIterable<ChatChunk> {
  yield* chunks
  if (failure !== undefined) throw failure
}

async function collect(events: AsyncIterable<ResponsesSseEvent>): Promise<ResponsesSseEvent[]> {
  const out: ResponsesSseEvent[] = []
  for await (const e of events) out.push(e)
  return out
}

const encode = (chunks: readonly ChatChunk[], c = ctx) => collect(encodeStream(source(chunks), c))
const types = (events: readonly ResponsesSseEvent[]) => events.map((e) => e.event)

type Choice = ChatChunk['choices'][number]

function chunk(delta: Choice['delta'], finish: Choice['finish_reason'] = null): ChatChunk {
  const choices = [{ index: 0, delta, finish_reason: finish }]
  return { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1760000000, model: 'm', choices }
}

describe('encodeStream: recorded chunk sequences → the documented event sequence', () => {
  it.each(FIXTURES)('%s', async (name) => {
    const events = await encode(read<ChatChunk[]>(`${name}.chunks.json`))
    expect(events).toEqual(read<ResponsesSseEvent[]>(`${name}.events.json`))
  })

  it.each(FIXTURES)('%s: numbered from 0, no gap; each names its type; lifecycle first, last', async (name) => {
    const events = await encode(read<ChatChunk[]>(`${name}.chunks.json`))
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i))
    for (const e of events) expect(e.data.type).toBe(e.event)
    expect(types(events).slice(0, 2)).toEqual(['response.created', 'response.in_progress'])
    expect(['response.completed', 'response.incomplete']).toContain(events[events.length - 1]!.event)
  })

  it.each(FIXTURES)('%s: one item at a time, each done before the next is added', async (name) => {
    const events = await encode(read<ChatChunk[]>(`${name}.chunks.json`))
    const itemEvents = events.filter((e) => /^response\.output_item\./.test(e.event))
    itemEvents.forEach((e, i) => {
      expect(e.event).toBe(i % 2 === 0 ? 'response.output_item.added' : 'response.output_item.done')
      expect('output_index' in e.data && e.data.output_index).toBe(Math.floor(i / 2))
    })
  })

  it('sends no event twice by reference: what was sent is not changed afterwards', async () => {
    const events = await encode(read<ChatChunk[]>('tool-calls.chunks.json'))
    const created = events[0]!.data
    expect(created.type === 'response.created' && created.response.output).toEqual([])
    const added = events.find((e) => e.event === 'response.output_item.added')!.data
    const item = added.type === 'response.output_item.added' && added.item
    expect(item).toMatchObject({ status: 'in_progress', content: [] })
  })

  it('names the model the client asked for, and makes every id from the request id', async () => {
    const events = await encode(read<ChatChunk[]>('tool-calls.chunks.json'), { model: 'smart', id: 'req_abc' })
    const last = events[events.length - 1]!.data
    if (last.type !== 'response.completed') throw new Error(last.type)
    expect(last.response).toMatchObject({ id: 'resp_abc', model: 'smart' })
    const ids = last.response.output.map((o) => ('id' in o ? o.id : null))
    expect(ids).toEqual(['msg_abc_0', 'fc_abc_1', 'fc_abc_2'])
  })

  it('echoes the request: instructions, tools, sampling', async () => {
    const body = {
      model: 'fast',
      input: 'Hi',
      instructions: 'Be brief.',
      temperature: 0.5,
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }],
      tool_choice: 'required',
      max_output_tokens: 100,
      reasoning: { effort: 'low' },
      metadata: { team: 'a' },
    }
    const events = await encode(read<ChatChunk[]>('text.chunks.json'), { ...ctx, body })
    expect(events[0]!.data.type === 'response.created' && events[0]!.data.response).toMatchObject({
      instructions: 'Be brief.',
      temperature: 0.5,
      tools: [{ type: 'function', name: 'f', description: null, parameters: { type: 'object' }, strict: true }],
      tool_choice: 'required',
      max_output_tokens: 100,
      reasoning: { effort: 'low', summary: null },
      metadata: { team: 'a' },
    })
  })

  it('announces a tool call once its name is known, with the arguments that came before in one delta', async () => {
    const events = await encode([
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
    ])
    const sent = events.filter((e) => e.event !== 'response.created' && e.event !== 'response.in_progress')
    expect(sent.map((e) => e.data)).toMatchObject([
      { type: 'response.output_item.added', item: { call_id: 'call_1', name: 'f', arguments: '' } },
      { type: 'response.function_call_arguments.delta', delta: '{"a":1}' },
      { type: 'response.function_call_arguments.done', name: 'f', arguments: '{"a":1}' },
      { type: 'response.output_item.done', item: { status: 'completed', arguments: '{"a":1}' } },
      { type: 'response.completed' },
    ])
  })

  it('text after a tool call opens a new message item', async () => {
    const events = await encode([
      chunk({ content: 'A' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{}' } }] }),
      chunk({ content: 'B' }, 'stop'),
    ])
    const last = events[events.length - 1]!.data
    expect(last.type === 'response.completed' && last.response.output.map((o) => o.type)).toEqual([
      'message',
      'function_call',
      'message',
    ])
  })

  it('a source that comes back to a closed call: its arguments reach the final response, but no event', async () => {
    const events = await encode([
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', function: { name: 'g', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, 'tool_calls'),
    ])
    const deltas = events.filter((e) => e.event === 'response.function_call_arguments.delta')
    expect(deltas.map((e) => e.data.type === 'response.function_call_arguments.delta' && e.data.delta)).toEqual([
      '{"a":',
      '{}',
    ])
    const last = events[events.length - 1]!.data
    expect(last.type === 'response.completed' && last.response.output).toMatchObject([{ arguments: '{"a":1}' }, {}])
  })

  it('an answer with nothing in it is one empty message', async () => {
    const events = await encode([chunk({ role: 'assistant' }, 'stop')])
    const last = events[events.length - 1]!.data
    expect(last.type === 'response.completed' && last.response.output).toMatchObject([
      { type: 'message', status: 'completed', content: [{ type: 'output_text', text: '' }] },
    ])
  })

  it('content_filter ends the response incomplete, with the reason', async () => {
    const events = await encode([chunk({ content: 'Hm' }, 'content_filter')])
    const last = events[events.length - 1]!.data
    expect(last.type).toBe('response.incomplete')
    const details = last.type === 'response.incomplete' && last.response.incomplete_details
    expect(details).toEqual({ reason: 'content_filter' })
  })
})

describe('encodeStream: a source that fails', () => {
  const message = 'Slow down (key sk-abcdefghijkl)'
  const rateLimited = new ProviderError({ provider: 'openai', status: 429, kind: 'rate_limit', message })

  it('ends with error then response.failed, what was produced so far incomplete; never throws', async () => {
    const chunks = read<ChatChunk[]>('text.chunks.json').slice(0, 3)
    const events = await collect(encodeStream(source(chunks, rateLimited), ctx))
    expect(types(events).slice(-2)).toEqual(['error', 'response.failed'])
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i))
    const [error, failed] = events.slice(-2).map((e) => e.data)
    const message = 'Slow down (key [redacted])' // scrubbed of anything key-shaped
    // Flat as the reference documents it, nested as OpenAI's live API sends it.
    expect(error).toEqual({
      type: 'error',
      code: null,
      message,
      param: null,
      error: { type: 'rate_limit_error', code: null, message, param: null },
      sequence_number: events.length - 2,
    })
    expect(failed!.type === 'response.failed' && failed!.response).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limit_exceeded', message },
      output: [{ type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: 'Hello, ' }] }],
    })
  })

  it('before its first chunk: created with the injected clock, then the error', async () => {
    const err = new ApiError(400, 'Bad', 'invalid_value', 'input')
    const events = await collect(encodeStream(source([], err), ctx, { now: () => 1234 }))
    expect(types(events)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed'])
    expect(events[0]!.data.type === 'response.created' && events[0]!.data.response.created_at).toBe(1234)
    expect(events[2]!.data).toMatchObject({ code: 'invalid_value', param: 'input', message: 'Bad' })
  })

  it('anything unexpected is an internal error that tells nothing of its insides', async () => {
    const events = await collect(encodeStream(source([], new TypeError('x is undefined')), ctx, { now: () => 0 }))
    expect(events[2]!.data).toMatchObject({ code: 'internal_error', error: { type: 'server_error' } })
    expect(JSON.stringify(events)).not.toContain('x is undefined')
  })

  it('uses the describer it is given (the server scrubs with its own secrets)', async () => {
    const describeError = () => ({ status: 503, message: 'Overloaded', type: 'server_error', code: 'overloaded' })
    const events = await collect(encodeStream(source([], rateLimited), ctx, { describeError, now: () => 0 }))
    expect(events[3]!.data.type === 'response.failed' && events[3]!.data.response.error).toEqual({
      code: 'server_error',
      message: 'Overloaded',
    })
  })
})

describe('encodeStream: the target reasoning text as a reasoning item', () => {
  const asked: ResponsesEncodeContext = { ...ctx, body: { model: 'fast', input: 'q', reasoning: { summary: 'auto' } } }
  const chunks = [
    chunk({ role: 'assistant', content: '', reasoning_content: 'Think' }),
    chunk({ reasoning_content: 'ing.' }),
    chunk({ content: 'ok' }),
    chunk({}, 'stop'),
  ]

  it('asked reasoning.summary: a reasoning item first, its summary streamed, then the message', async () => {
    const events = await encode(chunks, asked)
    expect(types(events).slice(2, 9)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
    ])
    const done = events.find((e) => e.event === 'response.reasoning_summary_text.done')!.data
    expect(done).toMatchObject({ item_id: 'rs_test1_0', output_index: 0, summary_index: 0, text: 'Thinking.' })
    const last = events.at(-1)!.data as unknown as { response: { output: Array<Record<string, unknown>> } }
    expect(last.response.output.map((o) => [o['type'], o['id']])).toEqual([
      ['reasoning', 'rs_test1_0'],
      ['message', 'msg_test1_1'],
    ])
    expect(last.response.output[0]).toEqual({
      id: 'rs_test1_0',
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Thinking.' }],
      status: 'completed',
    })
  })

  it('not asked: no reasoning item, as OpenAI sends none without reasoning.summary', async () => {
    const events = await encode(chunks)
    expect(types(events).some((t) => t.includes('reasoning'))).toBe(false)
  })

  it('reasoning and nothing else: an empty message still follows', async () => {
    const events = await encode([chunk({ reasoning_content: 'Hm.' }), chunk({}, 'stop')], asked)
    const last = events.at(-1)!.data as { response: { output: Array<{ type: string }> } }
    expect(last.response.output.map((o) => o.type)).toEqual(['reasoning', 'message'])
  })
})

describe('replayStream: a kept response, replayed from its final object', () => {
  /** The types, with a run of deltas of one part as one (a replay sends each part's text in one delta). */
  const merged = (events: readonly ResponsesSseEvent[]) =>
    types(events).filter((t, i, all) => !(t.endsWith('.delta') && all[i - 1] === t))
  const final = (events: readonly ResponsesSseEvent[]) => (events.at(-1)!.data as { response: ResponseObject }).response
  /** The items as done, without their sequence numbers. */
  const dones = (events: readonly ResponsesSseEvent[]) =>
    events.filter((e) => e.event === 'response.output_item.done').map(({ data: { sequence_number: _, ...d } }) => d)

  it.each(FIXTURES)('%s: the stream sent, its deltas joined; the same items and final response', async (name) => {
    const sent = await encode(read<ChatChunk[]>(`${name}.chunks.json`))
    const replayed = replayStream(final(sent))
    expect(types(replayed)).toEqual(merged(sent))
    expect(replayed.map((e) => e.data.sequence_number)).toEqual(replayed.map((_, i) => i))
    expect(dones(replayed)).toEqual(dones(sent))
    expect(replayed.at(-1)!.data).toEqual({ ...sent.at(-1)!.data, sequence_number: replayed.length - 1 })
    expect(replayed[0]!.data).toMatchObject({ response: { id: final(sent).id, status: 'in_progress', output: [] } })
  })

  it('a reasoning summary is replayed as one delta; the text of each part in one', async () => {
    const body = { model: 'fast', input: 'hi', reasoning: { effort: 'low', summary: 'auto' } }
    const chunks = [
      chunk({ reasoning_content: 'Think' } as Choice['delta']),
      chunk({ reasoning_content: 'ing.' } as Choice['delta']),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }, 'stop'),
    ]
    const replayed = replayStream(final(await encode(chunks, { ...ctx, body })))
    const deltas = replayed.filter((e) => e.event.endsWith('.delta')).map((e) => (e.data as { delta: string }).delta)
    expect(deltas).toEqual(['Thinking.', 'Hello'])
  })
})
