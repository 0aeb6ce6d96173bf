/**
 * The upstream HTTP client: undici's `request()` over one keep-alive Agent
 * (https://undici.nodejs.org/#/docs/api/Dispatcher?id=dispatcherrequestoptions-callback), which costs less
 * CPU per call than node:http's client or the global `fetch` (docs/benchmarks.md has the figures). Every
 * adapter speaks its provider's wire through this.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, errors } from 'undici'

const agent = new Agent({
  // Idle keep-alive sockets close after this unless the server's Keep-Alive header says less.
  keepAliveTimeout: 4_000,
  keepAliveMaxTimeout: 60_000,
  // Timeouts are per request (below); undici's own 300 s defaults are off. undici checks them on a
  // coarse clock (about 1 s): cheap per request, and fine for timeouts of seconds to minutes.
  headersTimeout: 0,
  bodyTimeout: 0,
  connectTimeout: 10_000,
})

export interface HttpRequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal | undefined
  /** Abort the call when no response headers arrived within this many ms. */
  timeoutMs?: number
  /** Fail the body with an idle-timeout error when no bytes arrive for this many ms. */
  idleTimeoutMs?: number
}

export class HttpTimeoutError extends Error {
  override readonly name = 'HttpTimeoutError'
}

/** The body went silent for longer than `idleTimeoutMs`. */
export function isIdleTimeout(err: unknown): boolean {
  return err instanceof errors.BodyTimeoutError
}

/** A URL split into what the client wants, computed once per target rather than per request. */
export interface Endpoint {
  readonly origin: string
  readonly path: string
}

export function endpoint(url: string | URL): Endpoint {
  const u = typeof url === 'string' ? new URL(url) : url
  return { origin: u.origin, path: u.pathname + u.search }
}

/** A response whose headers arrived; the body is left to read (or destroy: a body never read holds its socket). */
export interface UpstreamResponse {
  readonly statusCode: number
  /** Lower-case names; repeated headers as arrays, as node:http gives them. */
  readonly headers: IncomingHttpHeaders
  readonly body: Readable
}

/** Sends a request; resolves once the response headers arrived. */
export async function httpRequest(url: string | URL | Endpoint, init: HttpRequestInit = {}): Promise<UpstreamResponse> {
  const ep = typeof url === 'object' && 'origin' in url && 'path' in url ? url : endpoint(url)
  const timeout = init.timeoutMs && init.timeoutMs > 0 ? init.timeoutMs : 0
  try {
    const res = await agent.request({
      origin: ep.origin,
      path: ep.path,
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers,
      body: init.body,
      signal: init.signal,
      headersTimeout: timeout,
      bodyTimeout: init.idleTimeoutMs && init.idleTimeoutMs > 0 ? init.idleTimeoutMs : 0,
    })
    // undici's body emits 'error' (UND_ERR_ABORTED) when destroyed before its end, even without a
    // reason: a body dropped on an error path must not crash the process as an unhandled 'error'.
    res.body.on('error', noop)
    return { statusCode: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body }
  } catch (err) {
    if (err instanceof errors.HeadersTimeoutError) throw new HttpTimeoutError(`no response within ${timeout} ms`)
    throw err
  }
}

function noop(): void {}

/** An error answer's body as text (at most 1 MB), or '' when it can't be read: the status says enough. */
export async function errorText(res: UpstreamResponse): Promise<string> {
  try {
    return (await readBody(res.body, 1 << 20)).toString('utf8')
  } catch {
    return ''
  }
}

/** Reads a whole body, refusing more than `limit` bytes. Event-based: cheaper than `for await`. */
export function readBody(res: Readable, limit = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let size = 0
    let ended = false
    res.on('data', (b: Buffer) => {
      size += b.length
      if (size > limit) {
        res.destroy(new Error(`response body larger than ${limit} bytes`))
        return
      }
      parts.push(b)
    })
    res.once('end', () => {
      ended = true
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size))
    })
    res.once('error', reject)
    // A body destroyed mid-way may end in 'close' without 'end' (and without 'error').
    res.once('close', () => {
      if (!ended) reject(new Error('the connection closed before the body was complete'))
    })
  })
}
