/**
 * The model-calling endpoints straight on node:http, without Hono's request and context objects, which
 * cost this hot path measurably (docs/benchmarks.md, "Figures quoted in the code's comments"): the core
 * (answer.ts) reads Node's request, and its answer is written on Node's response — JSON at once, a stream
 * frame by frame (sse-writer.ts). Same core, same error answer as through Hono (answer-web.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { RequestApi } from '../routing/events.ts'
import { answer } from './answer.ts'
import type { Answer, ModelCall, ServedApi } from './answer-types.ts'
import { readRawBody } from './body.ts'
import { chatCompletions } from './chat-completions.ts'
import { answerError } from './error-answer.ts'
import { anthropicMessages } from './messages.ts'
import { beginRequest, requestAnswered } from './request-event.ts'
import { clientRequestId, requestId } from './request-id.ts'
import { openaiResponses } from './responses.ts'
import { endResponse, type StreamEnd, writeChunks, writeEvents } from './sse-writer.ts'
import type { AppDeps, AppVars, RequestStart } from './types.ts'

/** An API served here: its name, and the core given it. */
interface Endpoint {
  readonly api: RequestApi
  readonly answer: (call: ModelCall, deps: AppDeps) => Promise<Answer>
}

const endpoint = <D>(api: ServedApi<D>): Endpoint => ({ api: api.api, answer: (call, deps) => answer(call, deps, api) })
const chat = endpoint(chatCompletions)
const messages = endpoint(anthropicMessages)
const responses = endpoint(openaiResponses)

/** The paths served here, with and without `/v1` (some clients' base URLs drop it). */
const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map([
  ['/v1/chat/completions', chat],
  ['/chat/completions', chat],
  ['/v1/messages', messages],
  ['/messages', messages],
  ['/v1/responses', responses],
  ['/responses', responses],
])

/** The endpoint a Node request is for, when it is one served ahead of Hono (the query is not routed on). */
export function modelEndpoint(req: IncomingMessage): Endpoint | undefined {
  if (req.method !== 'POST' || req.url === undefined) return undefined
  const q = req.url.indexOf('?')
  return ENDPOINTS.get(q === -1 ? req.url : req.url.slice(0, q))
}

/** A request on node:http: Node's request and response, and the request's ids. */
class NodeCall implements ModelCall {
  readonly requestId = requestId()
  readonly clientRequestId: string | null
  readonly vars: Partial<AppVars> = {}

  constructor(
    readonly incoming: IncomingMessage,
    readonly outgoing: ServerResponse,
    start: RequestStart,
  ) {
    this.clientRequestId = clientRequestId(incoming.headers)
    this.vars.start = start
  }

  get headers(): IncomingHttpHeaders {
    return this.incoming.headers
  }

  readBody(limit: number): Promise<Buffer> {
    return readRawBody(this.incoming, limit)
  }

  onClientGone(abort: () => void): void {
    const res = this.outgoing
    res.once('close', () => {
      if (!res.writableFinished) abort()
    })
  }
}

async function serve(endpoint: Endpoint, call: NodeCall, deps: AppDeps): Promise<void> {
  const a = await endpoint.answer(call, deps)
  const res = call.outgoing
  if (a.kind === 'json') {
    res.writeHead(200, a.headers)
    endResponse(res, a.body, a.idleTimeoutMs)
    requestAnswered(deps, call, call.vars, { status: 200, errorCode: null })
    return
  }
  // The stream's first content is here (held until it came: routing/prime-stream.ts), and goes out now.
  const firstContentAt = performance.now()
  let end: StreamEnd = 'closed'
  try {
    res.writeHead(200, a.headers)
    end =
      a.kind === 'stream'
        ? await writeChunks(res, a.chunks, { includeUsage: a.includeUsage, idleTimeoutMs: a.idleTimeoutMs }, a.toError)
        : await writeEvents(res, a.events, a.idleTimeoutMs)
  } finally {
    a.ended(end)
    requestAnswered(deps, call, call.vars, { status: 200, errorCode: null, firstContentAt, end })
  }
}

/** Serves a request `modelEndpoint` found an endpoint for. */
export function serveModelCall(deps: AppDeps): (endpoint: Endpoint, req: IncomingMessage, res: ServerResponse) => void {
  return (endpoint, req, res) => {
    const call = new NodeCall(req, res, beginRequest(endpoint.api, deps.runtime, req.headers))
    serve(endpoint, call, deps).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      const a = answerError(err, call.vars, call, deps)
      const body = JSON.stringify(a.body)
      res.writeHead(a.status, { ...a.headers, 'content-type': 'application/json' })
      res.end(body)
      requestAnswered(deps, call, call.vars, { status: a.status, errorCode: a.code })
      // An unread request body (a 413 refused by its announced size) is dropped with the connection.
      if (!req.complete) req.resume()
    })
  }
}
