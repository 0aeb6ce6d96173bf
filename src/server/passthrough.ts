/**
 * Answering a request of an API with a passthrough (messages, responses): executed by executeEither —
 * passed through where the target's adapter takes the API, translated elsewhere, in one attempt loop — and
 * answered with whichever served: a passed-through answer as it came (its JSON, its stream's frames), a
 * translated one encoded by the API; a passed-through stream that fails after it began ends with the API's
 * error event. The API may read a passed-through answer as it goes by, untouched (`NativeSide.watch`: the
 * Responses API keeps its answers).
 */

import type { NativeFrame } from '../providers/types.ts'
import { type EitherAnswer, executeEither } from '../routing/execute.ts'
import { type Admitted, answerHeaders, JSON_HEADERS, SSE_HEADERS, streamFailure } from './answer-parts.ts'
import type { Answer, NativeSide, PassedWatcher, ServedApi } from './answer-types.ts'
import type { StreamEnd } from './sse-writer.ts'
import type { RequestIds } from './types.ts'

/**
 * Executes a request of an API with a passthrough (executeEither: passed through where the target takes the
 * API, translated elsewhere) and answers with whichever served it: a passed-through answer as it came, its
 * stream's frames as they came; a translated one encoded by the API.
 */
export async function answerEither<D>(
  api: ServedApi<D>,
  side: NativeSide<D>,
  decoded: D,
  a: Admitted,
): Promise<Answer> {
  const { call, deps, ticket, job } = a
  const rt = deps.runtime
  const cfg = deps.config.current()
  const pass = side.request(decoded)
  const ex = await executeEither(job, rt, pass.native, pass.untranslatable)
  const body = ex.upstream.body
  // What translation could not honour is said only when a translation served.
  const warnings = body.via === 'native' ? ticket.warnings : a.warnings
  const idleTimeoutMs = cfg.streamIdleTimeoutMs
  const watcher = body.via === 'native' ? (side.watch?.(decoded) ?? null) : null
  // A translation's warnings name the parameters as the client did.
  const name = body.via === 'native' ? undefined : (api.paramName?.(decoded) ?? undefined)
  const json = jsonOf(api, body, decoded, call)
  if (json !== null) {
    watcher?.json(json)
    ticket.settle(ex.usage(), rt.now())
    const headers = answerHeaders(call, ticket, warnings, ex, job.report, JSON_HEADERS, name)
    return { kind: 'json', headers, body: json, idleTimeoutMs }
  }
  const headers = answerHeaders(call, ticket, warnings, ex, job.report, SSE_HEADERS, name)
  const ended = (how: StreamEnd) => {
    if (how === 'closed') job.controller.abort()
    ticket.settle(ex.usage(), rt.now())
  }
  const fail = (err: unknown) => streamFailure(err, call, ex, cfg, deps)
  const events =
    body.via === 'translated-stream' && api.events !== null
      ? api.events(body.chunks, decoded, call, fail)
      : body.via === 'native' && body.answer.kind === 'stream'
        ? passedThrough(body.answer.frames, (err, last) => side.errorEvent(fail(err), last), watcher)
        : null
  if (events === null) throw new Error(`no way to write a ${body.via} stream`)
  return { kind: 'events', headers, events, idleTimeoutMs, ended }
}

/** The JSON body of a complete answer (as it came when passed through), or null for a stream. */
function jsonOf<D>(api: ServedApi<D>, body: EitherAnswer, decoded: D, ids: RequestIds): string | null {
  if (body.via === 'translated') return api.json(body.completion, decoded, ids)
  if (body.via === 'native' && body.answer.kind === 'json') return body.answer.body
  return null
}

/** A passed-through stream's frames as they came; a failure after the start ends it with the API's error event. */
async function* passedThrough(
  frames: AsyncIterable<NativeFrame>,
  errorEvent: (err: unknown, last: string | null) => string,
  watcher: PassedWatcher | null,
): AsyncIterable<string> {
  let last: string | null = null
  try {
    for await (const f of frames) {
      last = f.data
      watcher?.frame(f.data)
      yield f.data
    }
  } catch (err) {
    yield errorEvent(err, last)
  }
}
