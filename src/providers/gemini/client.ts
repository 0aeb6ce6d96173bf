/**
 * Gemini's REST API (https://ai.google.dev/api/generate-content), spoken directly over the keep-alive
 * client of ../http.ts. This is the one file that knows the transport: it sends a REST-shaped
 * `GeminiRequest` as is, hands back plain response objects, and turns every failure into a
 * `GeminiCallError`.
 *
 * Why not `@google/generative-ai`: it can only use Node's global `fetch` (no `fetch` option), which costs
 * more CPU per call than a keep-alive client; for streams it also tees the body into an aggregate response
 * and parses it twice, and its SSE parser throws on an `event:` line or a comment (docs/benchmarks.md has
 * the figures). The request and response bodies are the SDK's REST shapes either way (gemini-types.ts).
 */
import { STATUS_CODES } from 'node:http'
import { endpoint, errorText, HttpTimeoutError, httpRequest, isIdleTimeout, readBody, type Endpoint, type UpstreamResponse } from '../http.ts'
import { SseDecoder } from '../sse.ts'
import { GeminiCallError, type GeminiFailure, type GeminiRequest } from './gemini-types.ts'
import { modelResource } from './model-resource.ts'

export interface GeminiClientConfig {
  /** Origin (+ optional path prefix) without the API version, e.g. `https://generativelanguage.googleapis.com`. */
  baseUrl: string
  apiKey: string
  /** No answer within this time (for streams: no data for this long) aborts the call. 0 = none. */
  timeoutMs: number
  headers?: Readonly<Record<string, string>>
}

export interface GeminiCallOptions {
  signal: AbortSignal
}

/** The two URLs of one model: `:generateContent` and `:streamGenerateContent?alt=sse`. */
export interface GeminiEndpoints {
  readonly json: Endpoint
  readonly sse: Endpoint
}

/**
 * One API key at one base URL; headers are built once. URLs are built by `endpoints(model)`, which the
 * caller keeps with whatever outlives the call (the adapter: per target), so that the client holds no
 * map keyed by model ids — those come from clients.
 */
export class GeminiClient {
  private readonly base: string
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number

  constructor(config: GeminiClientConfig) {
    this.base = apiBaseUrl(config.baseUrl)
    this.timeoutMs = config.timeoutMs
    // The key goes in a header, never in the URL (URLs reach logs and error messages).
    // The target's own headers (lower-cased by the config loader) may replace the key header.
    this.headers = { 'x-goog-api-key': config.apiKey, ...config.headers, 'content-type': 'application/json' }
  }

  /**
   * A model's URLs, its id one encoded path segment (model-resource.ts). Throws a GeminiCallError of type
   * `invalid_model` for an id that cannot be one — nothing is sent.
   */
  endpoints(model: string): GeminiEndpoints {
    const r = modelResource(model)
    if (!r.ok) throw new GeminiCallError({ type: 'invalid_model', message: r.problem })
    const path = `${this.base}/v1beta/${r.path}`
    return { json: endpoint(`${path}:generateContent`), sse: endpoint(`${path}:streamGenerateContent?alt=sse`) }
  }

  /** `POST …/v1beta/models/{model}:generateContent`; resolves with the response body as plain JSON data. */
  async generate(body: GeminiRequest, urls: GeminiEndpoints, opts: GeminiCallOptions): Promise<unknown> {
    const res = await this.send(urls.json, body, opts.signal)
    let text: string
    try {
      text = (await readBody(res.body)).toString('utf8')
    } catch (err) {
      throw this.failure(err, opts.signal, 'body')
    }
    try {
      return JSON.parse(text) as unknown
    } catch (err) {
      throw new GeminiCallError({ type: 'malformed', message: 'the response body is not JSON' }, { cause: err })
    }
  }

  /**
   * `POST …/v1beta/models/{model}:streamGenerateContent?alt=sse`. Resolves once Gemini answered 2xx
   * (HTTP errors reject here); the iterable yields each SSE event's JSON. Ending the iteration early
   * aborts the upstream call.
   */
  async generateStream(body: GeminiRequest, urls: GeminiEndpoints, opts: GeminiCallOptions): Promise<AsyncIterable<unknown>> {
    const res = await this.send(urls.sse, body, opts.signal)
    return this.events(res, opts.signal)
  }

