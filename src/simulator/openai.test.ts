import OpenAI, { APIError } from 'openai'
import { describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from './index.ts'
import { LONG_TEXT, openaiClient, PNG_1X1, rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
let client: OpenAI

useFileSimulator(7, (s) => {
  sim = s
  client = openaiClient(s)
})

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
}
const time = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
  },
}

async function apiError(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(APIError)
  return err as APIError
}

describe('OpenAI chat completions via the openai SDK', () => {
  it('answers plain text deterministically, with consistent usage and the dated model id', async () => {
    const req = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say something' }] }
    const { data, response } = await client.chat.completions.create(req).withResponse()
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/)
    expect(data.model).toBe('gpt-4o-mini-2024-07-18')
    expect(data.object).toBe('chat.completion')
    const msg = data.choices[0]?.message
    expect(msg?.content?.split(' ')).toHaveLength(16)
    expect(data.choices[0]?.finish_reason).toBe('stop')
    const u = data.usage
    expect(u?.completion_tokens).toBe(16)
    expect(u?.total_tokens).toBe((u?.prompt_tokens ?? 0) + (u?.completion_tokens ?? 0))
    const again = await client.chat.completions.create(req)
    expect(again.choices[0]?.message.content).toBe(msg?.content)
  })

  it('follows the reply directive and streams it word by word with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4.1',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Please\nreply: Hello there, streaming world!' }],
    })
    const contents: string[] = []
    const ids = new Set<string>()
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      ids.add(chunk.id)
      if (chunk.choices.length === 0) usage = chunk.usage
      else {
        expect(chunk.usage).toBeNull()
        const c = chunk.choices[0]
        if (c?.delta.content) contents.push(c.delta.content)
        if (c?.finish_reason) finish = c.finish_reason
      }
    }
    expect(contents).toEqual(['Hello', ' there,', ' streaming', ' world!'])
    expect(ids.size).toBe(1)
    expect(finish).toBe('stop')
    expect(usage?.completion_tokens).toBe(4)
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + 4)
  })

  it('calls the first offered tool with arguments from its schema', async () => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weather, time],
    })
    const choice = r.choices[0]
    expect(choice?.finish_reason).toBe('tool_calls')
    expect(choice?.message.content).toBeNull()
    const calls = choice?.message.tool_calls ?? []
    expect(calls).toHaveLength(1)
    const call = calls[0] as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(call.id).toMatch(/^call_/)
    expect(call.function.name).toBe('get_weather')
    const args = JSON.parse(call.function.arguments) as { city: unknown; unit: unknown }
    expect(typeof args.city).toBe('string')
    expect(['c', 'f']).toContain(args.unit)
  })

  it('streams parallel tool calls as indexed fragments (call: all) that reassemble', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'call: all' }],
      tools: [weather, time],
    })
    const acc = new Map<number, { id?: string; name?: string; args: string; fragments: number }>()
    let finish: string | null = null
    for await (const chunk of stream) {
      const c = chunk.choices[0]
      for (const tc of c?.delta.tool_calls ?? []) {
        const cur = acc.get(tc.index) ?? { args: '', fragments: 0 }
        if (tc.id) {
          expect(cur.id).toBeUndefined()
          cur.id = tc.id
          cur.name = tc.function?.name
        }
        cur.args += tc.function?.arguments ?? ''
        cur.fragments++
        acc.set(tc.index, cur)
      }
      if (c?.finish_reason) finish = c.finish_reason
    }
    expect(finish).toBe('tool_calls')
    expect([...acc.values()].map((t) => t.name)).toEqual(['get_weather', 'get_time'])
    for (const t of acc.values()) {
      expect(t.fragments).toBeGreaterThan(2)
      expect(() => JSON.parse(t.args) as unknown).not.toThrow()
    }
  })

  it('answers a tool result with the tool name and content; rejects an unmatched tool message', async () => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o',
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21C' },
      ],
    })
    expect(r.choices[0]?.message.content).toBe('Tool get_weather returned: sunny, 21C')
    const orphan = await apiError(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'call_9', content: 'y' },
        ],
      }),
    )
    expect(orphan.status).toBe(400)
    expect(orphan.message).toContain("messages with role 'tool' must be a response")
    const unanswered = await apiError(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
          },
          { role: 'user', content: 'y' },
        ],
      }),
    )
    expect(unanswered.message).toContain('call_2')
  })

  it('answers JSON in json_object and json_schema modes', async () => {
    const obj = await client.chat.completions.create({
      model: 'gpt-4o',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'Answer in JSON' }],
    })
    expect(Object.keys(JSON.parse(obj.choices[0]?.message.content ?? '') as object)).toEqual(['answer'])
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer', minimum: 0, maximum: 120 },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['name', 'age', 'tags'],
      additionalProperties: false,
    }
    const js = await client.chat.completions.create({
      model: 'gpt-4o',
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
      messages: [{ role: 'user', content: 'A person' }],
    })
    const v = JSON.parse(js.choices[0]?.message.content ?? '') as { name: unknown; age: number; tags: unknown[] }
    expect(typeof v.name).toBe('string')
    expect(Number.isInteger(v.age) && v.age >= 0 && v.age <= 120).toBe(true)
    expect(Array.isArray(v.tags)).toBe(true)
    const noJsonWord = await apiError(
      client.chat.completions.create({
        model: 'gpt-4o',
        response_format: { type: 'json_object' },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    )
    expect(noJsonWord.message).toContain("must contain the word 'json'")
  })

  it('honours stop sequences and max_tokens', async () => {
    const stopped = await client.chat.completions.create({
      model: 'gpt-4o',
      stop: ['STOP'],
      messages: [{ role: 'user', content: 'reply: one two STOP three' }],
    })
    expect(stopped.choices[0]?.message.content).toBe('one two ')
    expect(stopped.choices[0]?.finish_reason).toBe('stop')
    const cut = await client.chat.completions.create({
      model: 'gpt-4o',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'tokens: 50' }],
    })
    expect(cut.choices[0]?.finish_reason).toBe('length')
    expect(cut.usage?.completion_tokens).toBe(3)
  })

  it('reports reasoning tokens for o-series and refuses max_tokens there', async () => {
    const r = await client.chat.completions.create({ model: 'o4-mini', messages: [{ role: 'user', content: 'think' }] })
    const u = r.usage
    expect(u?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0)
    expect(u?.completion_tokens).toBe(16 + (u?.completion_tokens_details?.reasoning_tokens ?? 0))
    const e = await apiError(
      client.chat.completions.create({ model: 'gpt-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    )
    expect(e.status).toBe(400)
    expect(e.code).toBe('unsupported_parameter')
    expect(e.param).toBe('max_tokens')
  })

  // Each as OpenAI words it for reasoning models: https://platform.openai.com/docs/guides/reasoning and the
  // issues quoted in the reference (openai-python#2046, fast-agent#279, chatbox#1830, smolagents#1893).
  it.each([
    [
      'gpt-5',
      { max_tokens: 10 },
      'max_tokens',
      'unsupported_parameter',
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    ],
    [
      'gpt-5',
      { temperature: 0.2 },
      'temperature',
      'unsupported_value',
      "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
    ],
    [
      'o3-mini',
      { temperature: 0.2 },
      'temperature',
      'unsupported_parameter',
      "Unsupported parameter: 'temperature' is not supported with this model.",
    ],
    [
      'o4-mini',
      { top_p: 0.5 },
      'top_p',
      'unsupported_parameter',
      "Unsupported parameter: 'top_p' is not supported with this model.",
    ],
    [
      'gpt-5',
      { presence_penalty: 0 },
      'presence_penalty',
      'unsupported_parameter',
      "Unsupported parameter: 'presence_penalty' is not supported with this model.",
    ],
    [
      'gpt-5',
      { logprobs: true },
      'logprobs',
      'unsupported_parameter',
      "Unsupported parameter: 'logprobs' is not supported with this model.",
    ],
    [
      'o4-mini',
      { tools: [weather], parallel_tool_calls: false },
      'parallel_tool_calls',
      'unsupported_parameter',
      "Unsupported parameter: 'parallel_tool_calls' is not supported with this model.",
    ],
    [
      'o3',
      { stop: ['\n'] },
      'stop',
      'unsupported_parameter',
      "Unsupported parameter: 'stop' is not supported with this model.",
    ],
    [
      'gpt-5-mini',
      { stop: 'END' },
      'stop',
      'unsupported_parameter',
      "Unsupported parameter: 'stop' is not supported with this model.",
    ],
    // And the other way round, a chat model refuses reasoning_effort (mozilla-ai/any-llm#270).
    [
      'gpt-4.1-nano',
      { reasoning_effort: 'medium' },
      'reasoning_effort',
      'unsupported_parameter',
      "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
    ],
  ] as const)('%s refuses %j as OpenAI does', async (model, extra, param, code, message) => {
    const res = await rawPost(
      `${sim.url}/v1/chat/completions`,
      { model, messages: [{ role: 'user', content: 'x' }], ...extra },
      { authorization: 'Bearer sk-test-key-123456' },
    )
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text)).toEqual({ error: { message, type: 'invalid_request_error', param, code } })
  })

  it('takes what reasoning models do accept: parallel_tool_calls on gpt-5, stop on o3-mini, defaults, gpt-5 chat models', async () => {
    for (const [model, extra] of [
      ['gpt-5', { tools: [weather], parallel_tool_calls: false }],
      ['o3-mini', { stop: ['\n'] }],
      ['o4-mini', { temperature: 1, top_p: 1, max_completion_tokens: 50 }],
      ['gpt-5-chat-latest', { temperature: 0.2, max_tokens: 20, stop: 'END', logprobs: true }],
    ] as const) {
      const res = await rawPost(
        `${sim.url}/v1/chat/completions`,
        { model, messages: [{ role: 'user', content: 'x' }], ...extra },
        { authorization: 'Bearer sk-test-key-123456' },
      )
      expect(res.status, `${model} ${res.text}`).toBe(200)
    }
  })

  it('reports cached prompt tokens in 128-token steps on a repeated long prefix', async () => {
    const system = { role: 'system' as const, content: LONG_TEXT }
    const first = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [system, { role: 'user', content: 'first' }],
    })
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0)
    const second = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [system, { role: 'user', content: 'second question' }],
    })
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0
    expect(cached).toBeGreaterThanOrEqual(1024)
    expect(cached % 128).toBe(0)
    expect(cached).toBeLessThanOrEqual(second.usage?.prompt_tokens ?? 0)
  })

  it('starts the answer with the image count when images are sent; n gives several choices', async () => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o',
      n: 2,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_1X1}` } },
          ],
        },
      ],
    })
    expect(r.choices).toHaveLength(2)
    expect(r.choices[0]?.message.content).toMatch(/^I see 1 image\. \w+/)
    const bad = await apiError(
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        ],
      }),
    )
    expect(bad.code).toBe('invalid_image_format')
  })
})

describe('OpenAI errors', () => {
  it('401 for a missing or invalid key, 404 for an unknown model, 400 for unknown arguments', async () => {
    const strict = await startSimulator({ validKeys: ['sk-good'] })
    try {
      const bad = new OpenAI({ apiKey: 'sk-wrong-key-000000', baseURL: `${strict.url}/v1`, maxRetries: 0 })
      const e = await apiError(
        bad.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      )
      expect(e.status).toBe(401)
      expect(e.code).toBe('invalid_api_key')
      expect(e.message).not.toContain('sk-wrong-key-000000')
    } finally {
      await strict.close()
    }
    const none = await rawPost(`${sim.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] }, {})
    expect(none.status).toBe(401)
    const nf = await apiError(
      client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }),
    )
    expect(nf.status).toBe(404)
    expect(nf.code).toBe('model_not_found')
    const unk = await rawPost(
      `${sim.url}/v1/chat/completions`,
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], top_k: 3 },
      { authorization: 'Bearer k' },
    )
    expect(unk.status).toBe(400)
    expect(JSON.parse(unk.text)).toEqual({
      error: {
        message: 'Unrecognized request argument supplied: top_k',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    })
  })

  it('under /compatible/, serves any model id and takes fields OpenAI does not know, as a compatible server', async () => {
    const messages = [{ role: 'user' as const, content: 'reply: hi' }]
    const body = { model: 'llama-3.3-70b-versatile', messages, top_k: 3, random_seed: 1 }
    const auth = { authorization: 'Bearer k' }
    const ok = await rawPost(`${sim.url}/compatible/v1/chat/completions`, body, auth)
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.text)).toMatchObject({
      model: 'llama-3.3-70b-versatile',
      choices: [{ message: { content: 'hi' } }],
    })
    const compat = new OpenAI({ apiKey: 'k', baseURL: `${sim.url}/compatible/v1`, maxRetries: 0 })
    const bad = await apiError(
      compat.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages, temperature: 3 }),
    )
    expect(bad.status).toBe(400) // OpenAI's own fields are still checked
    // Not listed on OpenAI's API, where the same model is not found.
    expect((await rawPost(`${sim.url}/v1/chat/completions`, { model: body.model, messages }, auth)).status).toBe(404)
  })

  it('500 and 503 from scripted faults, in order, then normal service', async () => {
    sim.script('openai', 'gpt-4o', [{ kind: 'server_error' }, { kind: 'overloaded' }])
    const req = () => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
    const e1 = await apiError(req())
    expect(e1.status).toBe(500)
    expect(e1.type).toBe('server_error')
    expect((await apiError(req())).status).toBe(503)
    await expect(req()).resolves.toBeDefined()
    expect(sim.stats({ api: 'openai', status: 500 })).toBe(1)
    expect(sim.log.map((l) => l.fault ?? null)).toEqual(['server_error', 'overloaded', null])
  })

  it('rate limits per key and model: headers count down, then 429 with retry-after', async () => {
    sim.configure('openai', 'gpt-4.1-nano', { rpm: 3, tpm: 100_000 })
    const remaining: string[] = []
    for (let i = 0; i < 3; i++) {
      const { response } = await client.chat.completions
        .create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'x' }] })
        .withResponse()
      remaining.push(response.headers.get('x-ratelimit-remaining-requests') ?? '')
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3')
      expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+(\.\d+)?(ms|s)|\d+m[\d.]+s)$/)
    }
    expect(remaining).toEqual(['2', '1', '0'])
    const e = await apiError(
      client.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'x' }] }),
    )
    expect(e.status).toBe(429)
    expect(e.code).toBe('rate_limit_exceeded')
    expect(e.type).toBe('requests')
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(e.headers?.get('x-ratelimit-remaining-requests')).toBe('0')
    // Another key has its own bucket.
    const other = new OpenAI({ apiKey: 'sk-other', baseURL: `${sim.url}/v1`, maxRetries: 0 })
    await expect(
      other.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'x' }] }),
    ).resolves.toBeDefined()
    sim.configure('openai', 'gpt-4.1-nano', { rpm: undefined, tpm: undefined })
  })

  it('a stream cut mid-way, a mid-stream error event and a malformed event all make the SDK throw', async () => {
    const run = async () => {
      const s = await client.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        messages: [{ role: 'user', content: 'tokens: 20' }],
      })
      let n = 0
      for await (const _ of s) n++
      return n
    }
    sim.script('openai', '*', [{ kind: 'cut', afterChunks: 3 }, { kind: 'error_event' }, { kind: 'malformed' }])
    await expect(run()).rejects.toThrow()
    await expect(run()).rejects.toThrow(/server had an error/)
    await expect(run()).rejects.toThrow()
    await expect(run()).resolves.toBe(22)
  })
})
