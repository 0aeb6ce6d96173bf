/**
 * What a stream that did not complete is billed: real server, real simulator, the `openai` SDK. A stream
 * cut by the provider, broken by an error event, or left by the client ends without the provider's closing
 * usage; its row is then an estimate from the text the client received (never less), marked `estimated`,
 * and the key's token limit is charged the same numbers. Answers whose body carries no usage likewise.
 */
import OpenAI from 'openai'
import { describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { estimateTextTokens } from '../src/routing/tokens.ts'
import type { Fault } from '../src/simulator/types.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { SIM_KEY, testConfig, useServers, useSimulator, WEATHER_TOOL } from './harness.ts'

interface Row {
  outcome: string
  stream: number
  usage_source: string
  prompt_tokens: number
  cached_tokens: number
  completion_tokens: number
  cost_microcents: number
  error_code: string | null
}

const sim = useSimulator({ validKeys: [SIM_KEY, 'team-a-secret-123'] })
const track = useServers()

async function start(extra = '', opts: { now?: () => number } = {}) {
  return track(
    await startHeadroom({
      dbPath: ':memory:',
      configText: testConfig(sim.url, extra),
      port: 0,
      env: {},
      log: silentLogger,
      simulatorUrl: sim.url,
      ...opts,
    }),
  )
}

function client(hr: Running, apiKey = 'k') {
  return new OpenAI({ baseURL: `${hr.url}/v1`, apiKey, maxRetries: 0, timeout: 15_000 })
}

function rowsOf(hr: Running, requestId: string): Row[] {
  hr.spend.flush()
  return hr.db.sqlite.prepare('SELECT * FROM spend WHERE request_id = ? ORDER BY attempt').all(requestId) as Row[]
}

/** Everything the client was sent that the model produced: content, and tool calls' names and arguments. */
async function drain(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
  stopAfter = Infinity,
  stop = () => {},
): Promise<{ text: string; pieces: number; error: unknown }> {
  let text = ''
  let pieces = 0
  try {
    for await (const c of stream) {
      const d = c.choices[0]?.delta
      if (d?.content) {
        text += d.content
        pieces++
      }
      for (const t of d?.tool_calls ?? []) {
        text += (t.function?.name ?? '') + (t.function?.arguments ?? '')
        pieces++
      }
      if (pieces >= stopAfter) stop()
    }
  } catch (error) {
    return { text, pieces, error }
  }
  return { text, pieces, error: null }
}

const WORDS =
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango '
    .repeat(3)
    .trim()
const ASK = { messages: [{ role: 'user' as const, content: `reply: ${WORDS}` }] }

// Events before the cut: enough for a few pieces of content on each wire (Anthropic counts message_start,
// content_block_start and ping; Gemini sends four words a chunk).
describe.each([
  { api: 'openai', provider: 'openai', model: 'gpt-4.1-mini', after: 4 },
  { api: 'anthropic', provider: 'anthropic', model: 'claude-haiku-4-5', after: 6 },
  { api: 'gemini', provider: 'google', model: 'gemini-2.5-flash', after: 2 },
] as const)('stream usage: $provider', ({ api, provider, model, after }) => {
  const id = `${provider}/${model}`

  /** The complete answer's row, for the provider's own counts of the same prompt. */
  async function complete(hr: Running) {
    const { data, response } = await client(hr)
      .chat.completions.create({ model: id, stream: true, stream_options: { include_usage: true }, ...ASK })
      .withResponse()
    let usage: OpenAI.CompletionUsage | null | undefined
    let text = ''
    for await (const c of data) {
      if (c.usage) usage = c.usage
      text += c.choices[0]?.delta.content ?? ''
    }
    const [row] = rowsOf(hr, response.headers.get('x-request-id')!)
    return { row: row!, usage: usage!, text }
  }

  it('a complete stream keeps the provider’s count', async () => {
    const hr = await start()
    const { row, usage, text } = await complete(hr)
    expect(text).toBe(WORDS)
    expect(row).toMatchObject({
      outcome: 'ok',
      usage_source: 'provider',
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
    })
  })

  it.each<Fault['kind']>(['cut', 'error_event', 'malformed'])(
    'a stream broken by the provider (%s) after its first content is estimated from the text received, never less',
    async (kind) => {
      const hr = await start()
      const whole = await complete(hr)
      sim.script(api, model, [{ kind, afterChunks: after }])
      const { data, response } = await client(hr)
        .chat.completions.create({ model: id, stream: true, ...ASK })
        .withResponse()
      const got = await drain(data)
      expect(got.error).toBeInstanceOf(OpenAI.APIError)
      expect(got.pieces).toBeGreaterThan(0)
      expect(got.text.length).toBeLessThan(WORDS.length)
      const [row] = rowsOf(hr, response.headers.get('x-request-id')!)
      expect(row).toMatchObject({ outcome: 'error', stream: 1, usage_source: 'estimated' })
      expect(row!.completion_tokens).toBeGreaterThanOrEqual(estimateTextTokens(got.text))
      expect(row!.completion_tokens).toBeLessThan(whole.row.completion_tokens)
      // Anthropic's message_start and Gemini's running usageMetadata count the prompt exactly: kept.
      if (api !== 'openai') expect(row!.prompt_tokens).toBe(whole.row.prompt_tokens)
      else expect(row!.prompt_tokens).toBeGreaterThan(0)
      expect(row!.cost_microcents).toBeGreaterThan(0)
    },
  )

  it('a client that leaves mid-stream gets a cancelled row with the tokens so far, estimated', async () => {
    const hr = await start()
    sim.configure(api, model, { tokenDelayMs: 25 })
    const ac = new AbortController()
    const { data, response } = await client(hr)
      .chat.completions.create({ model: id, stream: true, ...ASK }, { signal: ac.signal })
      .withResponse()
    const got = await drain(data, 3, () => ac.abort())
    expect(got.pieces).toBeGreaterThanOrEqual(3)
    const requestId = response.headers.get('x-request-id')!
    await vi.waitFor(() => expect(rowsOf(hr, requestId)).toHaveLength(1), { timeout: 5_000, interval: 20 })
    const [row] = rowsOf(hr, requestId)
    expect(row).toMatchObject({ outcome: 'cancelled', stream: 1, usage_source: 'estimated' })
    expect(row!.completion_tokens).toBeGreaterThanOrEqual(estimateTextTokens(got.text))
    expect(row!.prompt_tokens).toBeGreaterThan(0)
    expect(row!.cost_microcents).toBeGreaterThan(0)
  })

  it('the key’s token limit is charged what the row records', async () => {
    // A clock that stands still: the key's bucket does not refill between the two requests.
    const now = Date.parse('2026-03-01T12:00:00Z')
    const hr = await start(`keys:\n  - { name: team-a, key: team-a-secret-123, limits: { tpm: 1000000 } }\n`, {
      now: () => now,
    })
    const ask = async () => {
      sim.script(api, model, [{ kind: 'cut', afterChunks: after }])
      const { data, response } = await client(hr, 'team-a-secret-123')
        .chat.completions.create({ model: id, stream: true, max_tokens: 4000, ...ASK })
        .withResponse()
      await drain(data)
      return {
        remaining: Number(response.headers.get('x-ratelimit-remaining-tokens')),
        row: rowsOf(hr, response.headers.get('x-request-id')!)[0]!,
      }
    }
    const first = await ask()
    const second = await ask()
    expect(first.row.usage_source).toBe('estimated')
    // Both were admitted with the same charge; what separates them is what the first one used.
    expect(first.remaining - second.remaining).toBe(first.row.prompt_tokens + first.row.completion_tokens)
  })
})

describe('stream usage: tool calls', () => {
  it('a tool call cut mid-arguments is estimated with the arguments received', async () => {
    const hr = await start()
    const model = 'claude-haiku-4-5'
    // message_start, content_block_start, ping, then the tool block: its start, the empty fragment, two fragments.
    sim.script('anthropic', model, [{ kind: 'cut', afterChunks: 8 }])
    const { data, response } = await client(hr)
      .chat.completions.create({
        model: `anthropic/${model}`,
        stream: true,
        tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: 'call: get_weather' }],
      })
      .withResponse()
    const got = await drain(data)
    expect(got.error).toBeInstanceOf(OpenAI.APIError)
    expect(got.text).toMatch(/^get_weather./)
    const [row] = rowsOf(hr, response.headers.get('x-request-id')!)
    expect(row).toMatchObject({ outcome: 'error', usage_source: 'estimated' })
    expect(row!.completion_tokens).toBeGreaterThanOrEqual(estimateTextTokens(got.text))
  })
})