  /**
   * The timeout covers the wait for the headers, then every silence inside the body — only while the
   * body is being read: a slow consumer pauses the socket and the clock (undici), so it is not
   * mistaken for a silent upstream.
   */
  private async send(url: Endpoint, body: GeminiRequest, signal: AbortSignal): Promise<UpstreamResponse> {
    let res: UpstreamResponse
    try {
      res = await httpRequest(url, { method: 'POST', headers: this.headers, body: JSON.stringify(body), signal, timeoutMs: this.timeoutMs, idleTimeoutMs: this.timeoutMs })
    } catch (err) {
      throw this.failure(err, signal, 'request')
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res
    throw new GeminiCallError(httpFailure(res.statusCode, await errorText(res)))
  }

  private async *events(res: UpstreamResponse, signal: AbortSignal): AsyncGenerator<unknown> {
    const decoder = new SseDecoder()
    let ended = false
    try {
      for await (const bytes of res.body) {
        for (const ev of decoder.push(bytes as Buffer)) yield parseEvent(ev.data)
      }
      for (const ev of decoder.end()) yield parseEvent(ev.data)
      ended = true
    } catch (err) {
      throw this.failure(err, signal, 'stream')
    } finally {
      // The consumer left early: drop the connection, which ends the upstream call.
      if (!ended) res.body.destroy()
    }
  }

  /** A failure below HTTP → GeminiCallError: cancelled, timed out, unreachable, or a body cut short. */
  private failure(err: unknown, signal: AbortSignal, during: 'request' | 'body' | 'stream'): GeminiCallError {
    if (err instanceof GeminiCallError) return err
    if (signal.aborted || (err as { name?: unknown } | null)?.name === 'AbortError') return new GeminiCallError({ type: 'cancelled' }, { cause: err })
    if (err instanceof HttpTimeoutError || isIdleTimeout(err)) return new GeminiCallError({ type: 'timeout', timeoutMs: this.timeoutMs }, { cause: err })
    if (during === 'request') return new GeminiCallError({ type: 'connection', message: messageOf(err) }, { cause: err })
    const what = during === 'stream' ? 'the stream' : 'the body'
    return new GeminiCallError({ type: 'broken', message: `the connection broke while reading ${what} (${messageOf(err)})` }, { cause: err })
  }
}

/** A non-2xx answer → Google's `error.message` and `error.details` (`{"error":{code,message,status,details}}`). */
export function httpFailure(status: number, text: string): GeminiFailure {
  let message = ''
  let details: unknown[] = []
  try {
    const e = (JSON.parse(text) as { error?: { message?: unknown; details?: unknown } } | null)?.error
    if (typeof e?.message === 'string') message = e.message
    if (Array.isArray(e?.details)) details = e.details as unknown[]
  } catch {
    // not JSON: an HTML page from a proxy, say
  }
  return { type: 'http', status, statusText: STATUS_CODES[status] ?? '', message, details }
}

function messageOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null
  if (typeof e?.code === 'string') return e.code
  return typeof e?.message === 'string' && e.message ? e.message : 'unknown error'
}

function parseEvent(data: string): unknown {
  try {
    return JSON.parse(data) as unknown
  } catch (err) {
    throw new GeminiCallError({ type: 'malformed', message: 'an event whose data is not JSON' }, { cause: err })
  }
}

/** Clients keyed by (base URL, key, timeout, headers): one per target, never one per request. */
export class GeminiClientPool {
  private readonly clients = new Map<string, GeminiClient>()

  get(config: GeminiClientConfig): GeminiClient {
    const key = JSON.stringify([config.baseUrl, config.apiKey, config.timeoutMs, config.headers ?? null])
    let c = this.clients.get(key)
    if (!c) {
      c = new GeminiClient(config)
      this.clients.set(key, c)
    }
    return c
  }

  get size(): number {
    return this.clients.size
  }

  /** Clients hold no sockets of their own (the keep-alive pool is http.ts's), so dropping them is all. */
  clear(): void {
    this.clients.clear()
  }
}

/** URLs are `${baseUrl}/v1beta/…`: drop a trailing slash or a version an operator may have written. */
export function apiBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1beta$/, '')
}
