import type { ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { ChatChunk } from '../providers/openai-schema.ts'
import { writeChunks } from './sse-writer.ts'

const chunk = (content: string): ChatChunk =>
  ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  }) as ChatChunk

/** A client connection: `takes` bytes are read, then nothing more (the client stopped reading). */
function client(takes: number, highWaterMark = 16) {
  let taken = 0
  const res = new Writable({
    highWaterMark,
    write(buf: Buffer, _enc, cb) {
      taken += buf.length
      if (taken <= takes) cb()
    },
  })
  return res as unknown as ServerResponse
}

/**
 * Chunks from an upstream, one per turn of the event loop (one per read, as from a provider that is still
 * writing); `released` says whether the consumer gave it back (the upstream call cancelled).
 */
function upstream(chunks: ChatChunk[]) {
  const state = { released: false }
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve))
  const iterable: AsyncIterable<ChatChunk> = {
    [Symbol.asyncIterator]: () => {
      let i = 0
      return {
        next: async () => {
          if (i > 0) await nextTurn()
          return i < chunks.length ? { done: false, value: chunks[i++]! } : { done: true, value: undefined }
        },
        return: async () => {
          state.released = true
          return { done: true, value: undefined }
        },
      }
    },
  }
  return { iterable, state }
}

const toError = () => ({ error: { message: 'x', type: 'server_error', param: null, code: null } })

describe('writeChunks', () => {
  it('writes the frames of one upstream read at once, the first ones and the end included', async () => {
    const writes: string[] = []
    const res = new Writable({
      write(buf: Buffer, _enc, cb) {
        writes.push(buf.toString())
        cb()
      },
    }) as unknown as ServerResponse
    const all = [chunk('a'), chunk('b'), chunk('c')]
    const iterable: AsyncIterable<ChatChunk> = {
      [Symbol.asyncIterator]: () => {
        let i = 0
        return {
          next: async () => (i < all.length ? { done: false, value: all[i++]! } : { done: true, value: undefined }),
        }
      },
    }
    expect(await writeChunks(res, iterable, { includeUsage: false, idleTimeoutMs: 1000 }, toError)).toBe('done')
    expect(writes).toHaveLength(1)
    expect(writes[0]!.match(/^data: /gm)).toHaveLength(4)
    expect(writes[0]!.endsWith('data: [DONE]\n\n')).toBe(true)
  })
})

describe('writeChunks and clients that stop reading', () => {
  it('a write blocked for idleTimeoutMs ends the stream: the connection is destroyed, the upstream released', async () => {
    const res = client(0)
    const up = upstream([chunk('a'.repeat(100)), chunk('b'), chunk('c')])
    expect(await writeChunks(res, up.iterable, { includeUsage: false, idleTimeoutMs: 20 }, toError)).toBe('closed')
    expect(res.destroyed).toBe(true)
    expect(up.state.released).toBe(true)
  })

  it('an end the client does not take is dropped too, instead of holding the rest in memory', async () => {
    const res = client(0, 400)
    const up = upstream([chunk('a'), chunk('b'.repeat(500))]) // the first frame fits under the mark; the end does not
    expect(await writeChunks(res, up.iterable, { includeUsage: false, idleTimeoutMs: 20 }, toError)).toBe('done')
    await new Promise((resolve) => res.once('close', resolve))
    expect(res.destroyed).toBe(true)
  })

  it('a client that keeps up is never cut, however long the stream', async () => {
    const res = client(Infinity, 1 << 20)
    const up = upstream(Array.from({ length: 2000 }, (_, i) => chunk(`word${i} `)))
    expect(await writeChunks(res, up.iterable, { includeUsage: false, idleTimeoutMs: 1 }, toError)).toBe('done')
    expect(res.destroyed).toBe(false)
  })
})
