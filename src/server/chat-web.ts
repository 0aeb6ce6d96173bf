/**
 * Chat completions as a web Request → Response, for Hono's route: the app used on its own, and
 * `app.request()` in tests, without a socket. The same core as on node:http (chat-completions.ts), the
 * same bytes: a JSON body, or the SSE frames of sse-writer.ts, one per chunk.
 */

import { readWebBody } from './body.ts'
import { answerChat, type ChatCall, type StreamAnswer } from './chat-completions.ts'
import { SSE_DONE, type StreamEnd, sseErrorFrame, sseFrame } from './sse-writer.ts'
import type { AppDeps, AppVars, RequestIds } from './types.ts'

/** Answers a chat request; throws for the error answer, with what `vars` say filled in. */
export async function chatResponse(
  request: Request,
  ids: RequestIds,
  vars: Partial<AppVars>,
  deps: AppDeps,
): Promise<Response> {
  const call: ChatCall = {
    requestId: ids.requestId,
    clientRequestId: ids.clientRequestId,
    vars,
    headers: Object.fromEntries(request.headers),
    readBody: (limit) => readWebBody(request, limit),
    onClientGone: (abort) => request.signal.addEventListener('abort', abort, { once: true }),
  }
  const a = await answerChat(call, deps)
  if (a.kind === 'json') return new Response(a.body, { status: 200, headers: a.headers })
  return new Response(sseBody(a), { status: 200, headers: a.headers })
}

/** The stream's frames, pulled as the reader takes them; a reader that cancels is a client gone. */
function sseBody(a: StreamAnswer): ReadableStream<Uint8Array> {
  const it = a.chunks[Symbol.asyncIterator]()
  const encoder = new TextEncoder()
  const opts = { includeUsage: a.includeUsage, idleTimeoutMs: a.idleTimeoutMs }
  let over = false
  const end = (how: StreamEnd) => {
    if (over) return
    over = true
    a.ended(how)
  }
  return new ReadableStream<Uint8Array>({
    async pull(out) {
      try {
        for (;;) {
          const r = await it.next()
          if (r.done) {
            out.enqueue(encoder.encode(SSE_DONE))
            out.close()
            end('done')
            return
          }
          const frame = sseFrame(r.value, opts)
          if (frame === null) continue
          out.enqueue(encoder.encode(frame))
          return
        }
      } catch (err) {
        out.enqueue(encoder.encode(sseErrorFrame(a.toError(err))))
        out.close()
        end('error')
      }
    },
    async cancel() {
      try {
        await it.return?.()
      } finally {
        end('closed')
      }
    },
  })
}
