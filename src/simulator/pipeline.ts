/**
 * One generation request, whatever the API: authenticate, parse and validate, pick a fault, admit
 * against rate limits, generate, account the cache, then answer (paced) in the API's wire format.
 * The per-API differences live behind `ApiWire`; this file holds the order of things, which is the
 * same for all three. Helpers take a per-request context instead of being closures, so that nothing
 * but that one object is allocated per request for bookkeeping (this is the benchmarks' baseline).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { prefixes } from './cache.ts'
import { DEFAULT_AFTER_CHUNKS, DEFAULT_RETRY_AFTER_MS, EARLY_FAULTS } from './faults.ts'
import { generateAnswers } from './generate.ts'
import { hasLimits, type LimitState } from './limits.ts'
import type { ModelInfo } from './models.ts'
import { mix } from './rng.ts'
import { keyHint, type SimState } from './state.ts'
import type { Answer, Fault, FaultKind, PromptUsage, SimModelConfig, SimRequestLog } from './types.ts'
import {
  type ApiWire,
  type ErrorOut,
  isErrorOut,
  type Parsed,
  type RenderCtx,
  type Route,
  readBody,
  type StreamPlan,
  send,
  writeStream,
} from './wire.ts'

const HTML =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n'
const HTML_HEADERS = ['content-type', 'text/html; charset=utf-8']
/** Process-wide, never reset: request and response ids stay unique across resets and simulators. */
let requestSeq = 0

interface Ctx<P extends Parsed> {
  st: SimState
  wire: ApiWire<P>
  route: Route
  res: ServerResponse
  start: number
  rid: string
  key: string
  modelId: string
  body: Record<string, unknown> | undefined
  stream: boolean
}

function headers<P extends Parsed>(c: Ctx<P>, base: readonly string[]): string[] {
  const h = base.slice()
  c.wire.addHeaders(h, c.rid, Date.now() - c.start)
  return h
}

function log<P extends Parsed>(c: Ctx<P>, status: number, fault: FaultKind | undefined): void {
  const entry: SimRequestLog = {
    at: c.start,
    api: c.wire.api,
    model: c.modelId,
    key: keyHint(c.key),
    path: c.route.path,
    stream: c.stream,
    body: c.body,
    status,
  }
  if (fault) entry.fault = fault
  c.st.record(entry)
}

function fail<P extends Parsed>(c: Ctx<P>, e: ErrorOut, fault?: FaultKind): void {
  const h = headers(c, c.wire.jsonHeaders)
  if (e.headers) h.push(...e.headers)
  send(c.res, e.status, h, c.wire.errorJson(e, c.rid))
  log(c, e.status, fault)
}

export async function handleGeneration<P extends Parsed>(
  st: SimState,
  wire: ApiWire<P>,
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const start = Date.now()
  const seq = ++requestSeq
  const rid = wire.requestId(mix(st.seed, seq))
  const text = await readBody(req)
  const c: Ctx<P> = {
    st,
    wire,
    route,
    res,
    start,
    rid,
    key: wire.key(req, url),
    modelId: route.model ?? '',
    body: undefined,
    stream: route.stream !== undefined,
  }

  if (c.key === '') return fail(c, wire.authError(true, c.key))
  if (st.validKeys !== null && !st.validKeys.has(c.key)) return fail(c, wire.authError(false, c.key))
  const headerError = wire.checkHeaders(req)
  if (headerError) return fail(c, headerError)
  let body: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return fail(c, wire.badJson('the body must be a JSON object'))
    body = c.body = parsed as Record<string, unknown>
  } catch (err) {
    return fail(c, wire.badJson(err instanceof Error ? err.message : String(err)))
  }
  if (typeof body['stream'] === 'boolean') c.stream = body['stream']
  const named = wire.modelOf(body, route)
  if (typeof named !== 'string') return fail(c, named)
  c.modelId = named
  const model = route.compatible ? st.models.lookupAny(wire.api, named) : st.models.lookup(wire.api, named)
  if (!model) return fail(c, wire.notFound(named))
  if ((model.embedding === undefined) !== (wire.serves === 'chat')) {
    return fail(c, wire.wrongKind ? wire.wrongKind(named) : wire.notFound(named))
  }
  const cfg = st.models.config(model)
  const p = wire.parse(body, model, route, cfg)
  if (isErrorOut(p)) return fail(c, p)
  c.stream = p.stream

  const fault = st.faults.pick(wire.api, named, cfg)
  if (fault && EARLY_FAULTS.has(fault.kind)) return earlyFault(c, fault, cfg, model)

  const pre = prefixes(p.req.segments)
  let limits: LimitState | null = null
  if (hasLimits(cfg)) {
    const maxOut = p.req.maxTokens ?? cfg.outputTokens
    const charge = { requests: 1, tokens: pre.total + maxOut * p.req.choices, input: pre.total, output: maxOut }
    const adm = st.limiter.admit(`${wire.api}|${c.key}|${model.id}`, cfg, charge, start)
    if (!adm.ok) {
      const { window, retryMs, limit, used, requested } = adm
      return fail(
        c,
        wire.rateLimited({ window, retryMs, limit, used, requested, model: model.responseModel, state: adm.state }),
      )
    }
    limits = adm.state
  }

  const scope = `${wire.api}|${model.id}`
  let usage: PromptUsage
  if (wire.cache.kind === 'explicit') usage = st.cache.explicit(scope, p.req.segments, pre, model.cacheMinTokens)
  else {
    const cached =
      wire.cache.kind === 'implicit' ? st.cache.implicit(scope, pre, model.cacheMinTokens, wire.cache.step) : 0
    usage = { promptTokens: pre.total, cachedTokens: cached, cacheWrite5m: 0, cacheWrite1h: 0 }
  }
  const answers = generateAnswers(p.req, cfg, mix(st.seed, p.req.userSeed ?? 0, pre.hash), wire.api)
  const id = wire.responseId(mix(st.seed, seq, 7))
  const ctx: RenderCtx = { id, created: Math.floor(start / 1000), usage, seed: st.seed, cfg }
  if (p.stream) return answerStream(c, p, answers, ctx, cfg, limits, fault)

  const json = wire.render(p, answers, ctx)
  const wait = jsonDelayMs(cfg, answers)
  if (wait <= 0) return answerJson(c, json, limits, fault)
  const timer = setTimeout(answerJson, wait, c, json, limits, fault)
  res.on('close', () => clearTimeout(timer))
}

