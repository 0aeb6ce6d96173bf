/**
 * The Anthropic adapter: OpenAI chat requests served by the Messages API through `@anthropic-ai/sdk`.
 *
 * - One SDK client per (base URL, key, timeout, headers), built on first use and kept: its keep-alive
 *   lean `fetch` and its header setup are paid once, not per request. `maxRetries: 0`: routing owns retries.
 * - `target.baseUrl` is the API origin without `/v1` (e.g. `https://api.anthropic.com`): the SDK adds
 *   `/v1/messages`.
 * - Auth goes as `x-api-key`, the header Anthropic documents for API keys
 *   (https://docs.claude.com/en/api/overview#authentication). SDK 1.x would send the key as
 *   `Authorization: Bearer`, which servers written to the docs (and proxies) do not accept, so that
 *   header is removed unless the target's own headers set one.
 * - Streams: the SDK sends the request, checks the status and turns HTTP errors into APIError; the
 *   body is decoded here with our SseDecoder, dispatching on each event's JSON `type`. The SDK's own
 *   parser skips events without an `event:` line and ends silently when aborted, which would make a
 *   cancel or a proxy's `data:`-only stream look like a clean (or cut) end.
 */
import type { Readable } from 'node:stream'
import Anthropic from '@anthropic-ai/sdk'
import type { ChatChunk, ChatCompletion, ChatRequest } from '../openai-schema.ts'
import { isIdleTimeout } from '../http.ts'
import { createLeanFetch, type LeanResponse } from '../lean-fetch.ts'
import { completionId, nowSeconds } from '../shapes.ts'
import { SseDecoder } from '../sse.ts'
import type { ProviderAdapter, Target, Upstream, UpstreamMeta } from '../types.ts'
import { toAnthropicRequest } from './convert-request.ts'
import { toChatCompletion } from './convert-response.ts'
import { badResponse, cancelled, streamBroken, toProviderError } from './errors.ts'
import { parseAnthropicRateLimits } from './rate-limits.ts'
import { AnthropicStreamTransform, type AnthropicStreamEvent } from './stream-transform.ts'

/**
 * The SDK's generic `post` rather than `messages.create`: the latter `console.warn`s on every call to a
 * model its table lists as deprecated (claude-sonnet-4-5 in 1.14) — a synchronous stderr write per
 * request on the hot path, and noise an operator can't turn off. The request and errors are the same.
 */
const MESSAGES_PATH = '/v1/messages'

export function createAnthropicAdapter(): ProviderAdapter {
  let byTarget = new WeakMap<Target, Anthropic>()
  const byKey = new Map<string, Anthropic>()

  function clientFor(target: Target): Anthropic {
    let client = byTarget.get(target)
    if (client) return client
    const key = JSON.stringify([target.baseUrl, target.apiKey, target.timeoutMs, target.headers ?? {}])
    client = byKey.get(key)
    if (!client) {
      client = new Anthropic({
        apiKey: target.apiKey,
        baseURL: target.baseUrl,
        timeout: target.timeoutMs,
        maxRetries: 0,
        // Bodies silent for the target's timeout fail (streams: a cut stream, see chunks()).
        fetch: createLeanFetch(target.timeoutMs),
        defaultHeaders: { 'x-api-key': target.apiKey, authorization: null, ...target.headers },
      })
      byKey.set(key, client)
    }
    byTarget.set(target, client)
    return client
  }

  async function complete(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>> {
    const { params, warnings, jsonToolName } = toAnthropicRequest(req, target)
    const answer = await clientFor(target)
      .post<Anthropic.Message>(MESSAGES_PATH, { body: params, signal })
      .withResponse()
      .catch((err: unknown) => {
        throw toProviderError(err, { provider: target.provider, during: 'request', now: Date.now(), signal, secret: target.apiKey })
      })
    const headers = answer.response.headers
    const limits = parseAnthropicRateLimits(headers, Date.now())
    const { completion, usage } = toChatCompletion(answer.data, { provider: target.provider, created: nowSeconds(), jsonToolName })
    const meta: UpstreamMeta = { usage, model: completion.model || null, requestId: headers.get('request-id'), warnings }
    return { body: completion, limits, latency: {}, meta }
  }

  async function stream(req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<AsyncIterable<ChatChunk>>> {
    const started = performance.now()
    const { params, warnings, jsonToolName } = toAnthropicRequest(req, target)
    const ctx = { provider: target.provider, signal, secret: target.apiKey }
    let response: Response
    try {
      // asResponse(), not withResponse(): the headers, with the body left unread for our decoder.
      response = await clientFor(target).post(MESSAGES_PATH, { body: { ...params, stream: true }, stream: true, signal }).asResponse()
    } catch (err) {
      throw toProviderError(err, { ...ctx, during: 'request', now: Date.now() })
    }
    const headers = response.headers
    const limits = parseAnthropicRateLimits(headers, Date.now())
    const ctype = headers.get('content-type') ?? ''
    // The lean fetch answers with a LeanResponse: its Node stream is read directly, without web streams.
    const nodeBody = (response as unknown as LeanResponse).nodeBody
    if (!ctype.includes('text/event-stream')) {
      nodeBody.destroy()
      throw badResponse(target.provider, `content-type "${ctype}" instead of an event stream`)
    }
    const meta: UpstreamMeta = { usage: null, model: null, requestId: headers.get('request-id'), warnings }
    const latency: { ttftMs?: number } = {}
    const transform = new AnthropicStreamTransform({
      provider: target.provider,
      created: nowSeconds(),
      fallbackId: completionId(),
      fallbackModel: target.model,
      jsonToolName,
      secret: target.apiKey,
    })
    const body = chunks(nodeBody, transform, { ...ctx, idleMs: target.timeoutMs, started, meta, latency })
    return { body, limits, latency, meta }
  }

  async function close(): Promise<void> {
    byTarget = new WeakMap()
    byKey.clear()
  }

  return { type: 'anthropic', complete, stream, close }
}

interface ChunkContext {
  provider: string
  signal: AbortSignal
  secret: string
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
          if (ctx.latency.ttftMs === undefined && hasContent(c)) ctx.latency.ttftMs = performance.now() - ctx.started
          yield c
        }
      }
    }
    ended = true
  } catch (err) {
    // The client's idle timeout: nothing arrived for that long.
    if (isIdleTimeout(err)) throw streamBroken(ctx.provider, `no data for ${ctx.idleMs} ms`)
    throw toProviderError(err, { ...ctx, during: 'stream', now: Date.now() })
  } finally {
    if (!ended) body.destroy()
    ctx.meta.usage = transform.usage
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

function hasContent(c: ChatChunk): boolean {
  const d = c.choices[0]?.delta
  return !!d && ((typeof d.content === 'string' && d.content.length > 0) || (d.tool_calls?.length ?? 0) > 0)
}
