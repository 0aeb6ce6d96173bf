import {
  type FunctionDeclaration,
  GoogleGenerativeAI,
  GoogleGenerativeAIFetchError,
  type ModelParams,
  type ResponseSchema,
  SchemaType,
} from '@google/generative-ai'
import { describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from './index.ts'
import { LONG_TEXT, PNG_1X1, rawPost, useFileSimulator } from './test-utils.ts'

let sim: Simulator
let genai: GoogleGenerativeAI

useFileSimulator(5, (s) => {
  sim = s
  genai = new GoogleGenerativeAI('gm-test-key')
})

const model = (params: ModelParams, g: GoogleGenerativeAI = genai, url = sim.url) =>
  g.getGenerativeModel(params, { baseUrl: url })

async function fetchError(p: Promise<unknown>): Promise<GoogleGenerativeAIFetchError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(GoogleGenerativeAIFetchError)
  return err as GoogleGenerativeAIFetchError
}

const weatherDecl: FunctionDeclaration = {
  name: 'get_weather',
  parameters: {
    type: SchemaType.OBJECT,
    properties: { city: { type: SchemaType.STRING }, days: { type: SchemaType.INTEGER } },
    required: ['city'],
  },
}

describe('Gemini generateContent via @google/generative-ai', () => {
  it('answers text with usage whose total adds up, thoughts included for 2.5 models', async () => {
    const r = await model({ model: 'gemini-2.5-flash' }).generateContent('Hello')
    const res = r.response
    expect(res.text().split(' ')).toHaveLength(16)
    expect(res.candidates?.[0]?.finishReason).toBe('STOP')
    const u = res.usageMetadata as {
      promptTokenCount: number
      candidatesTokenCount: number
      totalTokenCount: number
      thoughtsTokenCount?: number
    }
    expect(u.candidatesTokenCount).toBe(16)
    expect(u.thoughtsTokenCount).toBeGreaterThan(0)
    expect(u.totalTokenCount).toBe(u.promptTokenCount + u.candidatesTokenCount + (u.thoughtsTokenCount ?? 0))
    const lite = await model({ model: 'gemini-2.0-flash' }).generateContent('Hello')
    expect((lite.response.usageMetadata as { thoughtsTokenCount?: number }).thoughtsTokenCount).toBeUndefined()
    expect((res as unknown as { modelVersion: string }).modelVersion).toBe('gemini-2.5-flash')
  })

  it('streams over SSE in pieces the SDK aggregates; the raw bytes have no event lines', async () => {
    const { stream, response } = await model({ model: 'gemini-2.5-flash-lite' }).generateContentStream(
      'reply: one two three four five six seven',
    )
    const parts: string[] = []
    for await (const c of stream) parts.push(c.text())
    expect(parts).toEqual(['one two three four', ' five six seven'])
    const final = await response
    expect(final.text()).toBe('one two three four five six seven')
    expect(final.usageMetadata?.candidatesTokenCount).toBe(7)

    const raw = await rawPost(
      `${sim.url}/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse`,
      { contents: [{ parts: [{ text: 'reply: a b c d e' }] }] },
      { 'x-goog-api-key': 'k' },
    )
    expect(raw.headers.get('content-type')).toBe('text/event-stream')
    const events = raw.text.split('\r\n\r\n')
    expect(events.pop()).toBe('')
    expect(events).toHaveLength(2)
    for (const e of events) expect(e).toMatch(/^data: \{[^\n\r]*\}$/)
    expect(raw.text).not.toMatch(/^event:|\[DONE\]/m)
  })

  it('streams a JSON array without alt=sse', async () => {
    const raw = await rawPost(
      `${sim.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?key=k`,
      { contents: [{ parts: [{ text: 'reply: a b c d e f' }] }] },
      {},
    )
    expect(raw.status).toBe(200)
    const arr = JSON.parse(raw.text) as Array<{ candidates: Array<{ content: { parts: Array<{ text: string }> } }> }>
    expect(arr.map((c) => c.candidates[0]?.content.parts[0]?.text).join('')).toBe('a b c d e f')
  })

  it('calls a function whole, finishing with STOP, and answers a functionResponse', async () => {
    const m = model({ model: 'gemini-2.5-pro', tools: [{ functionDeclarations: [weatherDecl] }] })
    const r = await m.generateContent('Weather in Rome?')
    const calls = r.response.functionCalls() ?? []
    expect(calls).toHaveLength(1)
    expect(calls[0]?.name).toBe('get_weather')
    expect(typeof (calls[0]?.args as { city: unknown } | undefined)?.city).toBe('string')
    expect(r.response.candidates?.[0]?.finishReason).toBe('STOP')
    const back = await m.generateContent({
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Rome?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Rome' } } }] },
        { role: 'function', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 25 } } }] },
      ],
    })
    expect(back.response.text()).toBe('Tool get_weather returned: {"temp":25}')
    const orphan = await fetchError(
      m.generateContent({
        contents: [{ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: {} } }] }],
      }),
    )
    expect(orphan.status).toBe(400)
    expect(orphan.message).toContain('function response turn comes immediately after a function call turn')
  })

  it('returns JSON for responseMimeType + responseSchema, several candidates, stop and max tokens', async () => {
    const schema: ResponseSchema = {
      type: SchemaType.OBJECT,
      properties: { title: { type: SchemaType.STRING }, score: { type: SchemaType.NUMBER } },
      required: ['title', 'score'],
    }
    const j = await model({
      model: 'gemini-2.5-flash',
      generationConfig: { responseMimeType: 'application/json', responseSchema: schema },
    }).generateContent('json')
    const v = JSON.parse(j.response.text()) as { title: unknown; score: unknown }
    expect(typeof v.title).toBe('string')
    expect(typeof v.score).toBe('number')
    const two = await model({ model: 'gemini-2.0-flash', generationConfig: { candidateCount: 2 } }).generateContent(
      'hi',
    )
    expect(two.response.candidates?.map((c) => c.index)).toEqual([0, 1])
    const stop = await model({
      model: 'gemini-2.0-flash',
      generationConfig: { stopSequences: ['STOP'] },
    }).generateContent('reply: keep this STOP drop')
    expect(stop.response.text()).toBe('keep this ')
    const max = await model({ model: 'gemini-2.0-flash', generationConfig: { maxOutputTokens: 3 } }).generateContent(
      'hello',
    )
    expect(max.response.candidates?.[0]?.finishReason).toBe('MAX_TOKENS')
    expect(max.response.usageMetadata?.candidatesTokenCount).toBe(3)
  })

  it('returns thought summaries (thought: true, first) only when includeThoughts asks, streamed too', async () => {
    const m = (includeThoughts: boolean) =>
      model({
        model: 'gemini-2.5-flash',
        generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts } },
      } as ModelParams)
    const shown = await m(true).generateContent('reply: ok')
    const parts = shown.response.candidates![0]!.content.parts as Array<{ text: string; thought?: boolean }>
    expect(parts.map((p) => p.thought === true)).toEqual([true, false])
    expect(parts[0]!.text.length).toBeGreaterThan(0)
    expect(parts[1]!.text).toBe('ok')
    const hidden = await m(false).generateContent('reply: ok')
    expect(hidden.response.candidates![0]!.content.parts.some((p) => 'thought' in p)).toBe(false)
    expect((hidden.response.usageMetadata as { thoughtsTokenCount?: number }).thoughtsTokenCount).toBeGreaterThan(0)
    const streamed = await m(true).generateContentStream('reply: ok')
    const first = (await streamed.stream.next()).value as {
      candidates: Array<{ content: { parts: Array<{ thought?: boolean }> } }>
    }
    expect(first.candidates[0]!.content.parts[0]!.thought).toBe(true)
  })

  it('refuses more than 5 stopSequences as Gemini does', async () => {
    // https://ai.google.dev/api/generate-content#generationconfig ("at most 5")
    const err = await fetchError(
      model({ model: 'gemini-2.5-flash' }).generateContent({
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        generationConfig: { stopSequences: ['a', 'b', 'c', 'd', 'e', 'f'] },
      }),
    )
    expect(err.status).toBe(400)
    expect(err.message).toContain(
      '* GenerateContentRequest.generation_config.stop_sequences: the number of stop_sequences must not exceed 5.',
    )
    const five = await model({ model: 'gemini-2.5-flash' }).generateContent({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      generationConfig: { stopSequences: ['a', 'b', 'c', 'd', 'e'] },
    })
    expect(five.response.candidates).toHaveLength(1)
  })

  it('accepts snake_case fields and inline_data images; refuses unknown fields', async () => {
    const body = {
      system_instruction: { parts: [{ text: 'be brief' }] },
      contents: [
        { role: 'user', parts: [{ text: 'what is it?' }, { inline_data: { mime_type: 'image/png', data: PNG_1X1 } }] },
      ],
      generation_config: { max_output_tokens: 100, thinking_config: { thinking_budget: 0 } },
      tool_config: { function_calling_config: { mode: 'NONE' } },
    }
    const ok = await rawPost(`${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, body, {
      'x-goog-api-key': 'k',
    })
    expect(ok.status).toBe(200)
    const res = JSON.parse(ok.text) as {
      candidates: Array<{ content: { parts: Array<{ text: string }> } }>
      usageMetadata: Record<string, number>
    }
    expect(res.candidates[0]?.content.parts[0]?.text).toMatch(/^I see 1 image\./)
    expect(res.usageMetadata['thoughtsTokenCount']).toBeUndefined()
    const bad = await rawPost(
      `${sim.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      { contents: [{ parts: [{ text: 'x' }] }], max_tokens: 5 },
      { 'x-goog-api-key': 'k' },
    )
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.text)).toMatchObject({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'Invalid JSON payload received. Unknown name "max_tokens": Cannot find field.',
      },
    })
  })

  it('reports implicit caching on a repeated long prefix (promptTokenCount includes it)', async () => {
    const m = model({ model: 'gemini-2.5-flash', systemInstruction: LONG_TEXT })
    const a = await m.generateContent('first')
    expect((a.response.usageMetadata as { cachedContentTokenCount?: number }).cachedContentTokenCount).toBeUndefined()
    const b = await m.generateContent('second')
    const u = b.response.usageMetadata as { cachedContentTokenCount?: number; promptTokenCount: number }
    expect(u.cachedContentTokenCount).toBeGreaterThanOrEqual(1024)
    expect(u.cachedContentTokenCount).toBeLessThan(u.promptTokenCount)
  })
})

