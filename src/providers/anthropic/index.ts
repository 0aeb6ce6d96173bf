/**
 * The Anthropic adapter: OpenAI chat requests served by the Messages API
 * (https://docs.claude.com/en/api/messages), spoken directly over the keep-alive client of ../http.ts.
 *
 * - Why not `@anthropic-ai/sdk` on the request path: even given a lean `fetch`, its per-call machinery
 *   (header merging into web `Headers`, URL building, a timeout AbortController, response wrapping) costs
 *   CPU on every call (docs/benchmarks.md). The SDK remains the reference the simulator is tested against.
 * - Headers per target, built once: `x-api-key` (the header Anthropic documents for API keys,
 *   https://docs.claude.com/en/api/overview#authentication), `anthropic-version: 2023-06-01`, then the
 *   target's own headers (which may add `anthropic-beta`, an `Authorization` for a proxy, or another version).
 * - `target.baseUrl` is the API origin without `/v1` (e.g. `https://api.anthropic.com`).
 * - `target.timeoutMs` bounds the wait for the headers and every silence inside a body.
 * - Streams are decoded here with our SseDecoder, dispatching on each event's JSON `type` (a proxy's
 *   `data:`-only stream works too).
 */
import type { Readable } from 'node:stream'
import type { ChatChunk, ChatCompletion, ChatRequest } from '../openai-schema.ts'
import { carriesContent } from '../carries-content.ts'
import { endpoint, errorText, httpRequest, readBody, type Endpoint, type UpstreamResponse } from '../http.ts'
import { completionId, nowSeconds } from '../shapes.ts'
import { SseDecoder } from '../sse.ts'
import { headerSource, type ProviderAdapter, type Target, type Upstream, type UpstreamMeta } from '../types.ts'
import { toAnthropicRequest } from './convert-request.ts'
import { toChatCompletion } from './convert-response.ts'
import { badResponse, cancelled, httpError, streamBroken, toProviderError } from './errors.ts'
import { parseAnthropicRateLimits } from './rate-limits.ts'
import { AnthropicStreamTransform, type AnthropicStreamEvent } from './stream-transform.ts'

/** The API version Anthropic's docs and SDKs before 1.x send; a target's `headers` may override it. */
export const ANTHROPIC_VERSION = '2023-06-01'

interface Prepared {
  url: Endpoint
  json: Record<string, string>
  sse: Record<string, string>
}

/** Headers and URL per target, built once: no per-request setup on the hot path. */
const preparedByTarget = new WeakMap<Target, Prepared>()

function prepared(target: Target): Prepared {
  let p = preparedByTarget.get(target)
  if (!p) {
    const own: Record<string, string> = {}
    for (const [k, v] of Object.entries(target.headers ?? {})) own[k.toLowerCase()] = v
    const base = { 'anthropic-version': ANTHROPIC_VERSION, 'x-api-key': target.apiKey, ...own, 'content-type': 'application/json' }
    p = {
      url: endpoint(`${target.baseUrl.replace(/\/+$/, '')}/v1/messages`),
      json: { ...base, accept: 'application/json' },
      sse: { ...base, accept: 'text/event-stream' },
    }
    preparedByTarget.set(target, p)
  }
  return p
}

