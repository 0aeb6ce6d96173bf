/**
 * A lean HTTP client on node:http(s) with keep-alive agents. Node 20's global fetch costs ~360 µs more
 * per call than node:http with a keep-alive agent (see bench/), so the adapters use this directly where
 * they speak the wire themselves, and hand `leanFetch` to the SDKs that accept a `fetch` option.
 */
import http from 'node:http'
import https from 'node:https'
import { Readable } from 'node:stream'

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

/** Sends a request; resolves with the response once its headers arrived (the body is left to read). */
export function httpRequest(url: string | URL, init: HttpRequestInit = {}): Promise<http.IncomingMessage> {
  const u = typeof url === 'string' ? new URL(url) : url
  const secure = u.protocol === 'https:'
  const headers: Record<string, string | number> = { ...init.headers }
  if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body)
  return new Promise((resolve, reject) => {
    if (init.signal?.aborted) {
      reject(abortReason(init.signal))
      return
    }
    const req = (secure ? https : http).request(
      {
        protocol: u.protocol,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: init.method ?? 'GET',
        headers,
        agent: secure ? httpsAgent : httpAgent,
      },
      (res) => {
        cleanup()
        if (init.signal) {
          // Aborting after the headers arrived must still tear the body down.
          const onAbort = () => res.destroy(abortReason(init.signal!))
          init.signal.addEventListener('abort', onAbort, { once: true })
          res.once('close', () => init.signal!.removeEventListener('abort', onAbort))
        }
        resolve(res)
      },
    )
    let timer: NodeJS.Timeout | undefined
    const onAbort = () => req.destroy(abortReason(init.signal!))
    const cleanup = () => {
      if (timer) clearTimeout(timer)
      init.signal?.removeEventListener('abort', onAbort)
    }
    if (init.timeoutMs && init.timeoutMs > 0) {
      timer = setTimeout(() => req.destroy(new HttpTimeoutError(`no response within ${init.timeoutMs} ms`)), init.timeoutMs)
    }
    init.signal?.addEventListener('abort', onAbort, { once: true })
    req.on('error', (err) => {
      cleanup()
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

/** Reads a whole body, refusing more than `limit` bytes. */
export async function readBody(res: Readable, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of res) {
    const b = chunk as Buffer
    size += b.length
    if (size > limit) {
      res.destroy()
      throw new Error(`response body larger than ${limit} bytes`)
    }
    parts.push(b)
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)
}

function headersToRecord(h: RequestInit['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!h) return out
  if (h instanceof Headers) {
    h.forEach((v, k) => (out[k] = v))
  } else if (Array.isArray(h)) {
    for (const [k, v] of h as Array<[string, string]>) out[k.toLowerCase()] = v
  } else {
    for (const k of Object.keys(h)) {
      const v = (h as Record<string, string | undefined>)[k]
      if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v)
    }
  }
  return out
}

function responseHeaders(res: http.IncomingMessage): Headers {
  const raw = res.rawHeaders
  const h = new Headers()
  for (let i = 0; i < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!)
  return h
}

/**
 * A `fetch` for SDKs that accept one (`openai`, `@anthropic-ai/sdk`), built on `httpRequest`.
 * Event streams are passed through as they arrive; other bodies are buffered once.
 */
export const leanFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  if (input instanceof Request) throw new TypeError('leanFetch takes a URL, not a Request')
  let body: string | Uint8Array | undefined
  const b = init?.body
  if (typeof b === 'string' || b instanceof Uint8Array) body = b
  else if (b instanceof ArrayBuffer) body = new Uint8Array(b)
  else if (b != null) throw new TypeError('leanFetch supports string and byte bodies only')
  const res = await httpRequest(input, {
    method: init?.method ?? 'GET',
    headers: headersToRecord(init?.headers),
    body,
    signal: init?.signal ?? undefined,
  })
  const headers = responseHeaders(res)
  const status = res.statusCode ?? 502
  const init2 = { status, statusText: res.statusMessage ?? '', headers }
  if (status === 204 || status === 304 || init?.method === 'HEAD') {
    res.resume()
    return new Response(null, init2)
  }
  if ((headers.get('content-type') ?? '').includes('text/event-stream')) {
    return new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, init2)
  }
  const buf = await readBody(res)
  return new Response(new Uint8Array(buf.buffer, buf.byteOffset, buf.length), init2)
}

/** Drops idle keep-alive sockets (tests and shutdown). */
export function closeIdleConnections(): void {
  httpAgent.destroy()
  httpsAgent.destroy()
}
