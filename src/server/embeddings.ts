/**
 * `POST /v1/embeddings` (and `/embeddings`): validate → admit → execute → respond, as chat completions do
 * (chat-completions.ts), through the same admission (route, the key's rights, budgets, the key's limits,
 * priority) and the same attempt loop (routing/execute.ts `executeEmbed`: failover, breakers, headroom,
 * one spend row per attempt). Only routes of embedding models serve it (admission refuses the others).
 * https://platform.openai.com/docs/api-reference/embeddings/create
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Context } from 'hono'
import { admit } from '../admission/admit.ts'
import type { EmbeddingRequest } from '../providers/embeddings-schema.ts'
import { RAW_JSON } from '../providers/openai-schema.ts'
import { executeEmbed } from '../routing/execute.ts'
import type { Job, Report } from '../routing/runtime.ts'
import { answerHeaders, JSON_HEADERS } from './answer-parts.ts'
import { authenticate } from './auth.ts'
import { parseJsonBody, readWebBody } from './body.ts'
import type { AppDeps, AppEnv } from './types.ts'
import { checkModelId, priorityHeader } from './validate.ts'
import { validateEmbeddingRequest } from './validate-embeddings.ts'

export async function answerEmbeddings(c: Context<AppEnv>, headers: IncomingHttpHeaders, deps: AppDeps) {
  const cfg = deps.config.current()
  const rt = deps.runtime

  // Validate.
  const principal = authenticate(headers, cfg.auth)
  const key = principal.kind === 'key' ? principal.key : null
  const priority = priorityHeader(headers['x-headroom-priority'])
  const req: EmbeddingRequest = validateEmbeddingRequest(parseJsonBody(await readWebBody(c.req.raw, cfg.maxBodyBytes)))
  checkModelId(req.model)

  // Admit.
  const ids = { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId') }
  const admission = admit({ kind: 'embedding', req, key, priority, ...ids }, cfg, deps, rt.now())
  if (!admission.ok) {
    const r = admission.refusal
    if (r.route !== null) c.set('route', r.route)
    if (r.warnings.length > 0) c.set('warnings', r.warnings)
    if (r.rateLimitHeaders) c.set('rateLimitHeaders', r.rateLimitHeaders)
    throw r.error
  }
  const ticket = admission.ticket
  c.set('route', ticket.route.name)
  if (ticket.warnings.length > 0) c.set('warnings', ticket.warnings)
  c.set('rateLimitHeaders', ticket.rateLimitHeaders)

  // Execute, under one controller: a client that goes away, or the route's deadline, aborts the upstream call.
  const report: Report = { attempts: 0, target: null, decision: '' }
  c.set('report', report)
  const controller = new AbortController()
  c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true })
  const job: Job<EmbeddingRequest> = {
    req,
    route: ticket.route,
    profile: ticket.profile,
    ctx: ticket.ctx,
    report,
    controller,
  }
  let ex: Awaited<ReturnType<typeof executeEmbed>>
  try {
    ex = await executeEmbed(job, rt)
  } catch (err) {
    ticket.settle(null, rt.now())
    throw err
  }
  ticket.settle(ex.usage(), rt.now())

  // Respond.
  const answer = ex.upstream.body
  const out = answerHeaders(ids, ticket, ticket.warnings, ex, report, JSON_HEADERS)
  return c.body(answer[RAW_JSON] ?? JSON.stringify(answer), 200, out)
}
