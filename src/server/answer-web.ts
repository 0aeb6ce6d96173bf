/**
 * The model-calling endpoints as a web Request → Response, for Hono's routes: the app used on its own, and
 * `app.request()` in tests, without a socket. The same core as on node:http (answer.ts), the same bytes: a
 * JSON body, or the SSE frames of sse-writer.ts, one per chunk or event.
 */

import { answer } from './answer.ts'
import type { Answer, EventsAnswer, ModelCall, ServedApi, StreamAnswer } from './answer-types.ts'
import { readWebBody } from './body.ts'
import { requestAnswered } from './request-event.ts'
import { SSE_DONE, type StreamEnd, sseErrorFrame, sseFrame } from './sse-writer.ts'
import type { AppDeps, AppVars, RequestIds } from './types.ts'

/** Answers a request to `api`; throws for the error answer, with what `vars` say filled in. */
export async function modelResponse<D>(
  request: Request,
  ids: RequestIds,
  vars: Partial<AppVars>,
  deps: AppDeps,
  api: ServedApi<D>,
): Promise<Response> {
  const call: ModelCall = {
    requestId: ids.requestId,
    clientRequestId: ids.clientRequestId,
    vars,
    headers: Object.fromEntries(request.headers),
    readBody: (limit) => readWebBody(request, limit),
    onClientGone: (abort) => request.signal.addEventListener('abort', abort, { once: true }),
  }
  const a: Answer = await answer(call, deps, api)
  if (a.kind === 'json') {
    requestAnswered(deps, ids, vars, { status: 200, errorCode: null })
    return new Response(a.body, { status: 200, headers: a.headers })
  }
  // The stream's first content is here (held until it came: routing/prime-stream.ts), and goes out now.
  const firstContentAt = performance.now()
  const ended = (end: StreamEnd) => {
    a.ended(end)
    requestAnswered(deps, ids, vars, { status: 200, errorCode: null, firstContentAt, end })
  }
  const body = a.kind === 'stream' ? chunksBody({ ...a, ended }) : eventsBody({ ...a, ended })
  return new Response(body, { status: 200, headers: a.headers })
}

/** One frame per pull, the last one and the end of the stream decided by `next`. */
function frameStream(
  next: () => Promise<{ frame: string; last: StreamEnd | null }>,
  cancel: () => Promise<unknown> | undefined,
  ended: (how: StreamEnd) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let over = false
  const end = (how: StreamEnd) => {
    if (over) return
    over = true
    ended(how)
  }
  return new ReadableStream<Uint8Array>({
    async pull(out) {
      const r = await next()
      if (r.frame !== '') out.enqueue(encoder.encode(r.frame))
      if (r.last === null) return
      out.close()
      end(r.last)
    },
    async cancel() {
      try {
        await cancel()
      } finally {
        end('closed')
      }
    },
  })
}

/** A chat stream's frames, pulled as the reader takes them; a reader that cancels is a client gone. */
function chunksBody(a: StreamAnswer): ReadableStream<Uint8Array> {
  const it = a.chunks[Symbol.asyncIterator]()
  const opts = { includeUsage: a.includeUsage, idleTimeoutMs: a.idleTimeoutMs }
  const next = async (): Promise<{ frame: string; last: StreamEnd | null }> => {
    try {
      for (;;) {
        const r = await it.next()
        if (r.done) return { frame: SSE_DONE, last: 'done' }
        const frame = sseFrame(r.value, opts)
        if (frame !== null) return { frame, last: null }
      }
    } catch (err) {
      return { frame: sseErrorFrame(a.toError(err)), last: 'error' }
    }
  }
  return frameStream(next, () => it.return?.(), a.ended)
}

/** Another API's events, one per pull (the source never throws: its error event is its last). */
function eventsBody(a: EventsAnswer): ReadableStream<Uint8Array> {
  const it = a.events[Symbol.asyncIterator]()
  const next = async (): Promise<{ frame: string; last: StreamEnd | null }> => {
    const r = await it.next()
    return r.done ? { frame: '', last: 'done' } : { frame: r.value, last: null }
  }
  return frameStream(next, () => it.return?.(), a.ended)
}
