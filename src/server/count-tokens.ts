/**
 * `POST /v1/messages/count_tokens` (https://docs.anthropic.com/en/api/messages-count-tokens): how many input
 * tokens a Messages request would take, `{"input_tokens": N}`. Claude Code calls it often (for `/context`
 * and to decide when to compact). Who calls, the route the model resolves to and whether the key may use
 * it are checked as for `/v1/messages`; budgets and the key's limits are not, since counting is free and
 * no spend row is written.
 *
 * The count is exact when the route has an Anthropic target: the body, without the fields that only shape
 * generation, goes to Anthropic's own count_tokens (`x-headroom-count: exact`). Otherwise, or when no
 * Anthropic target answers, it is Headroom's own estimate (routing/tokens.ts, the one the planner reserves
 * headroom with) of the request as a target that is not Anthropic would be sent it (`estimated`).
 */
import type { IncomingHttpHeaders } from 'node:http'
import { notAllowed } from '../admission/admit.ts'
import type { CompiledRoute } from '../config/types.ts'
import { decodeParsed, parseRequest } from '../ingress/anthropic-messages/decode-request.ts'
import type { MessagesRequest } from '../ingress/anthropic-messages/request-schema.ts'
import { received } from '../ingress/openai-wording.ts'
import type { IngressError } from '../ingress/types.ts'
import { type NativeApi, ProviderError, type Target } from '../providers/types.ts'
import { modelNotFound } from '../routing/model-not-found.ts'
import { resolveModel } from '../routing/resolve.ts'
import { estimatePromptTokens } from '../routing/tokens.ts'
import { authenticate, type Principal } from './auth.ts'
import { parseJsonBody, readWebBody } from './body.ts'
import { headerValue } from './errors.ts'
import { anthropicHeaders, checkAnthropicHeaders, ingressError, messagesStandIn } from './messages.ts'
import type { AppDeps, AppVars } from './types.ts'
import { checkModelId } from './validate.ts'

/** Fields of a Messages request that shape the answer, not the prompt: count_tokens does not take them. */
const GENERATION_ONLY = [
  'max_tokens',
  'stream',
  'temperature',
  'stop_sequences',
  'top_p',
  'top_k',
  'metadata',
  'service_tier',
] as const

/** The body without the generation-only fields, for counting (and for Anthropic's own count_tokens). */
function countBody(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body }
  for (const k of GENERATION_ONLY) delete out[k]
  return out
}

/** The count and the headers that say how it was made. */
export interface Count {
  readonly body: { readonly input_tokens: number; readonly object?: string }
  readonly headers: Record<string, string>
}

/** Counts; throws for the error answer, with what `vars` say (the route, what was asked, the target that counted) filled in. */
export async function countTokens(
  headers: IncomingHttpHeaders,
  request: Request,
  deps: AppDeps,
  vars: Partial<AppVars>,
): Promise<Count> {
  const cfg = deps.config.current()
  const principal = authenticate(headers, cfg.auth)
  checkAnthropicHeaders(headers)
  const raw = parseJsonBody(await readWebBody(request, cfg.maxBodyBytes))
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw ingressError(notAnObject(raw))
  const body = countBody(raw as Record<string, unknown>)
  // Checked as a Messages request would be (a max_tokens only to satisfy the schema: counting takes none).
  const parsed = parseRequest({ ...body, max_tokens: 1 })
  if (!parsed.ok) throw ingressError(parsed.error)
  const counted = await countFor(
    { api: 'anthropic-messages', model: parsed.body.model, body, headers: anthropicHeaders(headers) },
    { principal, signal: request.signal, deps, vars },
    () => estimate(parsed.body),
  )
  return { body: { input_tokens: counted.inputTokens }, headers: counted.headers }
}

/** A count to make: in which API, for which model, of which body (generation-only fields stripped). */
export interface CountRequest {
  readonly api: NativeApi
  readonly model: string
  readonly body: Record<string, unknown>
  /** The client's headers the provider's count takes (Anthropic's version and betas). */
  readonly headers: Record<string, string>
}

/** Who asks, when to give up, and what the request event is told. */
export interface CountContext {
  readonly principal: Principal
  readonly signal: AbortSignal
  readonly deps: AppDeps
  readonly vars: Partial<AppVars>
}

/**
 * The route `model` names, checked as its generation endpoint checks it (unknown: 404; not the key's: 403), and
 * the count: the provider's own from the first of its targets that counts `api`, else `estimate()`; with the
 * headers that say which (`x-headroom-count: exact | estimated`).
 */
export async function countFor(
  req: CountRequest,
  ctx: CountContext,
  estimate: () => number,
): Promise<{ inputTokens: number; headers: Record<string, string> }> {
  const { model } = req
  const { principal, vars } = ctx
  const cfg = ctx.deps.config.current()
  checkModelId(model)
  vars.asked = { model, stream: false, priority: null }
  const resolved = resolveModel(cfg, model)
  if (resolved.route === null) throw modelNotFound(cfg, model, resolved)
  const route = resolved.route
  vars.route = route.name
  if (principal.kind === 'key' && !principal.key.allows(route.name)) throw notAllowed(principal.key.name, route.name)
  const out: Record<string, string> = { 'x-headroom-route': headerValue(route.name) }
  const exact = await countUpstream(route, req, ctx)
  if (exact !== null) {
    vars.report = { attempts: 0, target: exact.target, decision: '', events: [] }
    out['x-headroom-target'] = headerValue(exact.target.id)
    out['x-headroom-count'] = 'exact'
    return { inputTokens: exact.inputTokens, headers: out }
  }
  out['x-headroom-count'] = 'estimated'
  return { inputTokens: estimate(), headers: out }
}

export function notAnObject(raw: unknown): IngressError {
  const message = `The request body must be a JSON object, but got ${received(raw)}.`
  return { status: 400, type: 'invalid_request_error', message, param: null, code: 'invalid_type' }
}

/**
 * The provider's own count, from the first target of the route whose adapter counts `req.api`, in the route's
 * order; null when none does or none answers (the estimate then stands in). A refusal of the request itself
 * (400) is the client's answer, as the provider gave it.
 */
async function countUpstream(
  route: CompiledRoute,
  req: CountRequest,
  ctx: CountContext,
): Promise<{ inputTokens: number; target: Target } | null> {
  for (const m of route.members) {
    const adapter = ctx.deps.runtime.adapters(m.target.type)
    if (!adapter.countTokens || !adapter.countApis?.has(req.api)) continue
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(m.target.timeoutMs)])
    try {
      const r = await adapter.countTokens(req.api, req.body, req.headers, m.target, signal)
      return { inputTokens: r.inputTokens, target: m.target }
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'bad_request') throw err
      ctx.deps.log.warn('counting tokens failed; trying the next target, else estimating', {
        target: m.target.stateId,
        error: err instanceof ProviderError ? err.message : String(err),
      })
    }
  }
  return null
}

/** Headroom's estimate of the request as a target that is not Anthropic would be sent it. */
function estimate(body: MessagesRequest): number {
  const d = decodeParsed(body)
  return estimatePromptTokens(d.ok ? d.request : messagesStandIn(body))
}
