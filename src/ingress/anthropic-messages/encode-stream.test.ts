import { describe, expect, it } from 'vitest'
import type { ChatChunk, ChunkDelta, FinishReason, Usage } from '../../providers/openai-schema.ts'
import { answers, CTX, collect, replay } from './__fixtures__/answers.ts'
import { type AnthropicStreamEvent, encodeStream, encodeStreamError, UntranslatableStream } from './encode-stream.ts'

const chunk = (delta: ChunkDelta, finish: FinishReason | null = null, extra: object = {}): ChatChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish, ...extra }],
})
const usageChunk = (usage: Usage): ChatChunk => ({ ...chunk({}), choices: [], usage })
/** A tool call delta: the first of a call carries its `head` (id and name), the others only arguments. */
const call = (index: number, args: string, head?: { id?: string; name: string }): ChunkDelta => ({
  tool_calls: [
    head
      ? { index, id: head.id, type: 'function', function: { name: head.name, arguments: args } }
      : { index, function: { arguments: args } },
  ],
})

const encode = (chunks: ChatChunk[]) => collect(encodeStream(replay(chunks), CTX))

/**
 * Anthropic's grammar: message_start; then blocks one at a time, each content_block_start (index n, counting
 * from 0), deltas of index n, content_block_stop n; then message_delta and message_stop, last. One ping,
 * where Anthropic sends it: right after the first content_block_start.
 * https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
function checkGrammar(input: readonly AnthropicStreamEvent[]): void {
  const pings = input.flatMap((e, i) => (e.event === 'ping' ? [i] : []))
  const first = input.findIndex((e) => e.event === 'content_block_start')
  expect(pings).toEqual(first === -1 ? [] : [first + 1])
  const events = input.filter((e) => e.event !== 'ping')
  expect(events[0]?.event).toBe('message_start')
  expect(events.slice(-2).map((e) => e.event)).toEqual(['message_delta', 'message_stop'])
  let open: number | null = null
  let next = 0
  for (const e of events.slice(1, -2)) {
    const d = e.data as { type: string; index?: number }
    expect(e.event).toBe(d.type)
    if (d.type === 'content_block_start') {
      expect([open, d.index]).toEqual([null, next])
      open = next++
    } else if (d.type === 'content_block_delta' || d.type === 'content_block_stop') {
      expect(d.index).toBe(open)
      if (d.type === 'content_block_stop') open = null
    } else throw new Error(`unexpected ${d.type} between message_start and message_delta`)
  }
  expect(open).toBeNull()
}

/** Each event in short, pings left out (checkGrammar checks where the one ping stands). */
const types = (events: readonly AnthropicStreamEvent[]) =>
  events.flatMap((e) => {
    if (e.event === 'ping') return []
    const d = e.data as { type: string; index?: number; content_block?: { type: string }; delta?: { type?: string } }
    const what = d.content_block?.type ?? (d.type === 'content_block_delta' ? d.delta?.type : undefined)
    return [[d.type, d.index, what].filter((x) => x !== undefined).join(' ')]
  })

describe('recorded answers', () => {
  it.each(answers)('$name: the exact events', async ({ chunks, events }) => {
    expect(await encode(chunks)).toEqual(events)
  })

  it.each(answers)('$name: in Anthropic’s grammar', async ({ chunks }) => {
    checkGrammar(await encode(chunks))
  })
})