/** Sends the request; resolves with a 2xx response (body unread), throws ProviderError otherwise. */
async function send(target: Target, body: unknown, stream: boolean, signal: AbortSignal): Promise<UpstreamResponse> {
  const p = prepared(target)
  const ctx = { provider: target.provider, during: 'request' as const, signal }
  let res: UpstreamResponse
  try {
    res = await httpRequest(p.url, {
      method: 'POST',
      headers: stream ? p.sse : p.json,
      body: JSON.stringify(body),
      signal,
      timeoutMs: target.timeoutMs,
      idleTimeoutMs: target.timeoutMs,
    })
  } catch (err) {
    throw toProviderError(err, { ...ctx, now: Date.now() })
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res
  throw httpError(target.provider, res.statusCode, headerSource(res.headers), await errorText(res), Date.now())
}

function header(res: UpstreamResponse, name: string): string | null {
  const v = res.headers[name]
  return typeof v === 'string' ? v : null
}

export function createAnthropicAdapter(): ProviderAdapter {
  async function complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>> {
    const { params, warnings, jsonToolName } = toAnthropicRequest(req, target)
    const res = await send(target, params, false, signal)
    const limits = parseAnthropicRateLimits(headerSource(res.headers), Date.now())
    let data: unknown
    try {
      data = JSON.parse((await readBody(res.body)).toString('utf8'))
    } catch (err) {
      // A 2xx body that won't parse is the SyntaxError case (a proxy's cut or HTML page).
      throw toProviderError(err, { provider: target.provider, during: 'request', now: Date.now(), signal, idleMs: target.timeoutMs })
    }
    const { completion, usage } = toChatCompletion(data as Parameters<typeof toChatCompletion>[0], { provider: target.provider, created: nowSeconds(), jsonToolName })
    const meta: UpstreamMeta = { usage, usageFinal: usage !== null, model: completion.model || null, requestId: header(res, 'request-id'), warnings }
    return { body: completion, limits, latency: {}, meta }
  }

  async function stream(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<AsyncIterable<ChatChunk>>> {
    const started = performance.now()
    const { params, warnings, jsonToolName } = toAnthropicRequest(req, target)
    const res = await send(target, { ...params, stream: true }, true, signal)
    const limits = parseAnthropicRateLimits(headerSource(res.headers), Date.now())
    const ctype = header(res, 'content-type') ?? ''
    if (!ctype.includes('text/event-stream')) {
      res.body.destroy()
      throw badResponse(target.provider, `content-type "${ctype}" instead of an event stream`)
    }
    const meta: UpstreamMeta = { usage: null, usageFinal: false, model: null, requestId: header(res, 'request-id'), warnings }
    const latency: { ttftMs?: number } = {}
    const transform = new AnthropicStreamTransform({
      provider: target.provider,
      created: nowSeconds(),
      fallbackId: completionId(),
      fallbackModel: target.model,
      jsonToolName,
    })
    const ctx = { provider: target.provider, signal }
    const body = chunks(res.body, transform, { ...ctx, idleMs: target.timeoutMs, started, meta, latency })
    return { body, limits, latency, meta }
  }

  return { type: 'anthropic', complete, stream }
}

interface ChunkContext {
  provider: string
  signal: AbortSignal
  /** A stream silent this long after its headers is treated as cut. */
  idleMs: number
  started: number
  meta: UpstreamMeta
  latency: { ttftMs?: number }
}

async function* chunks(body: Readable, transform: AnthropicStreamTransform, ctx: ChunkContext): AsyncGenerator<ChatChunk> {
  const decoder = new SseDecoder()
  let ended = false
  try {
    // After message_stop the body is read on to its end, so the keep-alive socket goes back to the pool.
    for await (const bytes of body) {
      for (const sse of decoder.push(bytes as Buffer)) {
        for (const c of transform.push(parseEvent(sse.event, sse.data, ctx.provider))) {
          if (ctx.latency.ttftMs === undefined && carriesContent(c)) ctx.latency.ttftMs = performance.now() - ctx.started
          yield c
        }
      }
    }
    ended = true
  } catch (err) {
    throw toProviderError(err, { ...ctx, during: 'stream', now: Date.now() })
  } finally {
    if (!ended) body.destroy()
    ctx.meta.usage = transform.usage
    ctx.meta.usageFinal = transform.usageFinal
    ctx.meta.model = transform.model
  }
  if (transform.done) return
  if (ctx.signal.aborted) throw cancelled(ctx.provider)
  throw streamBroken(ctx.provider, 'the body ended before message_stop')
}

function parseEvent(name: string | undefined, data: string, provider: string): AnthropicStreamEvent {
  let obj: unknown
  try {
    obj = JSON.parse(data)
  } catch {
    throw streamBroken(provider, 'an event is not valid JSON')
  }
  if (typeof obj !== 'object' || obj === null) throw streamBroken(provider, 'an event is not a JSON object')
  const rec = obj as Record<string, unknown>
  // The `event:` name and the JSON `type` agree on Anthropic; an error event is honoured either way.
  if (name === 'error' && rec['type'] !== 'error') return { type: 'error', error: (rec['error'] ?? rec) as { type: string; message: string } }
  return obj as AnthropicStreamEvent
}
