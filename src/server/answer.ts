/**
 * The one core every model-calling endpoint shares — chat completions, Anthropic Messages, the Responses
 * API: validate → admit → execute → respond.
 *  - validate: who calls (auth.ts: 401), the priority header, the API's own headers, and what they ask
 *    (the API's decode: 400; body.ts: 413);
 *  - admit: one call to admission/admit.ts — route, the key's rights, budgets, the key's limits (404, 403,
 *    429) — which returns a ticket or a refusal;
 *  - execute: the attempt loop (routing/execute.ts), under one controller that the client's leaving aborts;
 *  - respond: the answer's headers and its JSON body, or its stream and how to frame it.
 * What differs between the APIs is a `ServedApi` (chat-completions.ts, messages.ts, responses.ts): how a
 * body is decoded into the canonical request, how answers and streams are encoded back, and the shape of
 * its errors. The core knows nothing of how the answer is written: it reads the request through a
 * `ModelCall` and returns an `Answer`, which answer-node.ts writes on node:http (the hot path, served
 * ahead of Hono) and answer-web.ts as a web Response (the Hono routes: `app.request()` in tests). Errors
 * are thrown; the writer turns them into the one error answer (error-answer.ts), in the API's shape.
 */
import { admit, type Refusal } from '../admission/admit.ts'
import { LightAbortController } from '../lib/abort.ts'
import type { ApiError } from '../lib/api-error.ts'
import { executeComplete, executeStream } from '../routing/execute.ts'
import type { Report } from '../routing/runtime.ts'
import { answerHeaders, inClientNames, JSON_HEADERS, SSE_HEADERS, streamFailure } from './answer-parts.ts'
import type { Answer, ModelCall, ServedApi } from './answer-types.ts'
import { authenticate, scopeOf } from './auth.ts'
import { parseJsonBody } from './body.ts'
import { answerEither } from './passthrough.ts'
import { admitAcrossReplicas, jobFor } from './shared-admission.ts'
import type { StreamEnd } from './sse-writer.ts'
import type { AppDeps } from './types.ts'
import { checkModelId, priorityHeader } from './validate.ts'

export async function answer<D>(call: ModelCall, deps: AppDeps, api: ServedApi<D>): Promise<Answer> {
  // From the first check on, errors are in the API's shape.
  if (api.errorShape !== 'openai') call.vars.errorShape = api.errorShape
  const cfg = deps.config.current()
  const rt = deps.runtime

  // Validate.
  const principal = authenticate(call.headers, cfg.auth)
  const key = principal.kind === 'key' ? principal.key : null
  // From here every answer, a refusal included, carries the key's x-ratelimit-* headers.
  if (key) call.vars.rateLimitHeaders = deps.inbound.current(key, rt.now())
  const priority = priorityHeader(call.headers['x-headroom-priority'])
  api.checkHeaders?.(call.headers)
  const raw = await call.readBody(cfg.maxBodyBytes)
  const decoding = api.decode(parseJsonBody(raw), call.headers, {
    scope: scopeOf(principal),
    bodyBytes: raw.length,
    deps,
  })
  // Awaited only when it is a promise: chat completions, the hot path, decode synchronously.
  const decoded = decoding instanceof Promise ? await decoding : decoding
  const req = api.canonical(decoded)
  const dropped = api.warnings(decoded)
  checkModelId(req.model)
  call.vars.asked = {
    model: req.model,
    stream: req.stream === true,
    priority: priority ?? null,
    messages: req.messages,
  }

  // Admit.
  const facts = { req, key, priority, requestId: call.requestId, clientRequestId: call.clientRequestId }
  const admission = admit(facts, cfg, deps, rt.now())
  const refuse = (r: Refusal): ApiError => {
    if (r.route !== null) call.vars.route = r.route
    const warnings = withDecoded(r.warnings, dropped)
    if (warnings.length > 0) call.vars.warnings = warnings
    if (r.rateLimitHeaders) call.vars.rateLimitHeaders = r.rateLimitHeaders
    return r.error
  }
  if (!admission.ok) throw refuse(admission.refusal)
  // Across replicas (HEADROOM_REDIS_URL): one more check, awaited by execution after its first claim.
  const across = admitAcrossReplicas(admission, facts, deps, refuse, (h) => {
    call.vars.rateLimitHeaders = h
  })
  const { ticket } = across
  call.vars.route = ticket.route.name
  call.vars.ctx = ticket.ctx
  const warnings = withDecoded(ticket.warnings, dropped)
  if (warnings.length > 0) call.vars.warnings = warnings
  call.vars.rateLimitHeaders = ticket.rateLimitHeaders

  // Execute, under one controller: a client that goes away, or the route's deadline, aborts the upstream call.
  const report: Report = { attempts: 0, target: null, decision: '', events: [] }
  call.vars.report = report // the error answer reads attempts and the decision from here too
  const controller = new LightAbortController()
  call.onClientGone(() => controller.abort())
  const job = jobFor(req, across, report, controller)
  try {
    // Respond.
    if (api.native !== null) return await answerEither(api, api.native, decoded, { call, deps, ticket, warnings, job })
    if (!req.stream) {
      const ex = await executeComplete(job, rt)
      ticket.settle(ex.usage(), rt.now())
      const body = api.json(ex.upstream.body, decoded, call)
      const headers = answerHeaders(call, ticket, warnings, ex, report, JSON_HEADERS)
      return { kind: 'json', headers, body, idleTimeoutMs: cfg.streamIdleTimeoutMs }
    }
    const ex = await executeStream(job, rt)
    const headers = answerHeaders(call, ticket, warnings, ex, report, SSE_HEADERS)
    const ended = (how: StreamEnd) => {
      if (how === 'closed') controller.abort()
      ticket.settle(ex.usage(), rt.now())
    }
    if (api.events === null) {
      return {
        kind: 'stream',
        headers,
        chunks: ex.upstream.body,
        includeUsage: req.stream_options?.include_usage === true,
        idleTimeoutMs: cfg.streamIdleTimeoutMs,
        toError: (err) => streamFailure(err, call, ex, cfg, deps).body,
        ended,
      }
    }
    const events = api.events(ex.upstream.body, decoded, call, (err) => streamFailure(err, call, ex, cfg, deps))
    return { kind: 'events', headers, events, idleTimeoutMs: cfg.streamIdleTimeoutMs, ended }
  } catch (err) {
    ticket.settle(null, rt.now())
    const name = api.paramName?.(decoded)
    throw name ? inClientNames(err, name) : err
  }
}

/** Admission's warnings and the decoder's, as one list (no new one when the decoder had none). */
function withDecoded(admitted: readonly string[], dropped: readonly string[]): readonly string[] {
  return dropped.length === 0 ? admitted : [...admitted, ...dropped]
}
