/**
 * `POST /v1/messages/count_tokens` (https://docs.anthropic.com/en/api/messages-count-tokens): how many input
 * tokens a Messages request would take, `{"input_tokens": N}`. Claude Code calls it often (for `/context`
 * and to decide when to compact). Who calls, the route the model resolves to and whether the key may use
 * it are checked as for `/v1/messages`; budgets and the key's limits are not, since counting is free and
 * no spend row is written.
 *
 * The count is Headroom's own estimate (routing/tokens.ts, the one the planner reserves headroom with) of
 * the request as it would be sent to a target that is not Anthropic; `x-headroom-count: estimated` says so.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { notAllowed } from '../admission/admit.ts'
import { decodeRequest, parseRequest } from '../ingress/anthropic-messages/decode-request.ts'
import type { ChatRequest } from '../providers/openai-schema.ts'
import { modelNotFound } from '../routing/model-not-found.ts'
import { resolveModel } from '../routing/resolve.ts'
import { estimatePromptTokens } from '../routing/tokens.ts'
import { authenticate } from './auth.ts'
import { parseJsonBody, readWebBody } from './body.ts'
import { headerValue } from './errors.ts'
import { checkAnthropicHeaders, ingressError } from './messages.ts'
import type { AppDeps } from './types.ts'
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
  readonly body: { input_tokens: number }
  readonly headers: Record<string, string>
}

export async function countTokens(headers: IncomingHttpHeaders, request: Request, deps: AppDeps): Promise<Count> {
  const cfg = deps.config.current()
  const principal = authenticate(headers, cfg.auth)
  checkAnthropicHeaders(headers)
  const raw = parseJsonBody(await readWebBody(request, cfg.maxBodyBytes))
  // Checked as a Messages request would be (a max_tokens only to satisfy the schema: counting takes none).
  const body =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? countBody(raw as Record<string, unknown>) : raw
  const probe = typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, max_tokens: 1 } : body
  const parsed = parseRequest(probe)
  if (!parsed.ok) throw ingressError(parsed.error)
  const model = parsed.body.model
  checkModelId(model)
  const resolved = resolveModel(cfg, model)
  if (resolved.route === null) throw modelNotFound(cfg, model, resolved)
  if (principal.kind === 'key' && !principal.key.allows(resolved.route.name)) {
    throw notAllowed(principal.key.name, resolved.route.name)
  }
  const route = headerValue(resolved.route.name)
  return {
    body: { input_tokens: estimate(probe) },
    headers: { 'x-headroom-route': route, 'x-headroom-count': 'estimated' },
  }
}

/**
 * The estimate of the request as translated; one that only Anthropic could serve (a document, a server
 * tool) is counted from its JSON, which over-counts a little rather than under-counts.
 */
function estimate(body: unknown): number {
  const d = decodeRequest(body)
  if (d.ok) return estimatePromptTokens(d.request)
  const req: ChatRequest = { model: 'count', messages: [{ role: 'user', content: JSON.stringify(body) }] }
  return estimatePromptTokens(req)
}
