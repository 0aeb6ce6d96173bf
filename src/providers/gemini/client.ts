/**
 * Gemini's REST API (https://ai.google.dev/api/generate-content), spoken directly over the keep-alive
 * client of ../http.ts. This is the one file that knows the transport: it sends a REST-shaped
 * `GeminiRequest` as is, hands back plain response objects, and turns every failure into a
 * `GeminiCallError`.
 *
 * Why not `@google/generative-ai`: it can only use Node's global `fetch` (no `fetch` option), which costs
 * ~360 µs of CPU more per call than a keep-alive client (../shared/reference/toolchain.md); for streams
 * it also tees the body into an aggregate response and parses it twice, and its SSE parser throws on an
 * `event:` line or a comment. Measured with `npm run bench`: Gemini calls cost 5.5–6.3× the simulator's
 * CPU through the SDK, 3.0–3.4× this way. The request and response bodies are the SDK's REST shapes either way
 * (gemini-types.ts), so nothing above this file changed when the transport did.
 */
import { STATUS_CODES } from 'node:http'
import { endpoint, errorText, httpRequest, readBody, type Endpoint, type UpstreamResponse } from '../http.ts'
import { SseDecoder } from '../sse.ts'
import { GeminiCallError, type GeminiFailure, type GeminiRequest } from './gemini-types.ts'

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

/** One API key at one base URL; headers and URLs are built once per model, not per call. */
export class GeminiClient {
  private readonly base: string
  private readonly headers: Record<string, string>
  private readonly urls = new Map<string, { json: Endpoint; sse: Endpoint }>()
  private readonly timeoutMs: number

  constructor(config: GeminiClientConfig) {
    this.base = apiBaseUrl(config.baseUrl)
    this.timeoutMs = config.timeoutMs
    // The key goes in a header, never in the URL (URLs reach logs and error messages).
    // The target's own headers (lower-cased by the config loader) may replace the key header.
    this.headers = { 'x-goog-api-key': config.apiKey, ...config.headers, 'content-type': 'application/json' }
  }

  /** `POST …/v1beta/models/{model}:generateContent`; resolves with the response body as plain JSON data. */
  async generate(body: GeminiRequest, model: string, opts: GeminiCallOptions): Promise<unknown> {
    const call = CallControl.start(opts.signal, this.timeoutMs)
    try {
      const res = await this.send(this.url(model).json, body, call)
      let text: string
      try {
        text = (await readBody(res.body)).toString('utf8')
      } catch (err) {
        throw new GeminiCallError({ type: 'broken', message: messageOf(err) }, { cause: err })
      }
      try {
        return JSON.parse(text) as unknown
      } catch (err) {
        throw new GeminiCallError({ type: 'malformed', message: 'the response body is not JSON' }, { cause: err })
      }
    } catch (err) {
      throw call.failure(err)
    } finally {
      call.release()
    }
  }

  /**
   * `POST …/v1beta/models/{model}:streamGenerateContent?alt=sse`. Resolves once Gemini answered 2xx
   * (HTTP errors reject here); the iterable yields each SSE event's JSON. Ending the iteration early
   * aborts the upstream call.
   */
  async generateStream(body: GeminiRequest, model: string, opts: GeminiCallOptions): Promise<AsyncIterable<unknown>> {
    const call = CallControl.start(opts.signal, this.timeoutMs)
    let res: UpstreamResponse
    try {
      res = await this.send(this.url(model).sse, body, call)
    } catch (err) {
      call.release()
      throw call.failure(err)
    }
    call.arm()
    return events(res, call)
  }

  private async send(url: Endpoint, body: GeminiRequest, call: CallControl): Promise<UpstreamResponse> {
    // A failure here (refused, reset, aborted) is classified by call.failure().
    const res = await httpRequest(url, { method: 'POST', headers: this.headers, body: JSON.stringify(body), signal: call.signal })
    if (res.statusCode >= 200 && res.statusCode < 300) return res
    throw new GeminiCallError(httpFailure(res.statusCode, await errorText(res)))
  }

  private url(model: string): { json: Endpoint; sse: Endpoint } {
    let u = this.urls.get(model)
    if (!u) {
      // `models/` is prepended unless the name has a `/` already (tunedModels/…, models/…).
      const path = `${this.base}/v1beta/${model.includes('/') ? model : `models/${model}`}`
      u = { json: endpoint(`${path}:generateContent`), sse: endpoint(`${path}:streamGenerateContent?alt=sse`) }
      this.urls.set(model, u)
    }
    return u
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

/**
 * The timer runs only while waiting for Gemini's next event, not while the consumer holds one: a
 * slow client must not look like a silent upstream.
 */
async function* events(res: UpstreamResponse, call: CallControl): AsyncGenerator<unknown> {
  const decoder = new SseDecoder()
  const it = res.body[Symbol.asyncIterator]()
  let ended = false
  try {
    for (;;) {
      call.arm()
      let next: IteratorResult<Buffer>
      try {
        next = (await it.next()) as IteratorResult<Buffer>
      } catch (err) {
        throw new GeminiCallError({ type: 'broken', message: `the connection broke while reading the stream (${messageOf(err)})` }, { cause: err })
      }
      call.disarm()
      const evs = next.done ? decoder.end() : decoder.push(next.value)
      for (const ev of evs) {
        let data: unknown
        try {
          data = JSON.parse(ev.data)
        } catch (err) {
          throw new GeminiCallError({ type: 'malformed', message: 'an event whose data is not JSON' }, { cause: err })
        }
        yield data
      }
      if (next.done) break
    }
    ended = true
  } catch (err) {
    throw call.failure(err, true)
  } finally {
    if (!ended) {
      call.stop('done')
      res.body.destroy()
    }
    call.release()
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

/** One call's abort: the caller's signal, our timeout, or the consumer leaving a stream early. */
class CallControl {
  private readonly controller = new AbortController()
  private reason: 'cancelled' | 'timeout' | 'done' | null = null
  private timer: NodeJS.Timeout | undefined

  private constructor(
    private readonly caller: AbortSignal,
    private readonly timeoutMs: number,
  ) {
    caller.addEventListener('abort', this.onAbort, { once: true })
    this.arm()
  }

  /** An already-aborted signal never fires 'abort' again: refuse up front. */
  static start(caller: AbortSignal, timeoutMs: number): CallControl {
    if (caller.aborted) throw new GeminiCallError({ type: 'cancelled' })
    return new CallControl(caller, timeoutMs)
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** (Re)starts the timeout: until the answer, then for each wait on the next stream event. */
  arm(): void {
    this.disarm()
    if (this.timeoutMs > 0 && this.reason === null) this.timer = setTimeout(() => this.stop('timeout'), this.timeoutMs)
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  stop(reason: 'cancelled' | 'timeout' | 'done'): void {
    this.reason ??= reason
    this.controller.abort()
  }

  release(): void {
    this.disarm()
    this.caller.removeEventListener('abort', this.onAbort)
  }

  failure(err: unknown, streaming = false): GeminiCallError {
    // Our own abort first: a read cut short by it fails like any broken read.
    if (this.reason === 'cancelled' || this.caller.aborted) return new GeminiCallError({ type: 'cancelled' }, { cause: err })
    if (this.reason === 'timeout') return new GeminiCallError({ type: 'timeout', timeoutMs: this.timeoutMs }, { cause: err })
    if (err instanceof GeminiCallError) return err
    return new GeminiCallError({ type: streaming ? 'broken' : 'connection', message: messageOf(err) }, { cause: err })
  }

  private readonly onAbort = (): void => this.stop('cancelled')
}
