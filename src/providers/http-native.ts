/**
 * Passthrough calls for the HTTP adapter skeleton (./http-adapter.ts): a request in the client's own API
 * (NativeRequest) sent as it came with the target's model, and the answer handed back as it came — the JSON
 * body as text, a stream as frames of the upstream's exact bytes, cut at event boundaries (./sse-frames.ts),
 * one frame per upstream read. No conversion either way: what the provider reads along the way is the
 * call's facts (usage, model, errors, the first content), for spend, limits and failover.
 *
 * The send, the error mapping and the rate-limit headers are the skeleton's (the same as the translated
 * calls'); a provider supplies per API its URL, its body and how to read its answers (NativeSpec).
 */
import type { Readable } from 'node:stream'
import { type Call, closeMeta, type PreparedTarget, type SendIo } from './http-call.ts'
import { badResponse, notNative } from './provider-errors.ts'
import { type Framed, SseFramer } from './sse-frames.ts'
import type {
  NativeAnswer,
  NativeApi,
  NativeFrame,
  NativeRequest,
  ProviderAdapter,
  ProviderError,
  ProviderUsage,
  Target,
  Upstream,
  UpstreamMeta,
} from './types.ts'

/** What a JSON answer says about the call. */
export interface NativeDecoded {
  readonly usage: ProviderUsage | null
  readonly usageFinal: boolean
  readonly model: string | null
  /** The answer's stop reasons, as the provider said them (see UpstreamMeta). */
  readonly finishReasons?: readonly string[]
  /** The output text (see NativeAnswer). */
  text(): string
}

/** Reads one native stream's events as they pass (read when the stream is over, like StreamDecoder). */
export interface NativeStreamDecoder {
  /**
   * One event (its `event:` field, when it has one, and its data): whether it carries output, or 'drop' to leave it out of what the client gets (a usage event
   * only Headroom asked for). Throws ProviderError for an error event (its bytes are then not passed on).
   */
  onEvent(event: string | undefined, data: string): boolean | 'drop'
  /** The body ended cleanly; throws ProviderError if that was before the API's end mark. */
  onEnd(): void
  /** The API's end mark arrived: later events pass through unread. */
  readonly done: boolean
  readonly usage: ProviderUsage | null
  readonly usageFinal: boolean
  readonly model: string | null
  /** The stop reasons said so far, as the provider said them (see UpstreamMeta). */
  readonly finishReasons?: readonly string[]
  /** The output so far (see NativeAnswer). */
  text(): string
}

/** A provider's passthrough APIs. */
export interface NativeSpec {
  readonly apis: ReadonlySet<NativeApi>
  /** The URL and headers of an API's calls, once per target and API. */
  prepare(api: NativeApi, target: Target): PreparedTarget
  /**
   * The headers of one call, when the request's own headers change them (Anthropic's version and betas);
   * throws ProviderError (bad_request) for a value no header can carry.
   */
  headers?(
    base: Readonly<Record<string, string>>,
    req: Pick<NativeRequest, 'headers'>,
    provider: string,
  ): Readonly<Record<string, string>>
  /** The body to send (the client's, with the target's model); may throw ProviderError. */
  encode(req: NativeRequest, target: Target, warnings: string[]): string
  /** A 2xx JSON body → what it says; throws ProviderError for one that is not JSON. */
  decode(api: NativeApi, text: string, target: Target): NativeDecoded
  streamDecoder(api: NativeApi, target: Target, req: NativeRequest): NativeStreamDecoder
  /** The provider's token counting (Anthropic's count_tokens, OpenAI's input_tokens): its calls, once per target. */
  readonly counts?: NativeCounts
}

export interface NativeCounts {
  readonly apis: ReadonlySet<NativeApi>
  call(api: NativeApi, target: Target): Call
}

type NativeCall = NonNullable<ProviderAdapter['native']>
type CountTokens = NonNullable<ProviderAdapter['countTokens']>

/** The body with the target's model, nothing else changed (key order kept: `model` stays where it was). */
export function withModel(body: Readonly<Record<string, unknown>>, target: Target): string {
  return JSON.stringify({ ...body, model: target.model })
}

