import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { chunkStream } from './chunk-stream.ts'
import { OpenAIStreamTransform } from './openai/stream-transform.ts'
import { streamBroken } from './provider-errors.ts'
import type { UpstreamMeta } from './types.ts'

const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-x',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  })
const USAGE = JSON.stringify({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-x',
  choices: [],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
})
const frames = (...data: string[]) => data.map((d) => `data: ${d}\n\n`).join('')

function run(reads: string[]) {
  const body = Readable.from(reads.map((s) => Buffer.from(s)))
  const meta: UpstreamMeta = { usage: null, usageFinal: false, model: null, requestId: null, warnings: [] }
  const latency: { ttftMs?: number } = {}
  const stream = chunkStream(body, new OpenAIStreamTransform('openai'), {
    signal: new AbortController().signal,
    meta,
    latency,
    started: performance.now(),
    fail: (err) => streamBroken('openai', err instanceof Error ? err.message : String(err)),
  })
  return { body, meta, latency, stream }
}

async function contents(stream: AsyncIterable<{ choices: Array<{ delta: { content?: string | null } }> }>) {
  const out: string[] = []
  for await (const c of stream) out.push(c.choices[0]?.delta.content ?? '(usage)')
  return out
}

describe('chunkStream', () => {
  it('hands over every chunk in order, whatever the reads, and fills meta at the end', async () => {
    const text = frames(chunk('a'), chunk('b'), chunk('', 'stop'), USAGE, '[DONE]')
    for (const reads of [[text], [text.slice(0, 50), text.slice(50, 200), text.slice(200)]]) {
      const { stream, meta, latency } = run(reads)
      expect(await contents(stream)).toEqual(['a', 'b', '', '(usage)'])
      expect(meta.usage?.promptTokens).toBe(3)
      expect(meta.usageFinal).toBe(true)
      expect(meta.model).toBe('gpt-x')
      expect(latency.ttftMs).toBeGreaterThanOrEqual(0)
    }
  })

  it('reads the body to its end after [DONE], decoding nothing more', async () => {
    const { stream, body } = run([frames(chunk('a'), '[DONE]', chunk('late')), frames(chunk('later'))])
    expect(await contents(stream)).toEqual(['a'])
    expect(body.readableEnded).toBe(true)
    expect(body.destroyed).toBe(true) // autoDestroy after its end, not dropped early
  })

  it('hands over the chunks before a bad event, then fails with the provider error', async () => {
    const { stream, meta } = run([frames(chunk('a'), '{not json', chunk('b'))])
    const seen: string[] = []
    await expect(async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '')
    }).rejects.toMatchObject({ kind: 'stream' })
    expect(seen).toEqual(['a'])
    expect(meta.model).toBe('gpt-x')
  })

  it('fails a stream that ends before [DONE]', async () => {
    const { stream } = run([frames(chunk('a'))])
    await expect(contents(stream)).rejects.toMatchObject({ kind: 'stream' })
  })

  it('drops the body when the consumer leaves early, and still fills meta', async () => {
    const { stream, body, meta } = run([frames(chunk('a'), chunk('b')), frames(chunk('c'), '[DONE]')])
    for await (const _ of stream) break
    expect(body.destroyed).toBe(true)
    expect(body.readableEnded).toBe(false)
    expect(meta.model).toBe('gpt-x')
    const it = stream[Symbol.asyncIterator]()
    expect(await it.next()).toEqual({ done: true, value: undefined })
  })
})
