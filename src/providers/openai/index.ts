/**
 * The OpenAI adapter, for `type: openai` and `type: openai-compatible` (vLLM, Ollama, Groq, Azure-style
 * proxies: any server with `POST {base_url}/chat/completions`).
 *
 * It speaks the wire directly over the keep-alive client of ../http.ts instead of going through the `openai`
 * SDK: the upstream already speaks the client's format, so the SDK's request/response machinery would
 * only add CPU per call on top of the transport (docs/benchmarks.md has the figures).
 * https://platform.openai.com/docs/api-reference/chat/create
 */
import type { Readable } from 'node:stream'
import type { ChatChunk, ChatCompletion, ChatRequest } from '../openai-schema.ts'
import { carriesContent } from '../carries-content.ts'
import { endpoint, errorText, httpRequest, readBody, type Endpoint, type UpstreamResponse } from '../http.ts'
import { fromOpenAIUsage } from '../shapes.ts'
import { SseDecoder } from '../sse.ts'
import { headerSource, ProviderError, type ProviderAdapter, type ProviderType, type Target, type Upstream, type UpstreamMeta } from '../types.ts'
import { toOpenAIBody } from './convert-request.ts'
import { toChatCompletion } from './convert-response.ts'
import { badResponse, httpError, transportError } from './errors.ts'
import { parseOpenAIRateLimits } from './rate-limits.ts'
import { OpenAIStreamTransform } from './stream-transform.ts'

/** Headers per target, built once: no per-request setup on the hot path. */
const headerCache = new WeakMap<Target, { json: Record<string, string>; sse: Record<string, string>; url: Endpoint }>()

function prepared(target: Target) {
  let p = headerCache.get(target)
  if (!p) {
    // The target's own headers (lower-cased by the config loader) may replace the Authorization.
    const base = { authorization: `Bearer ${target.apiKey}`, ...target.headers, 'content-type': 'application/json' }
    p = {
      json: { ...base, accept: 'application/json' },
      sse: { ...base, accept: 'text/event-stream' },
      url: endpoint(`${target.baseUrl}/chat/completions`),
    }
    headerCache.set(target, p)
  }
  return p
}

async function send(target: Target, body: string, stream: boolean, signal: AbortSignal): Promise<UpstreamResponse> {
  const p = prepared(target)
  let res: UpstreamResponse
  try {
    // A silent upstream after the headers must not hang the request forever: the idle timeout.
    const headers = stream ? p.sse : p.json
    res = await httpRequest(p.url, { method: 'POST', headers, body, signal, timeoutMs: target.timeoutMs, idleTimeoutMs: target.timeoutMs })
  } catch (err) {
    throw transportError(target.provider, err, 'request', signal)
  }
  const status = res.statusCode
  if (status < 200 || status > 299) {
    throw httpError(target.provider, status, headerSource(res.headers), await errorText(res), Date.now())
  }
  return res
}

function newMeta(res: UpstreamResponse, warnings: string[]): UpstreamMeta {
  const rid = res.headers['x-request-id']
  return { usage: null, usageFinal: false, model: null, requestId: typeof rid === 'string' ? rid : null, warnings }
}

async function complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>> {
  const warnings: string[] = []
  const res = await send(target, toOpenAIBody(req, target, false, warnings), false, signal)
  const limits = parseOpenAIRateLimits(headerSource(res.headers), Date.now())
  const meta = newMeta(res, warnings)
  const ctype = res.headers['content-type'] ?? ''
  let text: string
  try {
    text = (await readBody(res.body)).toString('utf8')
  } catch (err) {
    throw transportError(target.provider, err, 'request', signal, target.timeoutMs)
  }
  if (!ctype.includes('json')) throw badResponse(target.provider, `content-type "${ctype}" instead of JSON`)
  const body = toChatCompletion(target.provider, text)
  meta.usage = fromOpenAIUsage(body.usage)
  // A compatible server's `usage` without `completion_tokens` counts only the prompt: the row estimates the rest.
  meta.usageFinal = meta.usage !== null && typeof body.usage?.completion_tokens === 'number'
  meta.model = typeof body.model === 'string' ? body.model : null
  return { body, limits, latency: {}, meta }
}

async function stream(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<AsyncIterable<ChatChunk>>> {
  const started = performance.now()
  const warnings: string[] = []
  const res = await send(target, toOpenAIBody(req, target, true, warnings), true, signal)
  const limits = parseOpenAIRateLimits(headerSource(res.headers), Date.now())
  const meta = newMeta(res, warnings)
  const ctype = res.headers['content-type'] ?? ''
  if (!ctype.includes('text/event-stream')) {
    res.body.destroy()
    throw badResponse(target.provider, `content-type "${ctype}" instead of an event stream`)
  }
  const latency: { ttftMs?: number } = {}
  return { body: chunks(res.body, target, signal, meta, latency, started), limits, latency, meta }
}

async function* chunks(
  body: Readable,
  target: Target,
  signal: AbortSignal,
  meta: UpstreamMeta,
  latency: { ttftMs?: number },
  started: number,
): AsyncGenerator<ChatChunk> {
  const provider = target.provider
  const decoder = new SseDecoder()
  const transform = new OpenAIStreamTransform(provider)
  let ended = false
  try {
    // Read to the end even after [DONE], so the keep-alive socket is returned to the pool intact.
    for await (const bytes of body) {
      if (transform.done) continue
      for (const ev of decoder.push(bytes as Buffer)) {
        const item = transform.push(ev.data)
        meta.usage = transform.usage
        meta.usageFinal = transform.usageFinal
        meta.model = transform.model
        if (item.kind === 'done') break
        if (item.kind === 'skip') continue
        const c = item.chunk
        if (latency.ttftMs === undefined && carriesContent(c)) latency.ttftMs = performance.now() - started
        yield c
      }
    }
    ended = true
  } catch (err) {
    throw transportError(provider, err, 'stream', signal, target.timeoutMs)
  } finally {
    if (!ended) body.destroy()
  }
  if (!transform.done) {
    throw new ProviderError({ provider, status: 502, kind: 'stream', message: `${provider} stream ended before [DONE]`, code: 'stream_error' })
  }
}

export function createOpenAIAdapter(type: ProviderType = 'openai'): ProviderAdapter {
  return { type, complete, stream }
}