/** `native()` over the skeleton's send. */
export function nativeCaller(spec: NativeSpec, io: SendIo): NativeCall {
  let prepared = new WeakMap<Target, Partial<Record<NativeApi, PreparedTarget>>>()
  const callsOf = (api: NativeApi, target: Target): PreparedTarget => {
    let byApi = prepared.get(target)
    if (!byApi) prepared.set(target, (byApi = {}))
    let p = byApi[api]
    if (!p) byApi[api] = p = spec.prepare(api, target)
    return p
  }
  io.onClose(() => {
    prepared = new WeakMap()
  })

  return async function native(req, target, signal) {
    if (!spec.apis.has(req.api)) throw notNative(target.provider, target.type, req.api)
    const started = performance.now()
    const warnings: string[] = []
    const body = spec.encode(req, target, warnings)
    const calls = callsOf(req.api, target)
    const base: Call = req.stream ? calls.sse : calls.json
    const call = spec.headers ? { url: base.url, headers: spec.headers(base.headers, req, target.provider) } : base
    const res = await io.send(call, body, target, signal)
    const limits = io.limits(res.headers)
    const meta = io.newMeta(res, warnings)
    if (!req.stream) {
      const text = await io.jsonText(res, target, signal)
      const d = spec.decode(req.api, text, target)
      closeMeta(meta, d)
      const answer: NativeAnswer = { kind: 'json', body: text, text: () => d.text() }
      return { body: answer, limits, latency: {}, meta }
    }
    const ctype = res.headers['content-type'] ?? ''
    if (!ctype.includes('text/event-stream')) {
      res.body.destroy()
      throw badResponse(target.provider, `content-type "${ctype}" instead of an event stream`)
    }
    const latency: { ttftMs?: number } = {}
    const decoder = spec.streamDecoder(req.api, target, req)
    const fail = (err: unknown) => io.fail(err, target, 'stream', signal)
    const frames = framesOf(res.body, decoder, { signal, meta, latency, started, fail })
    const answer: NativeAnswer = { kind: 'stream', frames, text: () => decoder.text() }
    const up: Upstream<NativeAnswer> = { body: answer, limits, latency, meta }
    return up
  }
}

/** `countTokens()` over the skeleton's send: the body with the target's model, `{"input_tokens": N}` back. */
export function countTokensCaller(spec: NativeSpec, counts: NativeCounts, io: SendIo): CountTokens {
  let prepared = new WeakMap<Target, Partial<Record<NativeApi, Call>>>()
  io.onClose(() => {
    prepared = new WeakMap()
  })
  return async function countTokens(api, body, headers, target, signal) {
    if (!counts.apis.has(api)) throw notNative(target.provider, target.type, api)
    let byApi = prepared.get(target)
    if (!byApi) prepared.set(target, (byApi = {}))
    let base = byApi[api]
    if (!base) byApi[api] = base = counts.call(api, target)
    const call = spec.headers
      ? { url: base.url, headers: spec.headers(base.headers, { headers }, target.provider) }
      : base
    const res = await io.send(call, withModel(body, target), target, signal)
    const limits = io.limits(res.headers)
    const text = await io.jsonText(res, target, signal)
    let n: unknown
    try {
      n = (JSON.parse(text) as { input_tokens?: unknown } | null)?.input_tokens
    } catch {
      n = undefined
    }
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
      throw badResponse(target.provider, 'the token count has no input_tokens')
    return { inputTokens: n, limits }
  }
}

interface FrameContext {
  readonly signal: AbortSignal
  readonly meta: UpstreamMeta
  readonly latency: { ttftMs?: number }
  readonly started: number
  readonly fail: (err: unknown) => ProviderError
}

/** What one framed text gives the client: its bytes less dropped events, up to an error event if any. */
interface Cut {
  readonly data: string
  readonly content: boolean
  readonly error: unknown
}

function cut(f: Framed, decoder: NativeStreamDecoder): Cut {
  let content = false
  // The whole text, unless an event is dropped or fails: then it is cut from pieces.
  let pieces: string[] | null = null
  let from = 0
  for (const ev of f.events) {
    if (ev.data === undefined || decoder.done) continue
    let r: boolean | 'drop'
    try {
      r = decoder.onEvent(ev.event, ev.data)
    } catch (error) {
      ;(pieces ??= []).push(f.text.slice(from, ev.start))
      return { data: pieces.join(''), content, error }
    }
    if (r === 'drop') {
      ;(pieces ??= []).push(f.text.slice(from, ev.start))
      from = ev.end
    } else if (r) content = true
  }
  if (pieces === null) return { data: f.text, content, error: null }
  pieces.push(f.text.slice(from))
  return { data: pieces.join(''), content, error: null }
}

/**
 * The body's bytes as frames: per upstream read, the whole events it completes, less dropped ones; an error
 * event ends the stream with the frame before it, then the error. The body is read to its end after the
 * end mark (the keep-alive socket goes back to the pool), and dropped when the consumer leaves early.
 */
async function* framesOf(body: Readable, decoder: NativeStreamDecoder, ctx: FrameContext): AsyncGenerator<NativeFrame> {
  const framer = new SseFramer()
  const { latency } = ctx
  let ended = false
  try {
    for await (const bytes of body) {
      const f = framer.push(bytes as Buffer)
      if (f === null) continue
      const c = cut(f, decoder)
      if (c.content && latency.ttftMs === undefined) latency.ttftMs = performance.now() - ctx.started
      if (c.data.length > 0) yield { data: c.data, content: c.content }
      if (c.error !== null) throw c.error
    }
    ended = true
    // Events the body's last byte completed (a CR that an LF might have followed).
    const last = framer.end()
    if (last !== null) {
      const c = cut(last, decoder)
      if (c.content && latency.ttftMs === undefined) latency.ttftMs = performance.now() - ctx.started
      if (c.data.length > 0) yield { data: c.data, content: c.content }
      if (c.error !== null) throw c.error
    }
    if (!decoder.done && ctx.signal.aborted) throw ctx.signal.reason
    decoder.onEnd()
  } catch (err) {
    throw ctx.fail(err)
  } finally {
    if (!ended) body.destroy()
    closeMeta(ctx.meta, decoder)
  }
}
