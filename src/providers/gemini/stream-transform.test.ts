import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ChatChunk } from '../openai-schema.ts'
import { SseDecoder } from '../sse.ts'
import { ProviderError, type ProviderUsage } from '../types.ts'
import { GeminiStreamTransform } from './stream-transform.ts'

const dir = fileURLToPath(new URL('./__fixtures__/', import.meta.url))
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.chunks.txt'))
  .map((f) => f.slice(0, -'.chunks.txt'.length))

interface Expected {
  finished: boolean
  requestId: string
  model: string
  /** The last usageMetadata, and whether it is the closing count (a cut stream's is a running one). */
  usage: ProviderUsage | null
  usageFinal: boolean
  chunks: ChatChunk[]
  error?: { kind: string; status: number; message: string }
}

function newTransform(): GeminiStreamTransform {
  let n = 0
  return new GeminiStreamTransform({
    provider: 'google',
    id: 'chatcmpl-fixture',
    created: 1760000000,
    model: 'target-model',
    now: () => 0,
    newToolCallId: () => `call_${++n}`,
  })
}

interface Run {
  chunks: ChatChunk[]
  error: ProviderError | null
  transform: GeminiStreamTransform
}

/** Feeds the bytes in the given pieces, as a socket would, through SseDecoder and the transform. */
function run(pieces: Uint8Array[]): Run {
  const decoder = new SseDecoder()
  const transform = newTransform()
  const chunks: ChatChunk[] = []
  try {
    for (const piece of pieces)
      for (const ev of decoder.push(piece)) chunks.push(...transform.push(JSON.parse(ev.data)))
    for (const ev of decoder.end()) chunks.push(...transform.push(JSON.parse(ev.data)))
    if (transform.finished) chunks.push(...transform.end())
  } catch (err) {
    if (err instanceof ProviderError) return { chunks, error: err, transform }
    throw err
  }
  return { chunks, error: null, transform }
}

describe('Gemini stream fixtures', () => {
  it('has the fixtures the adapter is specified against', () => {
    expect(names.sort()).toEqual(
      [
        'error-mid-stream',
        'max-tokens',
        'parallel-tools',
        'prompt-blocked',
        'running-usage-cut',
        'text',
        'thinking',
        'tool-call',
        'truncated',
        'two-candidates',
        'two-candidates-cut',
        'usage',
      ].sort(),
    )
  })

  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(`${dir}${name}.chunks.txt`))
    const expected = JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected

    it(`${name}: whole body`, () => {
      const r = run([bytes])
      expect(r.chunks).toEqual(expected.chunks)
      expect(r.transform.finished).toBe(expected.finished)
      expect(r.transform.responseId).toBe(expected.requestId)
      expect(r.transform.model).toBe(expected.model)
      expect({ usage: r.transform.usage, usageFinal: r.transform.usageFinal }).toEqual({
        usage: expected.usage,
        usageFinal: expected.usageFinal,
      })
      if (expected.error) {
        expect(r.error).toBeInstanceOf(ProviderError)
        expect({ kind: r.error!.kind, status: r.error!.status, message: r.error!.message }).toEqual(expected.error)
      } else {
        expect(r.error).toBeNull()
      }
    })

    it(`${name}: split at every byte offset`, () => {
      const want = JSON.stringify(run([bytes]).chunks)
      for (let i = 1; i < bytes.length; i++) {
        const r = run([bytes.subarray(0, i), bytes.subarray(i)])
        if (JSON.stringify(r.chunks) !== want) expect.fail(`split at byte ${i} gave different chunks`)
        if (
          r.transform.usageFinal !== expected.usageFinal ||
          JSON.stringify(r.transform.usage) !== JSON.stringify(expected.usage)
        )
          expect.fail(`split at byte ${i} gave different usage`)
        expect(r.error?.message ?? null).toBe(expected.error?.message ?? null)
      }
    })
  }
})

describe('GeminiStreamTransform', () => {
  it('throws a stream error for an event that is not a GenerateContentResponse', () => {
    const t = newTransform()
    expect(() => t.push({ candidates: 'nope' })).toThrowError(/not a GenerateContentResponse/)
    try {
      t.push([1, 2])
    } catch (err) {
      expect(err).toMatchObject({ kind: 'stream', status: 502 })
    }
  })

  it('reports retry hints carried by a mid-stream 429 error event', () => {
    const t = newTransform()
    const err = (() => {
      try {
        t.push({
          error: {
            code: 429,
            message: 'quota',
            details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
          },
        })
      } catch (e) {
        return e
      }
      return null
    })()
    expect(err).toMatchObject({ kind: 'stream', status: 429, retryAfterMs: 2000, message: 'quota' })
  })

  it('is not finished before any event, and emits no usage chunk without usage', () => {
    const t = newTransform()
    expect(t.finished).toBe(false)
    expect(t.end()).toEqual([])
  })

  it('emits one finish per choice even if Gemini repeats the finishReason', () => {
    const t = newTransform()
    const ev = { candidates: [{ content: { parts: [{ text: 'a' }] }, finishReason: 'STOP' }] }
    const first = t.push(ev)
    const again = t.push({ candidates: [{ finishReason: 'STOP' }] })
    expect(first.map((c) => c.choices[0]!.finish_reason)).toEqual([null, 'stop'])
    expect(again).toEqual([])
  })

  it('keeps the head model of the first chunk when modelVersion appears later', () => {
    const t = newTransform()
    const a = t.push({ candidates: [{ content: { parts: [{ text: 'a' }] } }] })
    const b = t.push({
      candidates: [{ content: { parts: [{ text: 'b' }] }, finishReason: 'STOP' }],
      modelVersion: 'gemini-x',
    })
    expect([...a, ...b].map((c) => c.model)).toEqual(['target-model', 'target-model', 'target-model'])
    expect(t.model).toBe('gemini-x')
  })

  it('ignores executable-code parts and a function call with no args becomes "{}"', () => {
    const t = newTransform()
    const out = t.push({
      candidates: [
        {
          content: { parts: [{ executableCode: { code: 'print(1)' } }, { functionCall: { name: 'now' } }] },
          finishReason: 'STOP',
        },
      ],
    })
    expect(out[0]!.choices[0]!.delta).toEqual({
      role: 'assistant',
      tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'now', arguments: '{}' } }],
    })
    expect(out[1]!.choices[0]!.finish_reason).toBe('tool_calls')
  })
})
