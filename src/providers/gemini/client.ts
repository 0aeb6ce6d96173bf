/**
 * The only file that imports `@google/generative-ai` (0.24.1, the last release; the package is
 * deprecated upstream). It sends a REST-shaped `GeminiRequest` as is and hands back plain response
 * objects, and it turns the SDK's errors into `GeminiCallError`s. Moving to `@google/genai` means
 * rewriting this file only.
 *
 * SDK behaviour this file works around (read from the package's dist/index.mjs):
 * - `getGenerativeModel(params)` binds the model name into the URL (`models/` is prepended unless the
 *   name contains `/`); every other field is sent in the per-call body, which the SDK spreads over its
 *   defaults (`generationConfig: {}`, `safetySettings: []`) and mutates (`systemInstruction` gains
 *   `role: "system"`), so each call gets a shallow copy.
 * - `RequestOptions.timeout` arms a `setTimeout` that is never cleared (it keeps each finished call's
 *   fetch alive for the whole timeout) and cannot be told apart from a caller's abort. So the timeout
 *   is ours: a cleared timer that aborts the call's own AbortController.
 * - `generateContentStream` tees the body into an aggregate `response` promise that rejects whenever
 *   the stream breaks; it is caught here, or Node would report an unhandled rejection.
 */
import {
  GoogleGenerativeAI,
  GoogleGenerativeAIAbortError,
  GoogleGenerativeAIError,
  GoogleGenerativeAIFetchError,
  GoogleGenerativeAIRequestInputError,
  type GenerateContentRequest,
  type GenerativeModel,
  type RequestOptions,
} from '@google/generative-ai'
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

/** One API key at one base URL; holds the SDK objects so that calls build none. */
export class GeminiClient {
  private readonly sdk: GoogleGenerativeAI
  private readonly requestOptions: RequestOptions
  private readonly models = new Map<string, GenerativeModel>()
  private readonly timeoutMs: number

  constructor(config: GeminiClientConfig) {
    this.sdk = new GoogleGenerativeAI(config.apiKey)
    this.timeoutMs = config.timeoutMs
    this.requestOptions = { baseUrl: sdkBaseUrl(config.baseUrl), apiVersion: 'v1beta' }
    if (config.headers && Object.keys(config.headers).length > 0) this.requestOptions.customHeaders = { ...config.headers }
  }

  /** `POST …/models/{model}:generateContent`; resolves with the response body as plain JSON data. */
  async generate(body: GeminiRequest, model: string, opts: GeminiCallOptions): Promise<unknown> {
    const call = CallControl.start(opts.signal, this.timeoutMs)
    try {
      const result = await this.model(model).generateContent(sdkRequest(body), { signal: call.signal })
      return plain(result.response)
    } catch (err) {
      throw call.failure(err)
    } finally {
      call.release()
    }
  }

  /**
   * `POST …/models/{model}:streamGenerateContent?alt=sse`. Resolves once Gemini answered 2xx (HTTP
   * errors reject here); the iterable yields each SSE event's JSON. Ending the iteration early aborts
   * the upstream call.
   */
  async generateStream(body: GeminiRequest, model: string, opts: GeminiCallOptions): Promise<AsyncIterable<unknown>> {
    const call = CallControl.start(opts.signal, this.timeoutMs)
    let result: Awaited<ReturnType<GenerativeModel['generateContentStream']>>
    try {
      result = await this.model(model).generateContentStream(sdkRequest(body), { signal: call.signal })
    } catch (err) {
      call.release()
      throw call.failure(err)
    }
    result.response.catch(() => undefined)
    call.arm()
    return events(result.stream, call)
  }

  private model(name: string): GenerativeModel {
    let m = this.models.get(name)
    if (!m) {
      m = this.sdk.getGenerativeModel({ model: name }, this.requestOptions)
      this.models.set(name, m)
    }
    return m
  }
}

/**
 * The timer runs only while waiting for Gemini's next event, not while the consumer holds one: a
 * slow client must not look like a silent upstream.
 */
