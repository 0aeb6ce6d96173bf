import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ChatChunk } from '../openai-schema.ts'
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
