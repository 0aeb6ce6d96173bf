/**
 * A small HTTP server on 127.0.0.1 for the adapters' tests: each test sets the handler, which answers
 * with a recorded body, an error or a stream; requests are kept in `seen`.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach } from 'vitest'

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
