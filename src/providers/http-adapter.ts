import { chunkStream, type StreamDecoder } from './chunk-stream.ts'
import { type Embedding, type EmbeddingRequest, type EmbeddingResponse, embeddingInputs } from './embeddings-schema.ts'
import { errorText, httpRequest, readBody, type UpstreamResponse } from './http.ts'
import type { Call, Phase, PreparedTarget, SendIo } from './http-call.ts'
import { countTokensCaller, type NativeSpec, nativeCaller } from './http-native.ts'
import { type ChatChunk, type ChatCompletion, type ChatRequest, RAW_JSON } from './openai-schema.ts'
import { badResponse } from './provider-errors.ts'
import { type ToolNameRule, ToolNames } from './tool-names.ts'
import {
  type HeaderSource,
  headerSource,
  type ProviderAdapter,
  ProviderError,
  type ProviderUsage,
  type RateLimitSnapshot,
  type Target,
  type Upstream,
  type UpstreamMeta,
} from './types.ts'

export type { StreamDecoder } from './chunk-stream.ts'

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

/** A 2xx embeddings body, converted, with what it says about the call. */
interface DecodedEmbeddings {
  /** `data[].index` counts from 0 within this call. */
  readonly body: EmbeddingResponse
  readonly usage: ProviderUsage | null
  readonly model: string | null
}

/** A provider's embeddings call: the skeleton's `embed` sends it (and splits what is too big for one call). */
export interface EmbedSpec {
  /** The target's embeddings URL and headers, once per target. May throw ProviderError. */
  prepare(target: Target): Call
  /**
   * Most inputs one upstream call takes (Gemini's batchEmbedContents: 100): a larger request goes as several
   * calls, one after the other, and their answers are joined in order. Absent: no limit.
   */
  readonly maxInputs?: number
  /** One call's request (its inputs already cut to its share) → the body; throws ProviderError for what cannot be sent. */
  encode(req: EmbeddingRequest, target: Target, warnings: string[]): string
  /** A 2xx body → the answer; throws ProviderError for a body of the wrong shape. */
  decode(text: string, req: EmbeddingRequest, target: Target): DecodedEmbeddings
}

/** What a provider supplies. `State` is what a request's conversion tells the way back (Anthropic's JSON tool). */
export interface HttpAdapterSpec<State> {
  readonly type: string
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number
  /** The target's URLs and headers, once per target. May throw ProviderError (a model id no URL can hold). */
  prepare(target: Target): PreparedTarget
  /** What the provider takes as a tool name: a name it refuses is sent as an alias and mapped back (./tool-names.ts). */
  readonly toolNames?: ToolNameRule
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
  /** Embeddings, when the provider has them. */
  readonly embeddings?: EmbedSpec
  /** The client APIs the provider speaks itself, passed through rather than translated (./http-native.ts). */
  readonly native?: NativeSpec
}

/**
 * One vector per input, `data[i].index === i`: an answer out of order is put in order (the Vercel AI SDK's
 * embedMany reads no `index`), one with a vector missing or extra is a bad response, never a misaligned 200.
 */
function inInputOrder(provider: string, body: EmbeddingResponse, inputs: number): void {
  const data = body.data
  if (data.length !== inputs) throw badResponse(provider, `${data.length} embedding(s) for ${inputs} inputs`)
  if (data.every((d, i) => d.index === i)) return
  const ordered: Embedding[] = new Array(inputs)
  for (const d of data) {
    if (!Number.isInteger(d.index) || d.index < 0 || d.index >= inputs || ordered[d.index])
      throw badResponse(provider, `embedding index ${d.index} for ${inputs} inputs`)
    ordered[d.index] = d
  }
  body.data = ordered
  delete body[RAW_JSON]
}

