import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ChatChunk } from '../openai-schema.ts'
import { SseDecoder } from '../sse.ts'
import { ProviderError } from '../types.ts'
import { transformOpenAIEvent } from './stream-transform.ts'

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '__fixtures__', name))

type Outcome = { chunks: ChatChunk[]; done: boolean; error?: ProviderError }

function run(bytes: Uint8Array, split: number): Outcome {
  const d = new SseDecoder()
  const out: Outcome = { chunks: [], done: false }
  try {
    for (const part of [bytes.subarray(0, split), bytes.subarray(split)]) {
      for (const ev of d.push(part)) {
        const item = transformOpenAIEvent('openai', ev.data)
        if (item.kind === 'done') out.done = true
        else if (item.kind === 'chunk') out.chunks.push(item.chunk)
      }
    }
  } catch (err) {
    out.error = err as ProviderError
  }
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
    const r = everySplit('tool-calls.chunks.txt')
    expect(r.done).toBe(true)
    expect(r.chunks).toHaveLength(6)
    const args = r.chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((t) => t.index === 0).map((t) => t.function?.arguments).join('')
    expect(JSON.parse(args)).toEqual({ city: 'Paris' })
    expect(r.chunks[4]!.choices[0]!.finish_reason).toBe('tool_calls')
    expect(r.chunks[5]!.usage?.total_tokens).toBe(97)
  })

  it('turns an in-band error object into a ProviderError of kind stream', () => {
    const r = everySplit('error-midstream.chunks.txt')
    expect(r.chunks.map((c) => c.choices[0]?.delta.content)).toEqual(['', 'Bonjour é'])
    expect(r.error).toBeInstanceOf(ProviderError)
    expect(r.error).toMatchObject({ kind: 'stream', type: 'server_error', message: 'The server had an error while processing your request.' })
  })

  it("maps a compatible server's own finish reason (eos → stop)", () => {
    const r = everySplit('compatible-eos.chunks.txt')
    expect(r.chunks[1]!.choices[0]!.finish_reason).toBe('stop')
    expect(r.done).toBe(true)
  })

  it('rejects a malformed event', () => {
    expect(() => transformOpenAIEvent('openai', '{"id":')).toThrow(ProviderError)
  })
})