async function* events(stream: AsyncIterable<object>, call: CallControl): AsyncGenerator<unknown> {
  const it = stream[Symbol.asyncIterator]()
  let ended = false
  try {
    for (;;) {
      call.arm()
      const next = await it.next()
      call.disarm()
      if (next.done) break
      yield plain(next.value)
    }
    ended = true
  } catch (err) {
    throw call.failure(err, true)
  } finally {
    if (!ended) call.stop('done')
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

  /** The SDK keeps no sockets of its own (it uses the global fetch), so dropping the objects is all. */
  clear(): void {
    this.clients.clear()
  }
}

/** The SDK builds `${baseUrl}/${apiVersion}/…`: drop a trailing slash or version an operator may have written. */
export function sdkBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1beta$/, '')
}

/** A shallow copy, typed as the SDK wants it: the REST body is what the SDK serialises. */
function sdkRequest(body: GeminiRequest): GenerateContentRequest {
  return { ...body } as unknown as GenerateContentRequest
}

/** The SDK adds `text()`/`functionCall()`/`functionCalls()` helpers to every response; keep the data only. */
function plain(response: object): Record<string, unknown> {
  const { text: _t, functionCall: _f, functionCalls: _fs, ...data } = response as Record<string, unknown>
  return data
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

  /** The SDK listens for 'abort' only, which an already-aborted signal never fires again: refuse up front. */
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
    if (err instanceof GeminiCallError) return err
    if (this.reason === 'cancelled' || this.caller.aborted) return new GeminiCallError({ type: 'cancelled' }, { cause: err })
    if (this.reason === 'timeout') return new GeminiCallError({ type: 'timeout', timeoutMs: this.timeoutMs }, { cause: err })
    return new GeminiCallError(sdkFailure(err, streaming), { cause: err })
  }

  private readonly onAbort = (): void => this.stop('cancelled')
}

/**
 * An error thrown by the SDK (or by fetch under it) → a failure errors.ts understands. Exported for tests.
 * @param streaming the error came while reading a stream body, so a read failure is a broken stream.
 */
export function sdkFailure(err: unknown, streaming = false): GeminiFailure {
  if (err instanceof GoogleGenerativeAIFetchError) {
    const status = err.status ?? 0
    const statusText = err.statusText ?? ''
    const details = Array.isArray(err.errorDetails) ? (err.errorDetails as unknown[]) : undefined
    return { type: 'http', status, statusText, message: googleMessage(err.message, status, statusText, details), details: details ?? [] }
  }
  if (err instanceof GoogleGenerativeAIAbortError) return { type: 'cancelled' }
  if (err instanceof GoogleGenerativeAIRequestInputError) return { type: 'client', message: stripPrefix(err.message) }
  if (err instanceof GoogleGenerativeAIError) {
    const m = stripPrefix(err.message)
    // "Error fetching from <url>: <fetch's message>": fetch itself failed (refused, reset, DNS).
    if (m.startsWith('Error fetching from ')) return { type: 'connection', message: m.slice(m.indexOf(': ') + 2) || 'fetch failed' }
    if (m.startsWith('Error parsing JSON response')) return { type: 'malformed', message: 'an event whose data is not JSON' }
    if (m.startsWith('Failed to parse stream')) return { type: 'malformed', message: 'an event the SSE parser cannot read (it takes only `data: <JSON>` lines)' }
    if (m.startsWith('Error reading from the stream')) return { type: 'broken', message: 'the connection broke while reading the stream' }
    return { type: streaming ? 'broken' : 'client', message: m }
  }
  // Below the SDK: `response.json()` on a non-JSON 2xx, or a body cut while being read.
  if (err instanceof SyntaxError) return { type: 'malformed', message: 'the response body is not JSON' }
  const message = err instanceof Error ? err.message : String(err)
  return { type: 'broken', message }
}

function stripPrefix(message: string): string {
  return message.replace(/^\[GoogleGenerativeAI Error\]: /, '')
}

/**
 * Google's `error.message` out of the SDK's message, which is
 * `[GoogleGenerativeAI Error]: Error fetching from <url>: [<status> <statusText>] <message> <details JSON>`.
 * The URL goes (it names the model and host; the key is sent in a header, never in the URL).
 */
export function googleMessage(sdkMessage: string, status: number, statusText: string, details: unknown[] | undefined): string {
  const marker = `[${status} ${statusText}] `
  const at = sdkMessage.indexOf(marker)
  let message = at >= 0 ? sdkMessage.slice(at + marker.length) : ''
  if (details !== undefined) {
    const suffix = ` ${JSON.stringify(details)}`
    if (message.endsWith(suffix)) message = message.slice(0, -suffix.length)
  }
  return message.trim()
}
