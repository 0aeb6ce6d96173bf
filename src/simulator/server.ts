/**
 * The simulator's node:http server: routes each request to one of the three APIs, the side endpoints
 * or the control API. No framework: this server is also the baseline of the benchmarks.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { anthropicWire } from './anthropic.ts'
import { handleControl } from './control.ts'
import { embeddingsWire } from './embeddings.ts'
import { geminiWire } from './gemini.ts'
import { geminiBatchEmbedWire, geminiEmbedWire } from './gemini-embeddings.ts'
import { anthropicCountTokens, geminiCountTokens, listGeminiModels, listModels, openaiInputTokens } from './meta.ts'
import { openaiWire } from './openai.ts'
import { invalid } from './openai-request.ts'
import { handleGeneration } from './pipeline.ts'
import { responsesWire } from './responses.ts'
import type { ResponsesParsed } from './responses-request.ts'
import type { SimState } from './state.ts'
import { type ApiWire, type Route, send } from './wire.ts'

const GEMINI_METHODS = 'generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents'
const GEMINI = new RegExp(`^/(v1beta|v1|v1alpha)/models/([^/:]+):(${GEMINI_METHODS})$`)
const GEMINI_MODELS = /^\/(v1beta|v1alpha)\/models(?:\/([^/:]+))?$/
const OPENAI_MODELS = /\/v1\/models(?:\/([^/]+))?$/
/** OpenAI's wire as an OpenAI-compatible server speaks it (Route.compatible). */
const COMPATIBLE = '/compatible/'

/** The wires made per simulator (they hold its state). */
interface Wires {
  responses: ApiWire<ResponsesParsed>
}

async function route(st: SimState, wires: Wires, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/'
  const q = raw.indexOf('?')
  const path = q === -1 ? raw : raw.slice(0, q)
  // Parsing the full URL costs more than the rest of the routing; only Gemini and control need it.
  const url = q === -1 && !path.startsWith('/_sim/') ? BASE_URL : new URL(raw, 'http://sim')
  const method = req.method ?? 'GET'

  if (method === 'POST') {
    if (path.endsWith('/v1/chat/completions')) {
      const compatible = path.startsWith(COMPATIBLE)
      const route: Route = compatible ? { api: 'openai', path, compatible } : { api: 'openai', path }
      return handleGeneration(st, openaiWire, route, req, res, url)
    }
    if (path.endsWith('/v1/responses')) {
      return handleGeneration(st, wires.responses, { api: 'openai', path }, req, res, url)
    }
    if (path.endsWith('/v1/embeddings')) {
      return handleGeneration(st, embeddingsWire, { api: 'openai', path }, req, res, url)
    }
    if (path.endsWith('/v1/messages'))
      return handleGeneration(st, anthropicWire, { api: 'anthropic', path }, req, res, url)
    const g = GEMINI.exec(path)
    if (g) {
      const model = decodeURIComponent(g[2] as string)
      if (g[3] === 'countTokens') return geminiCountTokens(st, req, res, url, model)
      if (g[3] === 'embedContent' || g[3] === 'batchEmbedContents') {
        const wire = g[3] === 'embedContent' ? geminiEmbedWire : geminiBatchEmbedWire
        return handleGeneration(st, wire, { api: 'gemini', path, model }, req, res, url)
      }
      const stream =
        g[3] === 'streamGenerateContent' ? (url.searchParams.get('alt') === 'sse' ? 'sse' : 'array') : undefined
      return handleGeneration(
        st,
        geminiWire,
        { api: 'gemini', path, model, ...(stream ? { stream } : {}) },
        req,
        res,
        url,
      )
    }
    if (path.endsWith('/v1/messages/count_tokens')) return anthropicCountTokens(st, req, res, url)
    if (path.endsWith('/v1/responses/input_tokens')) return openaiInputTokens(st, req, res, url)
  }
  if (path.startsWith('/_sim/')) return handleControl(st, req, res, url)
  if (method === 'GET') {
    const gm = GEMINI_MODELS.exec(path)
    if (gm) return listGeminiModels(st, req, res, url, gm[2] !== undefined ? decodeURIComponent(gm[2]) : null)
    const om = OPENAI_MODELS.exec(path)
    if (om) return listModels(st, req, res, url, om[1] !== undefined ? decodeURIComponent(om[1]) : null)
  }
  req.resume()
  if (path.startsWith('/v1beta/')) {
    const e = geminiWire.notFound(path)
    return send(
      res,
      404,
      geminiWire.jsonHeaders,
      JSON.stringify({
        error: { ...(e.body as { error: object }).error, message: `Method not found: ${method} ${path}` },
      }),
    )
  }
  send(
    res,
    404,
    openaiWire.jsonHeaders,
    JSON.stringify(invalid(`Invalid URL (${method} ${path})`, null, null, 404).body),
  )
}

const BASE_URL = new URL('http://sim/')

export function createSimServer(st: SimState): http.Server {
  const wires: Wires = { responses: responsesWire(st.responses) }
  const server = http.createServer((req, res) => {
    route(st, wires, req, res).catch((err: unknown) => {
      // A bug must not take the simulator down; answer 500 if we still can.
      if (!res.headersSent && !res.destroyed) {
        send(
          res,
          500,
          ['content-type', 'application/json'],
          JSON.stringify({
            error: {
              message: `simulator bug: ${err instanceof Error ? err.message : String(err)}`,
              type: 'server_error',
              param: null,
              code: null,
            },
          }),
        )
      } else res.destroy()
    })
  })
  // Clients keep connections alive for a while; a server that closes first races them (ECONNRESET).
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  server.on('clientError', (_err, socket) => socket.destroy())
  return server
}
