/**
 * `createLeanFetch`: a `fetch` for SDKs that accept one (`@anthropic-ai/sdk`), on our keep-alive client
 * (http.ts), answering with a small Response-shaped object instead of a web `Response`. Building undici's
 * Response, Headers and body streams was ~15% of the CPU of an Anthropic call (bench/); the SDK only
 * reads `status`, `ok`, `url`, `headers.get/entries`, `json()`, `text()` and, for streams, `body`.
 * Adapters that stream can take the Node stream directly (`nodeBody`) and skip web streams entirely.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { httpRequest, readBody, type UpstreamResponse } from './http.ts'

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

/** The read side of `Headers`, over Node's already-parsed header record. */
export class LeanHeaders {
  constructor(private readonly rec: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const v = this.rec[name.toLowerCase()]
    if (v === undefined) return null
    return Array.isArray(v) ? v.join(', ') : v
  }

  has(name: string): boolean {
    return this.rec[name.toLowerCase()] !== undefined
  }

  forEach(cb: (value: string, key: string) => void): void {
    for (const [k, v] of this.entries()) cb(v, k)
  }

  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.rec).sort()) yield [k, this.get(k)!]
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }
}

/** The Response members SDKs use, over a Node response. */
export class LeanResponse {
  readonly status: number
  readonly statusText: string
  readonly ok: boolean
  readonly headers: LeanHeaders
  readonly redirected = false
  readonly type = 'basic'
  bodyUsed = false

  constructor(
    private readonly res: UpstreamResponse,
    readonly url: string,
  ) {
    this.status = res.statusCode
    this.statusText = ''
    this.ok = this.status >= 200 && this.status < 300
    this.headers = new LeanHeaders(res.headers)
  }

  /** The body as the Node stream it is (for adapters that read it themselves). */
  get nodeBody(): Readable {
    this.bodyUsed = true
    return this.res.body
  }

  /**
   * The Node stream itself (async-iterable, like a web stream in Node). The Anthropic SDK touches `body`
   * on every response only to register it for garbage-collection cleanup; turning it into a web stream
   * there (Readable.toWeb) cost ~3% of a call's CPU and started a second reader on the body.
   */
  get body(): ReadableStream<Uint8Array> {
    return this.res.body as unknown as ReadableStream<Uint8Array>
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.bytes()
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8')
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }

  private bytes(): Promise<Buffer> {
    this.bodyUsed = true
    return readBody(this.res.body)
  }
}

/**
 * A `fetch` whose response bodies fail with an idle-timeout error (see `isIdleTimeout`) after `idleMs`
 * without data (0: never).
 */
export const createLeanFetch = (idleMs = 0) => async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  if (typeof input === 'object' && !(input instanceof URL)) throw new TypeError('leanFetch takes a URL, not a Request')
  let body: string | Uint8Array | undefined
  const b = init?.body
  if (typeof b === 'string' || b instanceof Uint8Array) body = b
  else if (b instanceof ArrayBuffer) body = new Uint8Array(b)
  else if (b != null) throw new TypeError('leanFetch supports string and byte bodies only')
  const url = String(input)
  const res = await httpRequest(url, {
    method: init?.method ?? 'GET',
    headers: headersToRecord(init?.headers),
    body,
    signal: init?.signal ?? undefined,
    idleTimeoutMs: idleMs,
  })
  // Duck-typed: the SDKs read only the members LeanResponse has (see the file comment).
  return new LeanResponse(res, url) as unknown as Response
}
