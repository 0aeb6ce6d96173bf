/**
 * The one place a client request to a model endpoint becomes its RequestEvent (routing/events.ts), for the
 * listeners that want one (the request log, metrics, traces): the writers call `requestAnswered` once the
 * answer is complete — JSON written, stream ended, error answered — with what they alone know (the status
 * sent, how a stream ended); the rest was noted on the request's vars as it went. Nothing is built when no
 * listener has `onRequest`.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { embeddingInputs } from '../providers/embeddings-schema.ts'
import { contentText } from '../providers/openai-schema.ts'
import type { RequestApi, RequestEvent } from '../routing/events.ts'
import type { Runtime } from '../routing/runtime.ts'
import type { StreamEnd } from './sse-writer.ts'
import type { AppDeps, AppVars, Asked, RequestIds, RequestStart } from './types.ts'

/** Marks a request as one to a model endpoint, from now. */
export function beginRequest(api: RequestApi, rt: Runtime, headers: IncomingHttpHeaders): RequestStart {
  return { api, startedAt: rt.now(), t0: performance.now(), headers }
}

/** How the answer ended, as the writer saw it. */
export interface Answered {
  /** The HTTP status sent. */
  readonly status: number
  /** The error answer's code; null for a 200. */
  readonly errorCode: string | null
  /** Streams: when the first content went out (performance.now()); null otherwise. */
  readonly firstContentAt?: number | null
  /** Streams: how the stream ended. */
  readonly end?: StreamEnd
}

/** Emits the request's RequestEvent, once, if it is a model request and some listener wants it. */
export function requestAnswered(deps: AppDeps, ids: RequestIds, vars: Partial<AppVars>, a: Answered): void {
  const start = vars.start
  if (start === undefined || vars.reported === true) return
  vars.reported = true
  const listeners = deps.runtime.listeners
  if (!listeners.some((l) => l.onRequest !== undefined)) return
  const e = requestEvent(ids, vars, start, a)
  for (const l of listeners) {
    if (l.onRequest === undefined) continue
    try {
      l.onRequest(e)
    } catch (err) {
      deps.log.error('a request listener failed', { requestId: ids.requestId, error: String(err) })
    }
  }
}

function requestEvent(ids: RequestIds, vars: Partial<AppVars>, start: RequestStart, a: Answered): RequestEvent {
  const now = performance.now()
  const report = vars.report
  const events = report?.events ?? []
  const last = events.length > 0 ? events[events.length - 1] : undefined
  const target = report?.target ?? last?.target ?? null
  const { ctx, asked } = vars
  const errorCode =
    a.errorCode ??
    vars.streamError ??
    (a.end === 'closed' ? 'client_closed' : a.end === 'error' ? 'stream_failed' : null)
  return {
    requestId: ids.requestId,
    clientRequestId: ids.clientRequestId,
    api: start.api,
    route: vars.route ?? null,
    status: a.status,
    stream: asked?.stream ?? false,
    target: target?.stateId ?? null,
    provider: target?.provider ?? null,
    attempts: report?.attempts ?? 0,
    attemptEvents: events,
    usage: last?.usage ?? null,
    startedAt: start.startedAt,
    latencyMs: now - start.t0,
    ttftMs: a.firstContentAt == null ? null : a.firstContentAt - start.t0,
    queuedMs: ctx?.queuedMs ?? 0,
    decision: report?.decision ?? '',
    errorCode,
    cache: 'bypass',
    priority: ctx?.priority ?? asked?.priority ?? null,
    modelRequested: ctx?.modelRequested ?? asked?.model ?? null,
    virtualKey: ctx?.virtualKey ?? null,
    traceparent: traceparent(start.headers['traceparent']),
    promptText: () => promptText(asked),
    answerText: report?.answerText ?? NO_TEXT,
  }
}

const NO_TEXT = () => ''

// Version 00's fields; a later version may add fields after them (https://www.w3.org/TR/trace-context/#versioning-of-traceparent).
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-|$)/
const ZEROS = /^0+$/

/** The client's traceparent, when well-formed (version 00's four fields), else null: it is client input. */
function traceparent(raw: string | string[] | undefined): string | null {
  if (typeof raw !== 'string' || raw.length > 512) return null
  const m = TRACEPARENT.exec(raw.trim())
  if (m === null) return null
  const [, version, traceId, parentId, flags, rest] = m
  if (version === 'ff' || (version === '00' && rest === '-') || ZEROS.test(traceId!) || ZEROS.test(parentId!))
    return null
  return `00-${traceId}-${parentId}-${flags}`
}

/** A chat request's last user message; an embeddings request's input strings. */
function promptText(asked: Partial<Asked> | undefined): string {
  const messages = asked?.messages
  if (messages) {
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!
      if (m.role === 'user') return contentText(m.content)
    }
    return ''
  }
  const input = asked?.input
  if (input === undefined) return ''
  return embeddingInputs(input)
    .filter((s) => typeof s === 'string')
    .join('\n')
}
