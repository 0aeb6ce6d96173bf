/**
 * Chat completions straight on node:http, without Hono's request and context objects, which cost this hot
 * path measurably (docs/benchmarks.md, "Figures quoted in the code's comments"): the core
 * (chat-completions.ts) reads Node's request, and its answer is written on Node's response — JSON at once,
 * a stream frame by frame (sse-writer.ts). Same core, same error answer as through Hono (chat-web.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { readRawBody } from './body.ts'
import { answerChat, type ChatCall } from './chat-completions.ts'
import { answerError } from './error-answer.ts'
import { clientRequestId, requestId } from './request-id.ts'
import { endResponse, type StreamEnd, writeChunks } from './sse-writer.ts'
import type { AppDeps, AppVars } from './types.ts'

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions'])

/** Whether a Node request is a chat completion (the path served ahead of Hono). */
export function isChatRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url === undefined) return false
  const q = req.url.indexOf('?')
  return CHAT_PATHS.has(q === -1 ? req.url : req.url.slice(0, q))
}

/** A chat request on node:http: Node's request and response, and the request's ids. */
class NodeChatCall implements ChatCall {
  readonly requestId = requestId()
  readonly clientRequestId: string | null
  readonly vars: Partial<AppVars> = {}

  constructor(
    readonly incoming: IncomingMessage,
    readonly outgoing: ServerResponse,
  ) {
    this.clientRequestId = clientRequestId(incoming.headers)
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

async function serve(call: NodeChatCall, deps: AppDeps): Promise<void> {
  const a = await answerChat(call, deps)
  const res = call.outgoing
  if (a.kind === 'json') {
    res.writeHead(200, a.headers)
    endResponse(res, a.body, a.idleTimeoutMs)
    return
  }
  let end: StreamEnd = 'closed'
  try {
    res.writeHead(200, a.headers)
    end = await writeChunks(res, a.chunks, { includeUsage: a.includeUsage, idleTimeoutMs: a.idleTimeoutMs }, a.toError)
  } finally {
    a.ended(end)
  }
}

export function chatListener(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const call = new NodeChatCall(req, res)
    serve(call, deps).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      const a = answerError(err, call.vars, call, deps)
      const body = JSON.stringify(a.body)
      res.writeHead(a.status, { ...a.headers, 'content-type': 'application/json' })
      res.end(body)
      // An unread request body (a 413 refused by its announced size) is dropped with the connection.
      if (!req.complete) req.resume()
    })
  }
}
