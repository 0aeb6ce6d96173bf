/**
 * Reads and parses a JSON request body straight from Node's IncomingMessage (cheaper than going
 * through a web Request; readWebBody reads one for the Hono route), refusing bodies over the limit with
 * 413 before reading them when the client announces their size.
 */
import type { IncomingMessage } from 'node:http'
import { ApiError } from '../lib/api-error.ts'

function tooLarge(limit: number): ApiError {
  return new ApiError(
    413,
    `Request body too large: the limit is ${limit} bytes (server.max_body_bytes in routes.yaml).`,
    'request_too_large',
  )
}

export function readRawBody(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  const announced = Number(incoming.headers['content-length'])
  if (Number.isFinite(announced) && announced > limit) {
    // Don't read it; let the socket close after the 413.
    incoming.resume()
    return Promise.reject(tooLarge(limit))
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let size = 0
    let failed = false
    incoming.on('data', (b: Buffer) => {
      if (failed) return
      size += b.length
      if (size > limit) {
        failed = true
        reject(tooLarge(limit))
        return
      }
      parts.push(b)
    })
    incoming.on('end', () => {
      if (!failed) resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size))
    })
    incoming.on('error', (err) => {
      if (!failed) reject(new ApiError(400, `Could not read the request body: ${err.message}`, 'invalid_body'))
    })
  })
}

/** readRawBody for a web Request (the Hono route): the same limit, the same refusals. */
export async function readWebBody(request: Request, limit: number): Promise<Buffer> {
  if (Number(request.headers.get('content-length')) > limit) {
    await request.body?.cancel()
    throw tooLarge(limit)
  }
  const parts: Uint8Array[] = []
  let size = 0
  if (request.body) {
    const reader = request.body.getReader()
    for (;;) {
      const r = await reader.read().catch((err: unknown) => {
        throw new ApiError(400, `Could not read the request body: ${(err as Error).message}`, 'invalid_body')
      })
      if (r.done) break
      size += r.value.length
      if (size > limit) {
        await reader.cancel()
        throw tooLarge(limit)
      }
      parts.push(r.value)
    }
  }
  return Buffer.concat(parts, size)
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) {
    throw new ApiError(
      400,
      'The request body is empty; send a JSON object (Content-Type: application/json).',
      'invalid_json',
    )
  }
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw new ApiError(
      400,
      `We could not parse the JSON body of your request (${(err as Error).message}). Send valid JSON with Content-Type: application/json.`,
      'invalid_json',
    )
  }
  if (nestedPast(body, MAX_DEPTH)) {
    throw new ApiError(
      400,
      `The JSON body of your request is nested more than ${MAX_DEPTH} levels deep; no API request needs that many.`,
      'invalid_json',
    )
  }
  return body
}

/**
 * How deep a body's arrays and objects may nest. JSON.parse takes deeper bodies than JSON.stringify can
 * write back (V8 overflows its stack from a few thousand levels), and a body is written back whenever it is
 * translated or forwarded; no real request comes near this.
 */
const MAX_DEPTH = 256

/**
 * Whether `v` nests arrays and objects deeper than `limit` (recursion bounded by `limit`). Primitives are
 * not descended into: an embeddings request's token arrays cost a loop, not a call per number.
 */
function nestedPast(v: unknown, limit: number): boolean {
  if (typeof v !== 'object' || v === null) return false
  if (limit === 0) return true
  const values = Array.isArray(v) ? (v as unknown[]) : Object.values(v)
  for (let i = 0; i < values.length; i++) {
    const x = values[i]
    if (typeof x === 'object' && x !== null && nestedPast(x, limit - 1)) return true
  }
  return false
}