/** How long a JSON answer takes: as long as streaming its longest choice (ttft, then a delay per further token). */
export function jsonDelayMs(
  cfg: Pick<SimModelConfig, 'ttftMs' | 'tokenDelayMs'>,
  answers: ReadonlyArray<Pick<Answer, 'outputTokens' | 'reasoningTokens'>>,
): number {
  let tokens = 0
  for (const a of answers) tokens = Math.max(tokens, a.outputTokens + a.reasoningTokens)
  return cfg.ttftMs + cfg.tokenDelayMs * Math.max(0, tokens - 1)
}

function answerJson<P extends Parsed>(c: Ctx<P>, json: string, limits: LimitState | null, fault: Fault | null): void {
  const kind = fault?.kind
  if (c.res.destroyed) return log(c, 0, kind)
  if (kind === 'cut') {
    c.res.socket?.destroy()
    return log(c, 0, kind)
  }
  // A complete (non-stream) answer has no "middle" to fail in: error_event becomes the overloaded error.
  if (kind === 'error_event') return fail(c, c.wire.overloaded(), kind)
  const h = headers(c, c.wire.jsonHeaders)
  if (limits) c.wire.limitHeaders(limits, c.start, h)
  send(c.res, 200, h, kind === 'malformed' ? json.slice(0, Math.floor(json.length / 2)) : json)
  log(c, 200, kind)
}

function answerStream<P extends Parsed>(
  c: Ctx<P>,
  p: P,
  answers: Answer[],
  ctx: RenderCtx,
  cfg: SimModelConfig,
  limits: LimitState | null,
  fault: Fault | null,
): void {
  const h = headers(c, c.wire.streamHeaders(p))
  if (limits) c.wire.limitHeaders(limits, c.start, h)
  const after = fault?.afterChunks ?? DEFAULT_AFTER_CHUNKS
  let tail: StreamPlan['tail'] = null
  if (fault?.kind === 'cut') tail = { after, frame: null, destroy: true }
  else if (fault?.kind === 'malformed') tail = { after, frame: c.wire.malformedFrame(p, after), destroy: false }
  else if (fault?.kind === 'error_event') tail = { after, frame: c.wire.errorFrame(p, after), destroy: false }
  const frames = c.wire.frames(p, answers, ctx)
  c.res.writeHead(200, h)
  log(c, 200, fault?.kind)
  const first = answers[0] as Answer
  // A streamed thinking block carries its own tokens; otherwise reasoning delays the first token.
  const reasoningTokens = first.thinking ? 0 : first.reasoningTokens
  writeStream(c.res, { frames, ttftMs: cfg.ttftMs, tokenDelayMs: cfg.tokenDelayMs, reasoningTokens, tail })
}

function earlyFault<P extends Parsed>(c: Ctx<P>, f: Fault, cfg: SimModelConfig, m: ModelInfo): void {
  switch (f.kind) {
    case 'server_error':
      return fail(c, c.wire.serverError(), f.kind)
    case 'overloaded':
      return fail(c, c.wire.overloaded(), f.kind)
    case 'rate_limit': {
      // Real 429s carry the rate-limit headers; with no limits configured they describe a nominal one.
      const retryMs = f.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS
      const limit = cfg.rpm ?? 60
      const state: LimitState = { requests: { limit, remaining: 0, resetMs: retryMs } }
      return fail(
        c,
        c.wire.rateLimited({
          window: 'requests',
          retryMs,
          limit,
          used: limit,
          requested: 1,
          model: m.responseModel,
          state,
        }),
        f.kind,
      )
    }
    case 'stall':
      // Never answer: the socket stays open until the client gives up (or close() ends it).
      return log(c, 0, f.kind)
    case 'wrong_content_type':
      send(c.res, 200, headers(c, HTML_HEADERS), HTML)
      return log(c, 200, f.kind)
    case 'custom': {
      const status = f.status ?? 500
      const text = typeof f.body === 'string' ? f.body : JSON.stringify(f.body ?? { error: 'custom fault' })
      send(
        c.res,
        status,
        headers(c, ['content-type', isJson(text) ? 'application/json' : 'text/plain; charset=utf-8']),
        text,
      )
      return log(c, status, f.kind)
    }
    default:
      return fail(c, c.wire.serverError(), f.kind)
  }
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s)
    return true
  } catch {
    return false
  }
}
