/**
 * The skeleton every HTTP adapter shares, so that an adapter is its conversions and its error mapping:
 * - URLs and headers built once per target (a WeakMap: targets are long-lived, and nothing here grows
 *   with the model ids clients send);
 * - the send: per-call timeout for the headers and for any silence in the body, a failure below HTTP or a
 *   non-2xx answer turned into the provider's ProviderError;
 * - the content-type check (JSON for an answer, `text/event-stream` for a stream);
 * - the SSE loop (chunk-stream.ts): events handed to the provider's StreamDecoder, time to first token, the
 *   body read to its end or dropped, the call's meta filled when the stream is over.
 */
import { chunkStream, type StreamDecoder } from './chunk-stream.ts'
import { type Endpoint, errorText, httpRequest, readBody, type UpstreamResponse } from './http.ts'
import type { ChatChunk, ChatCompletion, ChatRequest } from './openai-schema.ts'
import { badResponse } from './provider-errors.ts'
import {
  type HeaderSource,
  headerSource,
  type ProviderAdapter,
  type ProviderError,
  type ProviderUsage,
  type RateLimitSnapshot,
  type Target,
  type Upstream,
  type UpstreamMeta,
} from './types.ts'

export type { StreamDecoder } from './chunk-stream.ts'

/** One upstream call's URL and headers (content-type and accept included). */
interface Call {
  readonly url: Endpoint
  readonly headers: Readonly<Record<string, string>>
}

/** A target's two calls: the JSON answer and the stream. */
export interface PreparedTarget {
  readonly json: Call
  readonly sse: Call
}

/** Where a call failed: sending it (up to the response headers), reading a JSON body, or reading a stream. */
type Phase = 'request' | 'body' | 'stream'

export interface FailureContext {
  readonly provider: string
  readonly phase: Phase
  readonly signal: AbortSignal
  /** The target's timeout: what fired, when a timeout did. */
  readonly timeoutMs: number
  readonly now: number
}

/** A JSON answer, converted, with what it says about the call. */
interface Decoded {
  readonly completion: ChatCompletion
  readonly usage: ProviderUsage | null
  /** Whether `usage` is the provider's closing count (see UpstreamMeta). */
  readonly usageFinal: boolean
  readonly model: string | null
  /** When the body names the call (Gemini's `responseId`); else the request-id header is used. */
  readonly requestId?: string | null
}

/** What a provider supplies. `State` is what a request's conversion tells the way back (Anthropic's JSON tool). */
export interface HttpAdapterSpec<State> {
  readonly type: string
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number
  /** The target's URLs and headers, once per target. May throw ProviderError (a model id no URL can hold). */
  prepare(target: Target): PreparedTarget
  /** The request → the body to send, before anything is sent; throws ProviderError for what cannot be sent. */
  encode(req: ChatRequest, target: Target, stream: boolean): { body: string; warnings: string[]; state: State }
  /** The rate-limit headers of an answer (null when the provider sends none). */
  limits(headers: HeaderSource, now: number): RateLimitSnapshot | null
  /** The header naming the upstream request, if the provider sends one. */
  readonly requestIdHeader: string | null
  /** A non-2xx answer → ProviderError. */
  httpError(provider: string, status: number, headers: HeaderSource, body: string, now: number): ProviderError
  /** Anything else that failed (transport, timeout, cancel, a body that would not parse) → ProviderError. */
  failure(err: unknown, ctx: FailureContext): ProviderError
  /** A 2xx JSON body → the completion; throws ProviderError for a body of the wrong shape. */
  decode(text: string, target: Target, state: State): Decoded
  /** A decoder for one stream. */
  streamDecoder(target: Target, state: State): StreamDecoder
}

export function defineHttpAdapter<State>(spec: HttpAdapterSpec<State>): ProviderAdapter {
  const now = spec.now ?? Date.now
  let prepared = new WeakMap<Target, PreparedTarget>()
  const callsOf = (target: Target): PreparedTarget => {
    let p = prepared.get(target)
    if (!p) {
      p = spec.prepare(target)
      prepared.set(target, p)
    }
    return p
  }
  const fail = (err: unknown, target: Target, phase: Phase, signal: AbortSignal): ProviderError =>
    spec.failure(err, { provider: target.provider, phase, signal, timeoutMs: target.timeoutMs, now: now() })

  /** Sends the body; resolves with a 2xx response (body unread), throws ProviderError otherwise. */
  async function send(call: Call, body: string, target: Target, signal: AbortSignal): Promise<UpstreamResponse> {
    let res: UpstreamResponse
    try {
      // The idle timeout: a silent upstream after the headers must not hang the request forever.
      const t = target.timeoutMs
      const { url, headers } = call
      res = await httpRequest(url, { method: 'POST', headers, body, signal, timeoutMs: t, idleTimeoutMs: t })
    } catch (err) {
      throw fail(err, target, 'request', signal)
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res
    throw spec.httpError(target.provider, res.statusCode, headerSource(res.headers), await errorText(res), now())
  }

  function newMeta(res: UpstreamResponse, warnings: string[]): UpstreamMeta {
    const rid = spec.requestIdHeader === null ? undefined : res.headers[spec.requestIdHeader]
    return { usage: null, usageFinal: false, model: null, requestId: typeof rid === 'string' ? rid : null, warnings }
  }

  async function complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>> {
    const { body, warnings, state } = spec.encode(req, target, false)
    const res = await send(callsOf(target).json, body, target, signal)
    const limits = spec.limits(headerSource(res.headers), now())
    const meta = newMeta(res, warnings)
    const ctype = res.headers['content-type'] ?? ''
    let text: string
    try {
      text = (await readBody(res.body)).toString('utf8')
    } catch (err) {
      throw fail(err, target, 'body', signal)
    }
    if (!ctype.includes('json')) throw badResponse(target.provider, `content-type "${ctype}" instead of JSON`)
    const d = spec.decode(text, target, state)
    meta.usage = d.usage
    meta.usageFinal = d.usageFinal
    meta.model = d.model
    if (d.requestId != null) meta.requestId = d.requestId
    return { body: d.completion, limits, latency: {}, meta }
  }

  type Streamed = Upstream<AsyncIterable<ChatChunk>>
  async function stream(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Streamed> {
    const started = performance.now()
    const { body, warnings, state } = spec.encode(req, target, true)
    const res = await send(callsOf(target).sse, body, target, signal)
    const limits = spec.limits(headerSource(res.headers), now())
    const meta = newMeta(res, warnings)
    const ctype = res.headers['content-type'] ?? ''
    if (!ctype.includes('text/event-stream')) {
      res.body.destroy()
      throw badResponse(target.provider, `content-type "${ctype}" instead of an event stream`)
    }
    const latency: { ttftMs?: number } = {}
    const decoder = spec.streamDecoder(target, state)
    const failed = (err: unknown) => fail(err, target, 'stream', signal)
    const chunks = chunkStream(res.body, decoder, { signal, meta, latency, started, fail: failed })
    return { body: chunks, limits, latency, meta }
  }

  return {
    type: spec.type,
    complete,
    stream,
    async close() {
      prepared = new WeakMap()
    },
  }
}
