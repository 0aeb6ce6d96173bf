/**
 * A lean HTTP client on node:http(s) with keep-alive agents. Node 20's global fetch costs ~360 µs more
 * per call than node:http with a keep-alive agent (see bench/), so the adapters use this directly where
 * they speak the wire themselves, and lean-fetch.ts builds on it for the SDKs that accept a `fetch`.
 */
import http from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'

const agentOptions = { keepAlive: true, keepAliveMsecs: 1_000, maxFreeSockets: 256, scheduling: 'lifo' as const }
const httpAgent = new http.Agent(agentOptions)
const httpsAgent = new https.Agent(agentOptions)

export interface HttpRequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal | undefined
  /** Abort the call when no response headers arrived within this many ms. */
  timeoutMs?: number
}

export class HttpTimeoutError extends Error {
  override readonly name = 'HttpTimeoutError'
}

/** A URL split into what node:http wants, computed once per target rather than per request. */
export interface Endpoint {
  readonly secure: boolean
  readonly hostname: string
  readonly port: string
  readonly path: string
}

export function endpoint(url: string | URL): Endpoint {
  const u = typeof url === 'string' ? new URL(url) : url
  return { secure: u.protocol === 'https:', hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname + u.search }
}

/**
 * Sends a request; resolves with the response once its headers arrived (the body is left to read).
 * Written for the hot path: no URL parsing (pass an Endpoint), one abort listener, one timer.
 */
export function httpRequest(url: string | URL | Endpoint, init: HttpRequestInit = {}): Promise<http.IncomingMessage> {
  const ep = typeof url === 'object' && 'secure' in url ? url : endpoint(url)
  const headers: Record<string, string | number> = init.headers ? Object.assign({}, init.headers) : {}
  if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body)
  const signal = init.signal
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal))
      return
    }
    const req = (ep.secure ? https : http).request({
      hostname: ep.hostname,
      port: ep.port,
      path: ep.path,
      method: init.method ?? 'GET',
      headers,
      agent: ep.secure ? httpsAgent : httpAgent,
    })
    let timer: NodeJS.Timeout | undefined
    let res: http.IncomingMessage | undefined
    // One listener for the whole call: before the response it destroys the request, after it the body.
    const onAbort = () => (res ?? req).destroy(abortReason(signal!))
    signal?.addEventListener('abort', onAbort, { once: true })
    if (init.timeoutMs && init.timeoutMs > 0) {
      timer = setTimeout(() => req.destroy(new HttpTimeoutError(`no response within ${init.timeoutMs} ms`)), init.timeoutMs)
    }
    req.on('response', (r: http.IncomingMessage) => {
      if (timer) clearTimeout(timer)
      res = r
      if (signal) r.once('close', () => signal.removeEventListener('abort', onAbort))
      resolve(r)
    })
    req.on('error', (err) => {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      reject(err)
    })
    req.end(init.body)
  })
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason
  if (r instanceof Error) return r
  const e = new Error('The operation was aborted')
  e.name = 'AbortError'
  return e
}

/** Reads a whole body, refusing more than `limit` bytes. Event-based: cheaper than `for await`. */
export function readBody(res: Readable, limit = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let size = 0
    res.on('data', (b: Buffer) => {
      size += b.length
      if (size > limit) {
        res.destroy(new Error(`response body larger than ${limit} bytes`))
        return
      }
      parts.push(b)
    })
    res.once('end', () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)))
    res.once('error', reject)
    // A socket destroyed mid-body ends in 'close' without 'end' (and sometimes without 'error').
    res.once('close', () => {
      if (!(res as http.IncomingMessage).complete) reject(new Error('the connection closed before the body was complete'))
    })
  })
}

/** Drops idle keep-alive sockets (tests and shutdown). */
export function closeIdleConnections(): void {
  httpAgent.destroy()
  httpsAgent.destroy()
}
