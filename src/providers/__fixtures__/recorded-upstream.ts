/**
 * A small HTTP server on 127.0.0.1 for the adapters' tests: each test sets the handler, which answers
 * with a recorded body, an error or a stream; requests are kept in `seen`.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { type NativeAnswer, type NativeFrame, ProviderError } from '../types.ts'

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

export interface SeenRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: Record<string, unknown>
}

export class RecordedUpstream {
  handler: Handler = (_req, res) => res.end()
  seen: SeenRequest[] = []
  private readonly server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (c: Buffer) => (text += c.toString('utf8')))
    req.on('end', () => {
      this.seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      })
      this.handler(req, res)
    })
  })

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }
}

/**
 * A RecordedUpstream for one test file: started before its tests, stopped after them, its record of
 * requests cleared before each. `base()` is its URL once started.
 */
export function useRecordedUpstream(): { upstream: RecordedUpstream; base: () => string } {
  const upstream = new RecordedUpstream()
  let url = ''
  beforeAll(async () => {
    url = await upstream.start()
  })
  afterAll(async () => {
    await upstream.stop()
  })
  beforeEach(() => {
    upstream.seen = []
  })
  return { upstream, base: () => url }
}

/** Serves a recorded stream in pieces of 97 bytes; `end: false` leaves it hanging, `'destroy'` cuts the socket. */
export function sseHandler(
  bytes: Buffer | string,
  headers: Readonly<Record<string, string>>,
  end: boolean | 'destroy' = true,
): Handler {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', ...headers })
    let at = 0
    const step = () => {
      if (at < b.length) {
        res.write(b.subarray(at, (at += 97)))
        setTimeout(step, 1)
      } else if (end === 'destroy') res.socket?.destroy()
      else if (end) res.end()
    }
    step()
  }
}

/** A passthrough answer's frames, read to the end or to the error that ended them. */
export async function nativeFrames(a: NativeAnswer): Promise<{ frames: NativeFrame[]; error: ProviderError | null }> {
  if (a.kind !== 'stream') throw new Error('not a stream')
  const out: NativeFrame[] = []
  try {
    for await (const f of a.frames) out.push(f)
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err
    return { frames: out, error: err }
  }
  return { frames: out, error: null }
}

/** The ProviderError `p` rejects with (fails the test when it resolves, or rejects with something else). */
export async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  )
  if (!(err instanceof ProviderError)) throw err
  return err
}
