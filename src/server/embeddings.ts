/**
 * `POST /v1/embeddings` (and `/embeddings`): validate → admit → execute → respond, as chat completions do
 * (chat-completions.ts), through the same admission (route, the key's rights, budgets, the key's limits,
 * priority) and the same attempt loop (routing/execute.ts `executeEmbed`: failover, breakers, headroom,
 * one spend row per attempt). Only routes of embedding models serve it (admission refuses the others).
 * https://platform.openai.com/docs/api-reference/embeddings/create
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Context } from 'hono'
import { admit, type Refusal } from '../admission/admit.ts'
import type { ApiError } from '../lib/api-error.ts'
import type { EmbeddingRequest } from '../providers/embeddings-schema.ts'
import { RAW_JSON } from '../providers/openai-schema.ts'
import { executeEmbed } from '../routing/execute.ts'
import type { Report } from '../routing/runtime.ts'
import { answerHeaders, JSON_HEADERS } from './answer-parts.ts'
import { authenticate } from './auth.ts'
import { parseJsonBody, readWebBody } from './body.ts'
import { requestAnswered } from './request-event.ts'
import { admitAcrossReplicas, jobFor } from './shared-admission.ts'
import type { AppDeps, AppEnv, AppVars } from './types.ts'
import { checkModelId, priorityHeader } from './validate.ts'
import { validateEmbeddingRequest } from './validate-embeddings.ts'

/** Answers an embeddings request; throws for the error answer, with what `vars` say filled in. */
export async function answerEmbeddings(
  c: Context<AppEnv>,
  headers: IncomingHttpHeaders,
  deps: AppDeps,
  vars: Partial<AppVars>,
): Promise<Response> {
  const cfg = deps.config.current()
  const rt = deps.runtime

  // Validate.
  const principal = authenticate(headers, cfg.auth)
  const key = principal.kind === 'key' ? principal.key : null
  const priority = priorityHeader(headers['x-headroom-priority'])
  const req: EmbeddingRequest = validateEmbeddingRequest(parseJsonBody(await readWebBody(c.req.raw, cfg.maxBodyBytes)))
  checkModelId(req.model)
  vars.asked = { model: req.model, stream: false, priority: priority ?? null, input: req.input }

  // Admit.
  const ids = { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId') }
  const facts = { kind: 'embedding' as const, req, key, priority, ...ids }
  const admission = admit(facts, cfg, deps, rt.now())
  const refuse = (r: Refusal): ApiError => {
    if (r.route !== null) vars.route = r.route
    if (r.warnings.length > 0) vars.warnings = r.warnings
    if (r.rateLimitHeaders) vars.rateLimitHeaders = r.rateLimitHeaders
    return r.error
  }
  if (!admission.ok) throw refuse(admission.refusal)
  // Across replicas (HEADROOM_REDIS_URL): one more check, awaited by execution after its first claim.
  const across = admitAcrossReplicas(admission, facts, deps, refuse, (h) => {
    vars.rateLimitHeaders = h
  })
  const { ticket } = across
  vars.route = ticket.route.name
  vars.ctx = ticket.ctx
  if (ticket.warnings.length > 0) vars.warnings = ticket.warnings
  vars.rateLimitHeaders = ticket.rateLimitHeaders

  // Execute, under one controller: a client that goes away, or the route's deadline, aborts the upstream call.
  const report: Report = { attempts: 0, target: null, decision: '', events: [] }
  vars.report = report
  const controller = new AbortController()
  c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true })
  const job = jobFor(req, across, report, controller)
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
  const res = c.body(answer[RAW_JSON] ?? JSON.stringify(answer), 200, out)
  requestAnswered(deps, ids, vars, { status: 200, errorCode: null })
  return res
}
