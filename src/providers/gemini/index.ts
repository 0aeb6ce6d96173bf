/**
 * The Gemini adapter (`type: gemini`): OpenAI request → `generateContent` / `streamGenerateContent`
 * over Gemini's REST API (client.ts, the only file that knows the transport) → OpenAI
 * completion / chunks. Gemini sends no rate-limit headers, so `limits` is null on success; a 429's
 * `RetryInfo` reaches routing through the ProviderError. `target.timeoutMs` bounds the wait for the
 * answer and, in a stream, each wait for the next event (client.ts).
 * https://ai.google.dev/api/generate-content
 */
import { carriesContent } from '../carries-content.ts'
import type { ChatChunk, ChatCompletion, ChatRequest } from '../openai-schema.ts'
import { completionId } from '../shapes.ts'
import type { ProviderAdapter, Target, Upstream, UpstreamMeta } from '../types.ts'
import { GeminiClientPool, type GeminiClient, type GeminiEndpoints } from './client.ts'
import { toGeminiRequest } from './convert-request.ts'
import { toChatCompletion, toProviderUsage } from './convert-response.ts'
import { badResponse, streamBroken, toProviderError, type ErrorContext } from './errors.ts'
import { GeminiResponseSchema } from './gemini-types.ts'
import { GeminiStreamTransform } from './stream-transform.ts'

export interface GeminiAdapterOptions {
  /** Epoch ms; injectable for tests. */
  now?: () => number
}

interface Prepared {
  readonly client: GeminiClient
  readonly urls: GeminiEndpoints
}

/** One adapter serves every Gemini target; clients are cached per (base URL, key, timeout, headers). */
export function createGeminiAdapter(options: GeminiAdapterOptions = {}): ProviderAdapter {
  const now = options.now ?? Date.now
  const pool = new GeminiClientPool()
  /**
   * Client and URLs per target, built once: targets are long-lived objects (a direct `provider/model`
   * target lives as long as routing caches its route), and a WeakMap goes with them — nothing here grows
   * with the model ids clients send.
   */
  let byTarget = new WeakMap<Target, Prepared>()

  /** Throws (a GeminiCallError) for a model id that cannot go in Gemini's URL; nothing is cached then. */
  function prepared(target: Target): Prepared {
    let p = byTarget.get(target)
    if (!p) {
      const client = pool.get({ baseUrl: target.baseUrl, apiKey: target.apiKey, timeoutMs: target.timeoutMs, headers: target.headers })
      p = { client, urls: client.endpoints(target.model) }
      byTarget.set(target, p)
    }
    return p
  }

  function errorContext(target: Target, during: ErrorContext['during'], signal: AbortSignal): ErrorContext {
    return { provider: target.provider, now: now(), during, signal }
  }

  async function complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>> {
    const { body, warnings } = toGeminiRequest(req, target)
    let raw: unknown
    try {
      const p = prepared(target)
      raw = await p.client.generate(body, p.urls, { signal })
    } catch (err) {
      throw toProviderError(err, errorContext(target, 'request', signal))
    }
    const parsed = GeminiResponseSchema.safeParse(raw)
    if (!parsed.success) throw badResponse(target.provider, 'the body is not a GenerateContentResponse')
    const res = parsed.data
    if (res.error) throw badResponse(target.provider, `an error inside a 2xx answer: ${res.error.message ?? 'no message'}`)
    const completion = toChatCompletion(res, { id: completionId(), created: Math.floor(now() / 1000), model: target.model })
    const usage = toProviderUsage(res.usageMetadata)
    const meta: UpstreamMeta = {
      usage,
      usageFinal: usage !== null,
      model: res.modelVersion ?? null,
      requestId: res.responseId ?? null,
      warnings,
    }
    return { body: completion, limits: null, latency: {}, meta }
  }

  async function stream(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<AsyncIterable<ChatChunk>>> {
    const started = performance.now()
    const { body, warnings } = toGeminiRequest(req, target)
    let events: AsyncIterable<unknown>
    try {
      const p = prepared(target)
      events = await p.client.generateStream(body, p.urls, { signal })
    } catch (err) {
      throw toProviderError(err, errorContext(target, 'request', signal))
    }
    const meta: UpstreamMeta = { usage: null, usageFinal: false, model: null, requestId: null, warnings }
    const latency: { ttftMs?: number } = {}
    const transform = new GeminiStreamTransform({
      provider: target.provider,
      id: completionId(),
      created: Math.floor(now() / 1000),
      model: target.model,
      now,
    })

    async function* chunks(): AsyncGenerator<ChatChunk> {
      try {
        for await (const raw of events) {
          const out = transform.push(raw)
          // Kept current after every event, so that a stream that breaks still bills what it used.
          meta.usage = transform.usage
          meta.usageFinal = transform.usageFinal
          meta.model = transform.model
          meta.requestId = transform.responseId
          for (const c of out) {
            if (latency.ttftMs === undefined && carriesContent(c)) latency.ttftMs = performance.now() - started
            yield c
          }
        }
      } catch (err) {
        throw toProviderError(err, errorContext(target, 'stream', signal))
      }
      // Gemini has no end-of-stream event: a clean end without a finishReason is a cut stream.
      if (!transform.finished) throw streamBroken(target.provider, 'the body ended before a finishReason')
      yield* transform.end()
    }

    return { body: chunks(), limits: null, latency, meta }
  }

  return {
    type: 'gemini',
    complete,
    stream,
    async close() {
      pool.clear()
      byTarget = new WeakMap()
    },
  }
}