describe('answers without usage', () => {
  const CONTENT = 'an answer from a server that counts nothing, several words long'

  it.each([
    {
      name: 'an OpenAI-compatible server',
      api: 'openai',
      // The compatible provider points at the simulator's OpenAI API, which knows this model.
      target: 'compat/gpt-4.1-mini',
      model: 'gpt-4.1-mini',
      body: {
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'llama-3',
        choices: [{ index: 0, message: { role: 'assistant', content: CONTENT }, finish_reason: 'stop' }],
      },
    },
    {
      name: 'an OpenAI-compatible server that counts only the prompt',
      api: 'openai',
      target: 'compat/gpt-4.1-mini',
      model: 'gpt-4.1-mini',
      body: {
        id: 'c2',
        object: 'chat.completion',
        created: 1,
        model: 'llama-3',
        choices: [{ index: 0, message: { role: 'assistant', content: CONTENT }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 9, total_tokens: 9 },
      },
    },
    {
      name: 'Anthropic',
      api: 'anthropic',
      target: 'anthropic/claude-haiku-4-5',
      model: 'claude-haiku-4-5',
      body: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content: [{ type: 'text', text: CONTENT }],
        stop_reason: 'end_turn',
        stop_sequence: null,
      },
    },
    {
      name: 'Gemini',
      api: 'gemini',
      target: 'google/gemini-2.5-flash',
      model: 'gemini-2.5-flash',
      body: {
        candidates: [{ content: { role: 'model', parts: [{ text: CONTENT }] }, finishReason: 'STOP', index: 0 }],
        modelVersion: 'gemini-2.5-flash',
      },
    },
  ] as Array<{
    name: string
    api: 'openai' | 'anthropic' | 'gemini'
    target: string
    model: string
    body: Record<string, unknown> & { usage?: { prompt_tokens: number } }
  }>)(
    '$name: a body without the output count is estimated and marked, not recorded as 0',
    async ({ api, target, model, body }) => {
      const hr = await start()
      sim.script(api, model, [{ kind: 'custom', status: 200, body }])
      const { data, response } = await client(hr)
        .chat.completions.create({ model: target, messages: [{ role: 'user', content: 'say something' }] })
        .withResponse()
      expect(data.choices[0]!.message.content).toBe(CONTENT)
      const [row] = rowsOf(hr, response.headers.get('x-request-id')!)
      expect(row).toMatchObject({ outcome: 'ok', usage_source: 'estimated' })
      expect(row!.prompt_tokens).toBeGreaterThan(0)
      expect(row!.completion_tokens).toBe(estimateTextTokens(CONTENT))
      if (body.usage?.prompt_tokens !== undefined) expect(row!.prompt_tokens).toBe(body.usage.prompt_tokens) // the count it gave is kept
    },
  )
})
