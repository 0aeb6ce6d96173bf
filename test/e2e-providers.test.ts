/**
 * End to end, per provider: the `openai` SDK → Headroom (real HTTP) → the simulator speaking that
 * provider's real wire format. Each case asserts what the client saw and, where translation matters,
 * what the provider received.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Api } from '../src/simulator/types.ts'
import { drainText, PIXEL_PNG, type Stack, startStack, TIME_TOOL, WEATHER_TOOL } from './harness.ts'

interface Case {
  api: Api
  provider: string
  model: string
}

const CASES: Case[] = [
  { api: 'openai', provider: 'openai', model: 'gpt-4.1-mini' },
  { api: 'anthropic', provider: 'anthropic', model: 'claude-haiku-4-5' },
  { api: 'gemini', provider: 'google', model: 'gemini-2.5-flash' },
]

let stack: Stack
beforeAll(async () => {
  stack = await startStack()
})
afterAll(async () => {
  await stack?.close()
})
beforeEach(() => {
  stack.sim.reset()
  stack.hr.states.retain(new Set()) // fresh breakers, cooldowns and headroom for every test
})

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
  for await (const c of stream) chunks.push(c)
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
  const finish = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)
  return { chunks, text, finish }
}

/** Tool calls reassembled from stream deltas, as an OpenAI client does. */
function assembleToolCalls(chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]) {
  const calls: Array<{ id: string; name: string; arguments: string }> = []
  for (const c of chunks) {
    for (const d of c.choices[0]?.delta.tool_calls ?? []) {
      const slot = (calls[d.index] ??= { id: '', name: '', arguments: '' })
      if (d.id) slot.id = d.id
      if (d.function?.name) slot.name = d.function.name
      if (d.function?.arguments) slot.arguments += d.function.arguments
    }
  }
  return calls
}

const LONG = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')

