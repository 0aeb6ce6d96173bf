/**
 * A tiny Gemini for the adapter's end-to-end tests: node:http on 127.0.0.1, a random port, answers
 * scripted per model name (`POST /v1beta/models/{model}:{task}`), and a record of what it received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

interface Received {
  method: string
  /** Path and query, e.g. `/v1beta/models/ok:streamGenerateContent?alt=sse`. */
  url: string
  headers: IncomingMessage['headers']
  body: unknown
}

export type Script = (res: ServerResponse, req: Received) => void | Promise<void>

export interface FakeGemini {
  /** Origin to give the adapter as `baseUrl`. */
  baseUrl: string
  received: Received[]
  close(): Promise<void>
}

export async function startFakeGemini(scripts: Readonly<Record<string, Script>>): Promise<FakeGemini> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (b: Buffer) => parts.push(b))
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8')
      const rec: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : null,
      }
      received.push(rec)
      const model = /^\/v1beta\/models\/([^:]+):/.exec(rec.url)?.[1] ?? ''
      const script = scripts[decodeURIComponent(model)]
      if (!script) {
        json(res, 404, {
          error: { code: 404, message: `models/${model} is not found for API version v1beta`, status: 'NOT_FOUND' },
        })
        return
      }
      void Promise.resolve(script(res, rec)).catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Google's error body: `{"error":{"code","message","status","details"}}`. */
export function googleError(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): void {
  json(res, code, { error: { code, message, status, ...(details ? { details } : {}) } })
}

const tick = () => new Promise((r) => setTimeout(r, 2))

/** An SSE answer written event by event, as Gemini frames it (`data: <json>` + CRLF CRLF). */
export async function sse(
  res: ServerResponse,
  events: readonly string[],
  end: 'end' | 'cut' | 'hang' = 'end',
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.flushHeaders()
  for (const e of events) {
    await tick()
    res.write(e)
  }
  await tick()
  if (end === 'end') res.end()
  // Destroying the socket without the final chunk of the chunked body: a connection cut mid-stream.
  else if (end === 'cut') res.socket?.destroy()
}

export const event = (obj: unknown): string => `data: ${JSON.stringify(obj)}\r\n\r\n`