describe('Gemini errors', () => {
  it('an invalid key is a 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID', async () => {
    const strict = await startSimulator({ validKeys: ['good'] })
    try {
      const e = await fetchError(
        model({ model: 'gemini-2.5-flash' }, new GoogleGenerativeAI('bad'), strict.url).generateContent('x'),
      )
      expect(e.status).toBe(400)
      expect(e.errorDetails?.[0]).toMatchObject({
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
      })
    } finally {
      await strict.close()
    }
  })

  it('404 NOT_FOUND for an unknown model, 500 INTERNAL, 503 UNAVAILABLE', async () => {
    expect((await fetchError(model({ model: 'gemini-9' }).generateContent('x'))).status).toBe(404)
    sim.script('gemini', 'gemini-2.5-flash', [{ kind: 'server_error' }, { kind: 'overloaded' }])
    expect((await fetchError(model({ model: 'gemini-2.5-flash' }).generateContent('x'))).status).toBe(500)
    const o = await fetchError(model({ model: 'gemini-2.5-flash' }).generateContent('x'))
    expect(o.status).toBe(503)
    expect(o.message).toContain('overloaded')
  })

  it('429 RESOURCE_EXHAUSTED carries QuotaFailure and RetryInfo, and no rate-limit headers', async () => {
    sim.configure('gemini', 'gemini-2.5-flash-lite', { rpm: 1 })
    await model({ model: 'gemini-2.5-flash-lite' }).generateContent('x')
    const e = await fetchError(model({ model: 'gemini-2.5-flash-lite' }).generateContent('x'))
    expect(e.status).toBe(429)
    const retry = e.errorDetails?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo') as
      | { retryDelay: string }
      | undefined
    expect(retry?.retryDelay).toMatch(/^\d+(\.\d+)?s$/)
    expect(Number(retry?.retryDelay.slice(0, -1))).toBeGreaterThan(50)
    expect(e.errorDetails?.some((d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure')).toBe(true)
    const raw = await rawPost(
      `${sim.url}/v1beta/models/gemini-2.5-flash-lite:generateContent`,
      { contents: [{ parts: [{ text: 'x' }] }] },
      { 'x-goog-api-key': 'gm-test-key' },
    )
    expect(raw.status).toBe(429)
    expect([...raw.headers.keys()].filter((k) => k.includes('ratelimit') || k === 'retry-after')).toEqual([])
    sim.configure('gemini', 'gemini-2.5-flash-lite', { rpm: undefined })
  })

  it('a stream cut mid-way makes the SDK throw; a malformed event too', async () => {
    const run = async () => {
      const { stream, response } = await model({ model: 'gemini-2.0-flash' }).generateContentStream('tokens: 40')
      response.catch(() => {}) // the SDK's aggregate rejects too; the iterator is what we assert on
      let n = 0
      for await (const _ of stream) n++
      return n
    }
    sim.script('gemini', '*', [
      { kind: 'cut', afterChunks: 2 },
      { kind: 'malformed', afterChunks: 1 },
    ])
    await expect(run()).rejects.toThrow()
    await expect(run()).rejects.toThrow(/Error parsing JSON response/)
    await expect(run()).resolves.toBe(10)
  })

  it('error_event ends an SSE stream with a data line carrying {"error":{code,message,status}}', async () => {
    sim.script('gemini', '*', [{ kind: 'error_event', afterChunks: 1 }])
    const raw = await rawPost(
      `${sim.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      { contents: [{ parts: [{ text: 'tokens: 20' }] }] },
      { 'x-goog-api-key': 'k' },
    )
    const events = raw.text.split('\r\n\r\n').filter(Boolean)
    expect(events).toHaveLength(2)
    expect(JSON.parse(events[1]?.slice('data: '.length) ?? '')).toEqual({
      error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' },
    })
  })
})