describe.each(CASES)('$api through Headroom', ({ api, provider, model }) => {
  const id = `${provider}/${model}`
  const lastUpstream = () => stack.sim.log.filter((l) => l.api === api).at(-1)!

  it('answers plain text with usage that adds up, and says which target served', async () => {
    const { data, response } = await stack.client.chat.completions
      .create({ model: id, messages: [{ role: 'user', content: 'reply: Hello there, friend.' }] })
      .withResponse()
    expect(data.object).toBe('chat.completion')
    expect(data.choices[0]!.message.content).toBe('Hello there, friend.')
    expect(data.choices[0]!.finish_reason).toBe('stop')
    const u = data.usage!
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens)
    expect(u.completion_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-headroom-target')).toBe(id)
    expect(response.headers.get('x-headroom-route')).toBe(id)
    expect(response.headers.get('x-request-id')).toMatch(/^req_/)
  })

  it('streams with one id, the role first, [DONE] at the end, and no usage chunk unless asked', async () => {
    const stream = await stack.client.chat.completions.create({
      model: id,
      stream: true,
      messages: [{ role: 'user', content: 'reply: one two three four' }],
    })
    const { chunks, text, finish } = await collect(stream)
    expect(text).toBe('one two three four')
    expect(finish).toEqual(['stop'])
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1)
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant')
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true)
  })

  it('streams a final usage chunk when include_usage is set', async () => {
    const stream = await stack.client.chat.completions.create({
      model: id,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'reply: alpha beta gamma' }],
    })
    const { chunks, text } = await collect(stream)
    expect(text).toBe('alpha beta gamma')
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens)
    expect(last.usage!.completion_tokens).toBeGreaterThan(0)
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true)
  })

  it('passes a system prompt in the provider’s own place', async () => {
    await stack.client.chat.completions.create({
      model: id,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'reply: ok' },
      ],
    })
    const body = lastUpstream().body as Record<string, unknown>
    const seen = JSON.stringify(
      api === 'openai'
        ? body['messages']
        : api === 'anthropic'
          ? body['system']
          : (body['systemInstruction'] ?? body['system_instruction']),
    )
    expect(seen).toContain('You are terse.')
    if (api !== 'openai') expect(JSON.stringify(body['messages'] ?? body['contents'])).not.toContain('You are terse.')
  })

  it('sends an image the provider can see', async () => {
    const r = await stack.client.chat.completions.create({
      model: id,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: PIXEL_PNG } },
          ],
        },
      ],
    })
    expect(r.choices[0]!.message.content).toMatch(/^I see 1 image/)
  })

  it('returns a tool call, and the tool result round trip reaches the provider', async () => {
    const first = await stack.client.chat.completions.create({
      model: id,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    })
    const choice = first.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    const call = choice.message.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall
    expect(call.type).toBe('function')
    expect(call.function.name).toBe('get_weather')
    expect(call.id).toBeTruthy()
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city')

    const second = await stack.client.chat.completions.create({
      model: id,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"temp_c":21}' },
      ],
    })
    expect(second.choices[0]!.finish_reason).toBe('stop')
    expect(second.choices[0]!.message.content).toContain('get_weather')
    expect(second.choices[0]!.message.content).toContain('21')
  })

  it('streams parallel tool calls with stable indices, and the round trip works streamed', async () => {
    const stream = await stack.client.chat.completions.create({
      model: id,
      stream: true,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [{ role: 'user', content: 'Weather and time in Paris?\ncall: all' }],
    })
    const { chunks, finish } = await collect(stream)
    expect(finish).toEqual(['tool_calls'])
    const calls = assembleToolCalls(chunks)
    expect(calls.map((c) => c.name)).toEqual(['get_weather', 'get_time'])
    for (const c of calls) {
      expect(c.id).toBeTruthy()
      expect(() => JSON.parse(c.arguments)).not.toThrow()
    }

    const back = await stack.client.chat.completions.create({
      model: id,
      stream: true,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [
        { role: 'user', content: 'Weather and time in Paris?\ncall: all' },
        {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: c.arguments },
          })),
        },
        { role: 'tool', tool_call_id: calls[0]!.id, content: 'sunny' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '14:00' },
      ],
    })
    const r = await collect(back)
    expect(r.finish).toEqual(['stop'])
    expect(r.text).toMatch(/get_weather|get_time/)
  })

  it('answers JSON in JSON mode', async () => {
    const r = await stack.client.chat.completions.create({
      model: id,
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'Give me a JSON object.' }],
    })
    expect(() => JSON.parse(r.choices[0]!.message.content!)).not.toThrow()
    expect(r.choices[0]!.finish_reason).toBe('stop')

    const s = await stack.client.chat.completions.create({
      model: id,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'city',
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, population: { type: 'integer' } },
            required: ['name', 'population'],
          },
        },
      },
      messages: [{ role: 'user', content: 'A city as JSON.' }],
    })
    const obj = JSON.parse(s.choices[0]!.message.content!)
    expect(typeof obj.name).toBe('string')
    expect(Number.isInteger(obj.population)).toBe(true)
  })

  it('stops at a stop sequence', async () => {
    const r = await stack.client.chat.completions.create({
      model: id,
      stop: ['HALT'],
      messages: [{ role: 'user', content: 'reply: one two HALT three' }],
    })
    expect(r.choices[0]!.message.content!.trim()).toBe('one two')
    expect(r.choices[0]!.finish_reason).toBe('stop')
  })

  it('reports length when max_tokens is hit, streamed and not', async () => {
    const r = await stack.client.chat.completions.create({
      model: id,
      max_tokens: 3,
      messages: [{ role: 'user', content: 'reply: a b c d e f g h' }],
    })
    expect(r.choices[0]!.finish_reason).toBe('length')
    expect(r.usage!.completion_tokens).toBe(3)
    const s = await collect(
      await stack.client.chat.completions.create({
        model: id,
        max_tokens: 3,
        stream: true,
        messages: [{ role: 'user', content: 'reply: a b c d e f g h' }],
      }),
    )
    expect(s.finish).toEqual(['length'])
  })

  describe('errors', () => {
    const ask = (model = id) =>
      stack.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })

    async function failure(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
      try {
        await p
      } catch (err) {
        expect(err).toBeInstanceOf(OpenAI.APIError)
        return err as InstanceType<typeof OpenAI.APIError>
      }
      throw new Error('expected the request to fail')
    }

    it('passes a provider 400 on with its message', async () => {
      stack.sim.script(api, model, [{ kind: 'custom', status: 400 }])
      const e = await failure(ask())
      expect(e.status).toBe(400)
      expect(e.error).toMatchObject({ type: 'invalid_request_error' })
      expect(e.message.length).toBeGreaterThan(5)
    })

    it('maps a rejected provider key to 401 without leaking the key', async () => {
      const e = await failure(ask(`${provider}-badkey/${model}`))
      expect(e.status).toBe(401)
      expect(JSON.stringify(e.error)).not.toMatch(/wrong-key|WrongKey/)
    })

    it('maps an unknown upstream model to 404', async () => {
      const e = await failure(ask(`${provider}/no-such-model-x`))
      expect(e.status).toBe(404)
    })

    it('passes a 429 on with retry-after', async () => {
      stack.sim.script(api, model, [{ kind: 'rate_limit', retryAfterMs: 7000 }])
      const e = await failure(ask())
      expect(e.status).toBe(429)
      expect(e.headers?.get('retry-after')).toBe('7')
    })

    it('retries a 500 once on the same target, then maps it to 500', async () => {
      stack.sim.script(api, model, [{ kind: 'server_error' }])
      const { response } = await stack.client.chat.completions
        .create({ model: id, messages: [{ role: 'user', content: 'reply: ok' }] })
        .withResponse()
      expect(response.headers.get('x-headroom-attempts')).toBe('2')
      stack.sim.script(api, model, [{ kind: 'server_error' }, { kind: 'server_error' }])
      const e = await failure(ask())
      expect(e.status).toBe(500)
      expect(e.headers?.get('x-headroom-attempts')).toBe('2')
    })

    it('maps overloaded (OpenAI 503, Anthropic 529, Gemini 503) to 503', async () => {
      stack.sim.script(api, model, [{ kind: 'overloaded' }, { kind: 'overloaded' }])
      expect((await failure(ask())).status).toBe(503)
    })

    it('ends a stream cut mid-answer with an error frame the SDK raises', async () => {
      stack.sim.script(api, model, [{ kind: 'cut', afterChunks: 6 }])
      const stream = await stack.client.chat.completions.create({
        model: id,
        stream: true,
        messages: [{ role: 'user', content: `reply: ${LONG}` }],
      })
      const { text, error } = await drainText(stream)
      expect(error).toBeInstanceOf(OpenAI.APIError)
      expect(text.length).toBeGreaterThan(0)
      expect(text).not.toBe(LONG)
    })

    it('answers a stream that fails before its first token with an HTTP error, not a broken stream', async () => {
      stack.sim.script(api, model, [{ kind: 'overloaded' }, { kind: 'overloaded' }])
      const e = await failure(
        stack.client.chat.completions.create({ model: id, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      )
      expect(e.status).toBe(503)
    })
  })
})
