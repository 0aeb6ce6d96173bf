import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type ChatChunk, RAW_JSON } from '../openai-schema.ts'
import { SseDecoder } from '../sse.ts'
import { ProviderError, type ProviderUsage } from '../types.ts'
import { OpenAIStreamTransform, transformOpenAIEvent } from './stream-transform.ts'

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '__fixtures__', name))

type Outcome = {
  chunks: ChatChunk[]
  done: boolean
  usage: ProviderUsage | null
  usageFinal: boolean
  error?: ProviderError
}

function run(bytes: Uint8Array, split: number): Outcome {
  const d = new SseDecoder()
  const t = new OpenAIStreamTransform('openai')
  const chunks: ChatChunk[] = []
  let error: ProviderError | undefined
  try {
    for (const part of [bytes.subarray(0, split), bytes.subarray(split)]) {
      for (const ev of d.push(part)) {
        const item = t.push(ev.data)
        if (item.kind === 'chunk') chunks.push(item.chunk)
      }
    }
  } catch (err) {
    error = err as ProviderError
  }
  const out: Outcome = { chunks, done: t.done, usage: t.usage, usageFinal: t.usageFinal }
  if (error) out.error = error
  return out
}

/** Runs a fixture split at every byte offset; every split must give the same result. */
function everySplit(name: string): Outcome {
  const bytes = fixture(name)
  const whole = run(bytes, bytes.length)
  for (let i = 0; i < bytes.length; i++) expect(run(bytes, i), `split at ${i}`).toEqual(whole)
  return whole
}

describe('OpenAI stream transform', () => {
  it('passes tool-call fragments through with stable indices, and the usage chunk', () => {
    const r = everySplit('parallel-tools.chunks.txt')
    expect(r.done).toBe(true)
    expect(r.chunks).toHaveLength(6)
    const args = r.chunks
      .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
      .filter((t) => t.index === 0)
      .map((t) => t.function?.arguments)
      .join('')
    expect(JSON.parse(args)).toEqual({ city: 'Paris' })
    expect(r.chunks[4]!.choices[0]!.finish_reason).toBe('tool_calls')
    expect(r.chunks[5]!.usage?.total_tokens).toBe(97)
    expect(r.usage).toMatchObject({ promptTokens: 80, completionTokens: 17 })
    expect(r.usageFinal).toBe(true)
  })

  it('turns an in-band error object into a ProviderError of kind stream', () => {
    const r = everySplit('error-mid-stream.chunks.txt')
    expect(r.chunks.map((c) => c.choices[0]?.delta.content)).toEqual(['', 'Bonjour é'])
    expect(r.error).toBeInstanceOf(ProviderError)
    expect(r.error).toMatchObject({
      kind: 'stream',
      type: 'server_error',
      message: 'The server had an error while processing your request.',
    })
    expect([r.usage, r.usageFinal]).toEqual([null, false])
  })

  it("maps a compatible server's own finish reason (eos → stop)", () => {
    const r = everySplit('compatible-eos.chunks.txt')
    expect(r.chunks[1]!.choices[0]!.finish_reason).toBe('stop')
    expect(r.done).toBe(true)
    // Usage on the finish chunk itself, as some compatible servers send it: the closing count.
    expect([r.usage?.completionTokens, r.usageFinal]).toEqual([1, true])
  })

  it('a running count on every chunk (vLLM continuous_usage_stats) is final only once every choice has finished', () => {
    const whole = everySplit('continuous-usage.chunks.txt')
    expect([whole.done, whole.usage?.completionTokens, whole.usageFinal]).toEqual([true, 4, true])
    const cut = everySplit('continuous-usage-cut.chunks.txt')
    expect(cut.chunks.map((c) => c.choices[0]?.delta.content)).toEqual(['', 'The tide', ' turns at'])
    expect([cut.done, cut.usage, cut.usageFinal]).toEqual([
      false,
      { promptTokens: 14, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 4, reasoningTokens: 0 },
      false,
    ])
  })

  it('usage without completion_tokens counts only the prompt: not the closing count', () => {
    const t = new OpenAIStreamTransform('compat')
    t.push(
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}',
    )
    t.push(
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"total_tokens":9}}',
    )
    expect([t.usage?.promptTokens, t.usageFinal]).toEqual([9, false])
  })

  it('rejects a malformed event', () => {
    expect(() => transformOpenAIEvent('openai', '{"id":')).toThrow(ProviderError)
  })
})

describe('text deltas read without JSON.parse', () => {
  // After the first chunk, a plain text delta with its fields is read by a scan (textDelta): the chunk must
  // be the one JSON.parse gives, key order included (serialised again, the same text), with the upstream’s bytes.
  const head =
    '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","service_tier":"default","system_fingerprint":"fp","choices":['
  const delta = (index: number, content: string, tail = '],"usage":null}') =>
    `${head}{"index":${index},"delta":{"content":${content}},"logprobs":null,"finish_reason":null}${tail}`
  const cases = [
    delta(0, '"plain"'),
    delta(0, '""'),
    delta(0, '"q \\" b \\\\ s \\/ \\b\\f\\n\\r\\t u \\u00e9 \\ud83d\\ude00"'),
    delta(0, '"no usage"', ']}'),
    delta(12, '"choice 12"'),
    delta(0, '"é 😀 raw"'),
  ]

  it.each(cases)('%s', (data) => {
    const t = new OpenAIStreamTransform('openai')
    t.push(
      `${head}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}`,
    )
    const item = t.push(data)
    expect(item.kind).toBe('chunk')
    const chunk = (item as { chunk: ChatChunk }).chunk
    expect(chunk).toEqual({ ...JSON.parse(data), [RAW_JSON]: data })
    expect(JSON.stringify(chunk)).toBe(JSON.stringify(JSON.parse(data)))
    expect(chunk[RAW_JSON]).toBe(data)
  })

  it('anything else is parsed: a bad escape or a control character is malformed, a finish is mapped, usage read', () => {
    const t = new OpenAIStreamTransform('openai')
    t.push(delta(0, '"first"'))
    expect(() => t.push(delta(0, '"bad \\x"'))).toThrow(ProviderError)
    expect(() => t.push(delta(0, '"ctl \u0001"'))).toThrow(ProviderError)
    expect(() => t.push(delta(0, '"cut'))).toThrow(ProviderError)
    const err = `${head}{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}],"usage":null,"error":{"message":"boom"}}`
    expect(() => t.push(err)).toThrow(/boom/)
    const finish = `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"eos"}],"usage":null}`
    const f = t.push(finish) as { chunk: ChatChunk }
    expect(f.chunk.choices[0]?.finish_reason).toBe('stop')
    const withUsage = delta(0, '"u"', '],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}')
    expect((t.push(withUsage) as { chunk: ChatChunk }).chunk.usage?.completion_tokens).toBe(2)
    expect(t.usage?.completionTokens).toBe(2)
  })
})
