/**
 * `POST /v1/responses/input_tokens` (https://platform.openai.com/docs/api-reference/responses/input-tokens): how
 * many input tokens a Responses request would take, `{"object": "response.input_tokens", "input_tokens": N}`.
 * The body is checked as /v1/responses checks it, after what it refers to in the store is put in its place
 * (`previous_response_id`, `item_reference`s), and counted as count-tokens.ts counts a Messages request: by
 * OpenAI's own endpoint when the route has an OpenAI target (`x-headroom-count: exact`), else by Headroom's
 * estimate (`estimated`). The fields that only shape generation (`stream`, `max_output_tokens`, sampling, `store`…)
 * are dropped first, so that the very body a client will send may be counted. Free: no budget, no spend row.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { estimatePromptTokens } from '../routing/tokens.ts'
import { authenticate, scopeOf } from './auth.ts'
import { parseJsonBody, readWebBody } from './body.ts'
import { type Count, countFor, notAnObject } from './count-tokens.ts'
import { ingressError } from './messages.ts'
import { openaiResponses } from './responses.ts'
import type { AppDeps, AppVars } from './types.ts'

/** Fields of a Responses request that shape the answer, not the prompt: input_tokens does not take them. */
const GENERATION_ONLY = [
  'stream',
  'stream_options',
  'max_output_tokens',
  'max_tool_calls',
  'temperature',
  'top_p',
  'top_logprobs',
  'presence_penalty',
  'frequency_penalty',
  'include',
  'store',
  'background',
  'metadata',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'service_tier',
] as const

/** Counts; throws for the error answer, with what `vars` say (the route, what was asked, the target that counted) filled in. */
export async function countInputTokens(
  headers: IncomingHttpHeaders,
  request: Request,
  deps: AppDeps,
  vars: Partial<AppVars>,
): Promise<Count> {
  const principal = authenticate(headers, deps.config.current().auth)
  const bytes = await readWebBody(request, deps.config.current().maxBodyBytes)
  const raw = parseJsonBody(bytes)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw ingressError(notAnObject(raw))
  const body: Record<string, unknown> = { ...raw }
  for (const k of GENERATION_ONLY) delete body[k]
  const ctx = { scope: scopeOf(principal), bodyBytes: bytes.length, deps }
  // Kept as a response would be, once its answer came: nothing here gives one, so nothing is kept.
  const d = await openaiResponses.decode(body, headers, ctx)
  const counted = await countFor(
    { api: 'openai-responses', model: d.req.model, body: d.native.body, headers: {} },
    { principal, signal: request.signal, deps, vars },
    () => estimatePromptTokens(d.req),
  )
  return { body: { object: 'response.input_tokens', input_tokens: counted.inputTokens }, headers: counted.headers }
}
