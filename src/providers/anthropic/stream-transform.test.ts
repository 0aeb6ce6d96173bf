import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ChatChunk } from '../openai-schema.ts'
import { SseDecoder } from '../sse.ts'
import { ProviderError } from '../types.ts'
import { type AnthropicStreamEvent, AnthropicStreamTransform } from './stream-transform.ts'

const dir = join(import.meta.dirname, '__fixtures__')
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.chunks.txt'))
  .map((f) => f.slice(0, -'.chunks.txt'.length))

interface Expected {
  jsonToolName?: string
  chunks: ChatChunk[]
  done: boolean
  usage: unknown
  /** message_delta's count with message_stop after it; anything less is partial (message_start's). */
  usageFinal: boolean
  error?: { kind: string; status: number; code: string; message: string }
}

function transform(jsonToolName: string | null = null) {
  return new AnthropicStreamTransform({
    provider: 'anthropic',
    created: 1760000000,
    fallbackId: 'chatcmpl-fallback',
    fallbackModel: 'claude-fallback',
    jsonToolName,
  })
}

/** Decode the parts as one byte stream, feed every event to a fresh transform, collect what comes out. */
function replay(parts: Uint8Array[], jsonToolName: string | null) {
  const decoder = new SseDecoder()
  const t = transform(jsonToolName)
  const chunks: ChatChunk[] = []
  let error: Expected['error']
  try {
    for (const part of parts) {
      for (const ev of [...decoder.push(part)]) chunks.push(...t.push(JSON.parse(ev.data) as AnthropicStreamEvent))
    }
    for (const ev of decoder.end()) chunks.push(...t.push(JSON.parse(ev.data) as AnthropicStreamEvent))
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err
    error = { kind: err.kind, status: err.status, code: err.code ?? '', message: err.message }
  }
  const out: Expected = { chunks, done: t.done, usage: t.usage, usageFinal: t.usageFinal }
  if (error) out.error = error
  return out
}

describe('Anthropic stream fixtures', () => {
  it('has the fixtures the brief lists', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'text',
        'tool-call',
        'parallel-tools',
        'error-mid-stream',
        'max-tokens',
        'usage',
        'truncated',
        'cut-before-stop',
      ]),
    )
  })

  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(join(dir, `${name}.chunks.txt`)))
    const expected = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as Expected
    const { jsonToolName, ...want } = expected

    it(`${name}: whole body`, () => {
      expect(replay([bytes], jsonToolName ?? null)).toEqual(want)
    })

    it(`${name}: split at every byte offset`, () => {
      for (let i = 0; i <= bytes.length; i++) {
        const got = replay([bytes.subarray(0, i), bytes.subarray(i)], jsonToolName ?? null)
        if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `split at byte ${i}`).toEqual(want)
      }
    })
  }
})

describe('AnthropicStreamTransform', () => {
  const start = {
    type: 'message_start',
    message: { id: 'msg_1', model: 'claude-x', content: [], usage: { input_tokens: 5, output_tokens: 1 } },
  } as unknown as AnthropicStreamEvent

  it('counts tool calls separately from block indexes', () => {
    const t = transform()
    t.push(start)
    t.push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as AnthropicStreamEvent)
    const [c] = t.push({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
    } as unknown as AnthropicStreamEvent)
    expect(c!.choices[0]!.delta.tool_calls![0]!.index).toBe(0)
  })

  it('sends a tool input given whole in content_block_start as one arguments fragment', () => {
    const t = transform()
    t.push(start)
    const out = t.push({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
    } as unknown as AnthropicStreamEvent)
    expect(out.map((c) => c.choices[0]!.delta.tool_calls![0]!.function!.arguments)).toEqual(['', '{"a":1}'])
    // …and no extra "{}" at the block's end, since arguments were sent.
    expect(t.push({ type: 'content_block_stop', index: 0 })).toEqual([])
  })

  it('ignores unknown event types and events after message_stop', () => {
    const t = transform()
    t.push(start)
    expect(t.push({ type: 'brand_new_event' } as unknown as AnthropicStreamEvent)).toEqual([])
    t.push({ type: 'message_stop' })
    expect(t.done).toBe(true)
    expect(t.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'late' } })).toEqual([])
  })

  it('maps an error event to a stream ProviderError with the upstream message', () => {
    const t = transform()
    t.push(start)
    let err: unknown
    try {
      t.push({ type: 'error', error: { type: 'api_error', message: 'Internal error' } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ProviderError)
    const pe = err as ProviderError
    expect([pe.kind, pe.status, pe.code, pe.retryable]).toEqual(['stream', 500, 'api_error', true])
    expect(pe.message).toBe('Internal error')
  })

  it('uses the fallback id and model until message_start names them', () => {
    const t = transform()
    const [c] = t.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } })
    expect([c!.id, c!.model]).toEqual(['chatcmpl-fallback', 'claude-fallback'])
    expect(t.usage).toBeNull()
  })
})
