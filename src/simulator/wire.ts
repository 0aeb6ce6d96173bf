/**
 * What every simulated API supplies to the shared request pipeline (pipeline.ts), and the HTTP
 * helpers they share: reading bodies, sending replies, and pacing streams.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LimitState, WindowName } from './limits.ts'
import type { ModelInfo, ModelKind } from './models.ts'
import type { Answer, Api, PromptUsage, SimModelConfig, SimRequest } from './types.ts'

/** An error reply before serialisation: Anthropic adds its request id to the body. */
export interface ErrorOut {
  status: number
  body: unknown
  headers?: string[]
}

interface RateLimitInfo {
  window: WindowName
  retryMs: number
  limit: number
  used: number
  requested: number
  model: string
  state: LimitState | null
}

/** The route as the server matched it. */
export interface Route {
  api: Api
  path: string
  /** Gemini: model id from the URL. */
  model?: string
  /** Gemini: streamGenerateContent; `sse` when `alt=sse`. */
  stream?: 'sse' | 'array'
  /**
   * OpenAI, under `/compatible/`: an OpenAI-compatible server (vLLM, Groq, Mistral…) rather than OpenAI —
   * any model id is served, and request fields beyond OpenAI's are taken, as such servers take their own.
   */
  compatible?: true
}

export interface Parsed {
  model: ModelInfo
  req: SimRequest
  stream: boolean
}

export interface RenderCtx {
  /** Response id (`chatcmpl-…`, `msg_…`, Gemini responseId). */
  id: string
  created: number
  usage: PromptUsage
  /** The simulator's seed (embeddings derive each vector from it and the input alone). */
  seed: number
  /** The model's settings. */
  cfg: SimModelConfig
}

/** One stream event with the output tokens it carries (for pacing). */
export interface Frame {
  data: string
  tokens: number
}

type CacheMode = { kind: 'implicit'; step: number } | { kind: 'explicit' } | { kind: 'none' }

export interface ApiWire<P extends Parsed> {
  readonly api: Api
  /** The kind of model the endpoint serves; a model of the other kind is refused (`wrongKind`). */
  readonly serves: ModelKind
  readonly cache: CacheMode
  /** Static headers of JSON replies and of streams (flat name/value lists, built once). */
  readonly jsonHeaders: readonly string[]
  streamHeaders(p: P): readonly string[]
  /** Per-response headers: the request id (`x-request-id`, `request-id`), processing time. */
  addHeaders(out: string[], requestId: string, elapsedMs: number): void
  requestId(seed: number): string
  responseId(seed: number): string
  /** The API key sent, '' when none. */
  key(req: IncomingMessage, url: URL): string
  /** Header checks after authentication (Anthropic requires `anthropic-version`). */
  checkHeaders(req: IncomingMessage): ErrorOut | null
  authError(missing: boolean, key: string): ErrorOut
  badJson(detail: string): ErrorOut
  notFound(model: string): ErrorOut
  /** The refusal of a model of the kind this endpoint does not serve (default: notFound). */
  wrongKind?(model: string): ErrorOut
  serverError(): ErrorOut
  overloaded(): ErrorOut
  rateLimited(info: RateLimitInfo): ErrorOut
  /** Serialises an error body (Anthropic adds `request_id`). */
  errorJson(e: ErrorOut, requestId: string): string
  /** The model the request names, or an error when it names none. */
  modelOf(body: Record<string, unknown>, route: Route): string | ErrorOut
  parse(body: Record<string, unknown>, model: ModelInfo, route: Route, cfg: SimModelConfig): P | ErrorOut
  limitHeaders(state: LimitState, now: number, out: string[]): void
  render(p: P, answers: Answer[], ctx: RenderCtx): string
  frames(p: P, answers: Answer[], ctx: RenderCtx): Frame[]
  /** The mid-stream error event (error_event fault); `sent` frames went out before it. */
  errorFrame(p: P, sent: number): string
  /** A broken event (malformed fault). */
  malformedFrame(p: P, sent: number): string
}

export function isErrorOut(x: unknown): x is ErrorOut {
  return typeof x === 'object' && x !== null && 'status' in x && 'body' in x && !('req' in x)
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    )
    req.on('error', reject)
  })
}

/** Sends a complete reply; `headers` is a flat name/value list without content-length. */
export function send(res: ServerResponse, status: number, headers: readonly string[], body: string): void {
  if (res.destroyed || res.headersSent) return
  const h = headers.slice()
  h.push('content-length', String(Buffer.byteLength(body)))
  res.writeHead(status, h)
  res.end(body)
}

export interface StreamPlan {
  frames: Frame[]
  ttftMs: number
  tokenDelayMs: number
  /** Reasoning tokens spent before the first visible token (they delay it). */
  reasoningTokens: number
  /** Where the stream ends: normally (`end`), with a last extra event, or by destroying the socket. */
  tail: { after: number; frame: string | null; destroy: boolean } | null
}

/**
 * Writes a stream, paced: the first event carrying tokens goes out at ttft (+ reasoning time), each
 * later one after tokenDelayMs per token it carries; events without tokens ride along with the next
 * write. With zero delays everything is one write. Stops quietly if the client goes away.
 */
export function writeStream(res: ServerResponse, plan: StreamPlan): void {
  let frames = plan.frames
  const tail = plan.tail
  if (tail) {
    frames = frames.slice(0, tail.after)
    if (tail.frame !== null) frames.push({ data: tail.frame, tokens: 0 })
  }
  const finish = () => {
    if (res.destroyed) return
    if (tail?.destroy) res.socket?.destroy()
    else res.end()
  }
  if (plan.ttftMs <= 0 && plan.tokenDelayMs <= 0) {
    let all = ''
    for (const f of frames) all += f.data
    if (tail?.destroy) res.write(all, () => res.socket?.destroy())
    else res.end(all)
    return
  }
  let i = 0
  let timer: NodeJS.Timeout | null = null
  res.on('close', () => {
    if (timer) clearTimeout(timer)
    timer = null
  })
  const flushAndFinish = (out: string) => {
    if (out && tail?.destroy) res.write(out, finish)
    else {
      if (out) res.write(out)
      finish()
    }
  }
  // Sends the event with tokens at `i` plus the token-less events after it, then waits for the next.
  const step = () => {
    timer = null
    if (res.destroyed) return
    let out = (frames[i++] as Frame).data
    while (i < frames.length && (frames[i] as Frame).tokens === 0) out += (frames[i++] as Frame).data
    if (i >= frames.length) return flushAndFinish(out)
    res.write(out)
    timer = setTimeout(step, plan.tokenDelayMs * (frames[i] as Frame).tokens)
  }
  // Events before the first token (message_start, …) go out at once; the first token waits ttft.
  let pre = ''
  while (i < frames.length && (frames[i] as Frame).tokens === 0) pre += (frames[i++] as Frame).data
  if (i >= frames.length) return flushAndFinish(pre)
  if (pre) res.write(pre)
  const firstTokens = (frames[i] as Frame).tokens
  timer = setTimeout(step, Math.max(0, plan.ttftMs + plan.tokenDelayMs * (plan.reasoningTokens + firstTokens - 1)))
}