/** Calls one embeddings request split into several (Gemini's batches) makes at most at once. */
const EMBED_CALLS_AT_ONCE = 4

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

  /** A 2xx JSON answer's body as text; throws ProviderError when it cannot be read, or is not JSON. */
  async function jsonText(res: UpstreamResponse, target: Target, signal: AbortSignal): Promise<string> {
    const ctype = res.headers['content-type'] ?? ''
    let text: string
    try {
      text = (await readBody(res.body)).toString('utf8')
    } catch (err) {
      throw fail(err, target, 'body', signal)
    }
    if (!ctype.includes('json')) throw badResponse(target.provider, `content-type "${ctype}" instead of JSON`)
    return text
  }

  function newMeta(res: UpstreamResponse, warnings: string[]): UpstreamMeta {
    const rid = spec.requestIdHeader === null ? undefined : res.headers[spec.requestIdHeader]
    return { usage: null, usageFinal: false, model: null, requestId: typeof rid === 'string' ? rid : null, warnings }
  }

  async function complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>> {
    const names = spec.toolNames ? ToolNames.of(req, spec.toolNames) : null
    const { body, warnings, state } = spec.encode(names ? names.request(req) : req, target, false)
    const res = await send(callsOf(target).json, body, target, signal)
    const limits = spec.limits(headerSource(res.headers), now())
    const meta = newMeta(res, warnings)
    const text = await jsonText(res, target, signal)
    const d = spec.decode(text, target, state)
    names?.completion(d.completion)
    meta.usage = d.usage
    meta.usageFinal = d.usageFinal
    meta.model = d.model
    if (d.requestId != null) meta.requestId = d.requestId
    return { body: d.completion, limits, latency: {}, meta }
  }

  type Streamed = Upstream<AsyncIterable<ChatChunk>>
  async function stream(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Streamed> {
    const started = performance.now()
    const names = spec.toolNames ? ToolNames.of(req, spec.toolNames) : null
    const { body, warnings, state } = spec.encode(names ? names.request(req) : req, target, true)
    const res = await send(callsOf(target).sse, body, target, signal)
    const limits = spec.limits(headerSource(res.headers), now())
    const meta = newMeta(res, warnings)
    const ctype = res.headers['content-type'] ?? ''
    if (!ctype.includes('text/event-stream')) {
      res.body.destroy()
      throw badResponse(target.provider, `content-type "${ctype}" instead of an event stream`)
    }
    const latency: { ttftMs?: number } = {}
    const decoder = names ? names.decoder(spec.streamDecoder(target, state)) : spec.streamDecoder(target, state)
    const failed = (err: unknown) => fail(err, target, 'stream', signal)
    const chunks = chunkStream(res.body, decoder, { signal, meta, latency, started, fail: failed })
    return { body: chunks, limits, latency, meta }
  }

  let embedCalls = new WeakMap<Target, Call>()
  async function embed(
    req: EmbeddingRequest,
    target: Target,
    signal: AbortSignal,
  ): Promise<Upstream<EmbeddingResponse>> {
    const e = spec.embeddings!
    let call = embedCalls.get(target)
    if (!call) embedCalls.set(target, (call = e.prepare(target)))
    const inputs = embeddingInputs(req.input)
    const size = e.maxInputs ?? inputs.length
    // Every call's body is built before the first is sent: a request refused anywhere sends nothing.
    const warnings: string[] = []
    const parts: Array<{ req: EmbeddingRequest; body: string }> = []
    for (let i = 0; i < inputs.length; i += size) {
      const part = size >= inputs.length ? req : { ...req, input: inputs.slice(i, i + size) as string[] }
      parts.push({ req: part, body: e.encode(part, target, warnings) })
    }
    let limits: RateLimitSnapshot | null = null
    let meta: UpstreamMeta | null = null
    const answers: DecodedEmbeddings[] = new Array(parts.length)
    // A few calls at once: one after another, 2048 inputs in Gemini's batches of 100 could outlast the attempt's timeout.
    let next = 0
    let failed = false
    const worker = async () => {
      while (next < parts.length && !failed) {
        const k = next++
        try {
          const res = await send(call, parts[k]!.body, target, signal)
          limits = spec.limits(headerSource(res.headers), now()) ?? limits
          meta ??= newMeta(res, [...new Set(warnings)])
          const part = parts[k]!
          const a = e.decode(await jsonText(res, target, signal), part.req, target)
          inInputOrder(target.provider, a.body, embeddingInputs(part.req.input).length)
          answers[k] = a
        } catch (err) {
          failed = true
          throw err
        }
      }
    }
    // Calls under way when one fails are waited for: served, they are billed all the same, and the error says
    // how much of the request they were.
    const settled = await Promise.allSettled(
      Array.from({ length: Math.min(EMBED_CALLS_AT_ONCE, parts.length) }, worker),
    )
    const rejected = settled.find((s) => s.status === 'rejected')
    if (rejected) {
      const err: unknown = rejected.reason
      const served = answers.reduce((n, a) => n + (a ? a.body.data.length : 0), 0)
      if (served === 0 || !(err instanceof ProviderError)) throw err
      throw new ProviderError({ ...err, message: err.message, servedShare: served / inputs.length })
    }
    const first = answers[0]!
    meta!.model = first.model
    if (answers.length === 1) {
      meta!.usage = first.usage
      meta!.usageFinal = first.usage !== null
      return { body: first.body, limits, latency: {}, meta: meta! }
    }
    const data: Embedding[] = []
    for (const a of answers) for (const d of a.body.data) data.push({ ...d, index: data.length })
    const counted = answers.every((a) => a.usage !== null)
    const promptTokens = counted ? answers.reduce((n, a) => n + a.usage!.promptTokens, 0) : 0
    meta!.usage = counted ? { ...first.usage!, promptTokens } : null
    meta!.usageFinal = counted
    const usage = counted ? { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } } : {}
    return { body: { object: 'list', data, model: first.body.model, ...usage }, limits, latency: {}, meta: meta! }
  }

  const closers: Array<() => void> = []
  const adapter: ProviderAdapter = {
    type: spec.type,
    complete,
    stream,
    ...(spec.embeddings ? { embed } : {}),
    async close() {
      prepared = new WeakMap()
      embedCalls = new WeakMap()
      for (const f of closers) f()
    },
  }
  if (!spec.native) return adapter
  const io: SendIo = {
    send,
    jsonText,
    fail,
    limits: (headers) => spec.limits(headerSource(headers), now()),
    newMeta,
    onClose: (f) => closers.push(f),
  }
  const withNative = { ...adapter, nativeApis: spec.native.apis, native: nativeCaller(spec.native, io) }
  const counts = spec.native.counts
  if (!counts) return withNative
  return { ...withNative, countApis: counts.apis, countTokens: countTokensCaller(spec.native, counts, io) }
}