describe('blocks and their indexes', () => {
  it('opens a new text block after a tool call, with the next index', async () => {
    const events = await encode([
      chunk({ content: 'A' }),
      chunk(call(0, '{}', { id: 'c0', name: 'f' })),
      chunk({ content: 'B' }),
      chunk({}, 'tool_calls'),
    ])
    checkGrammar(events)
    expect(types(events)).toEqual([
      'message_start',
      'content_block_start 0 text',
      'content_block_delta 0 text_delta',
      'content_block_stop 0',
      'content_block_start 1 tool_use',
      'content_block_delta 1 input_json_delta',
      'content_block_stop 1',
      'content_block_start 2 text',
      'content_block_delta 2 text_delta',
      'content_block_stop 2',
      'message_delta',
      'message_stop',
    ])
  })

  it('gives parallel calls sent in one chunk (Gemini’s way) a block each', async () => {
    const both: ChunkDelta = {
      tool_calls: [
        { index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
        { index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{"y":2}' } },
      ],
    }
    const events = await encode([chunk(both, 'tool_calls')])
    checkGrammar(events)
    expect(types(events).slice(1, -2)).toEqual([
      'content_block_start 0 tool_use',
      'content_block_delta 0 input_json_delta',
      'content_block_stop 0',
      'content_block_start 1 tool_use',
      'content_block_delta 1 input_json_delta',
      'content_block_stop 1',
    ])
  })

  it('sends no delta for a call without arguments (its input stays {})', async () => {
    const events = await encode([chunk(call(0, '', { id: 'c0', name: 'now' })), chunk({}, 'tool_calls')])
    expect(types(events).slice(1, -2)).toEqual(['content_block_start 0 tool_use', 'content_block_stop 0'])
  })

  it('makes an id for a call the upstream sent without one', async () => {
    const events = await encode([chunk(call(0, '{}', { name: 'f' })), chunk({}, 'tool_calls')])
    expect(events[1]?.data).toMatchObject({ content_block: { type: 'tool_use', id: 'toolu_req01ABC_0', name: 'f' } })
  })

  it('ignores a repeat of a finished call, and refuses arguments that resume after the next block began', async () => {
    const head = { id: 'a', name: 'f' }
    checkGrammar(await encode([chunk(call(0, '{}', head)), chunk({ content: 'x' }), chunk(call(0, ''))]))
    const resumed = encode([chunk(call(0, '{"a"', head)), chunk({ content: 'x' }), chunk(call(0, ':1}'))])
    await expect(resumed).rejects.toThrow(UntranslatableStream)
  })

  it('listens to the first choice only', async () => {
    const second: ChatChunk = { ...chunk({}), choices: [{ index: 1, delta: { content: 'two' }, finish_reason: null }] }
    const events = await encode([second])
    expect(types(events)).toEqual(['message_start', 'message_delta', 'message_stop'])
  })
})

describe('message_start and message_delta', () => {
  const usage: Usage = {
    prompt_tokens: 30,
    completion_tokens: 4,
    total_tokens: 34,
    prompt_tokens_details: { cached_tokens: 10 },
  }

  it('puts usage that arrives only in the last chunk, after the finish, in message_delta', async () => {
    const events = await encode([chunk({ content: 'Hi' }), chunk({}, 'length'), usageChunk(usage)])
    expect(events.at(-2)?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens', stop_sequence: null },
      usage: { input_tokens: 20, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 },
    })
  })

  it('puts input counts in message_start when the first chunk has them, and one output token as Anthropic does', async () => {
    const events = await encode([{ ...chunk({ content: 'Hi' }), usage }, chunk({}, 'stop')])
    const counts = { input_tokens: 20, output_tokens: 1, cache_read_input_tokens: 10 }
    expect(events[0]?.data).toMatchObject({ message: { usage: counts } })
  })

  it("puts the estimate made before the call in message_start when the first chunk has no usage, the target's count in message_delta", async () => {
    const chunks = [chunk({ content: 'Hi' }), chunk({}, 'stop'), usageChunk(usage)]
    const events = await collect(encodeStream(replay(chunks), { ...CTX, promptEstimate: 33 }))
    expect(events[0]?.data).toMatchObject({ message: { usage: { input_tokens: 33, output_tokens: 1 } } })
    expect(events.at(-2)?.data).toMatchObject({ usage: { input_tokens: 20, cache_read_input_tokens: 10 } })
    const first = await collect(
      encodeStream(replay([{ ...chunk({ content: 'Hi' }), usage }]), { ...CTX, promptEstimate: 33 }),
    )
    expect(first[0]?.data).toMatchObject({ message: { usage: { input_tokens: 20 } } })
  })

  it('names the stop sequence the upstream matched (vLLM’s stop_reason)', async () => {
    const events = await encode([chunk({ content: 'x' }), chunk({}, 'stop', { stop_reason: 'END' })])
    expect(events.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' } })
  })

  it('answers a stream with no chunks with a whole, empty message', async () => {
    const events = await encode([])
    checkGrammar(events)
    expect(types(events)).toEqual(['message_start', 'message_delta', 'message_stop'])
  })
})

describe('failures', () => {
  const withStatus = (message: string, status: number) => Object.assign(new Error(message), { status })
  async function* failing(after: ChatChunk[]): AsyncGenerator<ChatChunk> {
    yield* after
    throw withStatus('anthropic: the stream broke: ECONNRESET', 502)
  }

  it('sends nothing when the upstream fails before its first chunk (an HTTP error can still answer)', async () => {
    const seen: AnthropicStreamEvent[] = []
    await expect(
      (async () => {
        for await (const e of encodeStream(failing([]), CTX)) seen.push(e)
      })(),
    ).rejects.toThrow('ECONNRESET')
    expect(seen).toEqual([])
  })

  it('passes a failure mid-stream on, after what was sent', async () => {
    const seen: AnthropicStreamEvent[] = []
    await expect(
      (async () => {
        for await (const e of encodeStream(failing([chunk({ content: 'Hel' })]), CTX)) seen.push(e)
      })(),
    ).rejects.toThrow('ECONNRESET')
    expect(types(seen)).toEqual(['message_start', 'content_block_start 0 text', 'content_block_delta 0 text_delta'])
  })

  it.each([
    ['a router error: its status’s type, its message', withStatus('Overloaded', 503), 'overloaded_error', 'Overloaded'],
    ['a rate limit', withStatus('Slow down', 429), 'rate_limit_error', 'Slow down'],
    ['an untranslatable stream', new UntranslatableStream('resumed'), 'api_error', 'resumed'],
    ['a bug: no details leak', new TypeError('x is undefined'), 'api_error', 'Internal server error'],
    ['not even an Error', 'boom', 'api_error', 'Internal server error'],
  ])('encodeStreamError: %s', (_name, err, type, message) => {
    expect(encodeStreamError(err)).toEqual({ event: 'error', data: { type: 'error', error: { type, message } } })
  })
})
