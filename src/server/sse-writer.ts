/**
 * Writes an OpenAI chat-completion stream to a Node response: `data: <chunk>\n\n` frames, `data: [DONE]`
 * at the end, or one `data: {"error":…}` frame when the stream fails after it began (the `openai` SDK
 * raises such a frame as an APIError; a silent clean end would look like a complete answer).
 *
 * Usage: the adapters always obtain it (spend needs it); the client sees the `choices: []` usage chunk
 * and `"usage": null` on the other chunks only when it asked with `stream_options.include_usage`.
 */
import type { ServerResponse } from 'node:http'
import type { ChatChunk, OpenAIErrorBody } from '../providers/openai-schema.ts'

export interface SseWriteOptions {
  includeUsage: boolean
  /** Rewrites every chunk's id so that one stream has one id, whatever served it. */
  id?: string
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

async function write(res: ServerResponse, frame: string): Promise<void> {
  if (!res.write(frame)) await waitDrain(res)
}

/** Streams chunks; returns how the stream ended. Never throws for a failing source: that becomes an error frame. */
export async function writeChunks(
  res: ServerResponse,
  chunks: AsyncIterable<ChatChunk>,
  opts: SseWriteOptions,
  toError: (err: unknown) => OpenAIErrorBody,
): Promise<'done' | 'error' | 'closed'> {
  try {
    for await (const c of chunks) {
      if (res.destroyed) return 'closed'
      if (opts.id) c.id = opts.id
      if (opts.includeUsage) {
        if (c.usage === undefined) c.usage = null
      } else if ('usage' in c) {
        if (c.usage != null && c.choices.length === 0) continue
        delete c.usage
      }
      await write(res, `data: ${JSON.stringify(c)}\n\n`)
    }
    if (res.destroyed) return 'closed'
    res.end('data: [DONE]\n\n')
    return 'done'
  } catch (err) {
    if (res.destroyed) return 'closed'
    res.end(`data: ${JSON.stringify(toError(err))}\n\n`)
    return 'error'
  }
}
