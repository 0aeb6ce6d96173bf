/**
 * ChatRequest → the body sent to an OpenAI-compatible upstream. The client's request is already in this
 * format, so it is forwarded as is (unknown fields included, so new OpenAI parameters keep working), with
 * the target's model, and — for streams — `stream_options.include_usage` always on, because the spend
 * table needs the usage (the server strips the usage chunk again when the client did not ask for it).
 *
 * A reasoning model (the target says so, see ./reasoning-models.ts) refuses some parameters every chat
 * model takes: they are renamed or dropped here, each named in `warnings`, so that a request that fails
 * over to such a model is served rather than answered 400. https://platform.openai.com/docs/guides/reasoning
 *
 * A compatible server that differs from OpenAI (Groq, Mistral, …) has its quirks applied last
 * (./param-rules.ts): its table of parameters, for the target's model.
 */
import type { ChatRequest } from '../openai-schema.ts'
import { tooManyStops } from '../provider-errors.ts'
import type { ReasoningRules, Target } from '../types.ts'
import { applyQuirks, type ParamRules, type Quirks } from './param-rules.ts'

/**
 * OpenAI takes at most 4 `stop` sequences (https://platform.openai.com/docs/api-reference/chat/create#chat-create-stop);
 * the chat edge holds clients to it, but an Anthropic Messages client may send more `stop_sequences`.
 */
const MAX_STOP = 4

/** A provider's quirks with the rules for one target's model. */
export interface TargetQuirks {
  readonly quirks: Quirks
  readonly rules: ParamRules
}

export function toOpenAIBody(
  req: ChatRequest,
  target: Target,
  stream: boolean,
  warnings: string[],
  q?: TargetQuirks,
): string {
  const body: Record<string, unknown> = { ...req, model: target.model }
  if (stream) {
    body['stream'] = true
    if (!q || q.quirks.streamUsage) body['stream_options'] = { ...req.stream_options, include_usage: true }
    // The server sends usage on its own, or not at all (then the spend row estimates it).
    else delete body['stream_options']
  } else {
    // `stream_options` is only allowed with `stream: true` (OpenAI answers 400 otherwise).
    delete body['stream']
    delete body['stream_options']
  }
  if (target.reasoning) applyReasoningRules(body, target.model, target.reasoning, warnings)
  else if (target.type === 'openai') dropReasoningEffort(body, target.model, warnings)
  const stop = body['stop']
  if (target.type === 'openai' && Array.isArray(stop) && stop.length > MAX_STOP)
    throw tooManyStops(target.provider, stop.length, MAX_STOP)
  if (q) applyQuirks(body, q.quirks, q.rules, target.provider, warnings)
  return JSON.stringify(body)
}

/**
 * Parameters a reasoning model refuses (400 `unsupported_parameter` / `unsupported_value`), with the value
 * at which dropping one changes nothing, so that only a real change is reported.
 */
const REFUSED: ReadonlyArray<readonly [param: string, isDefault: (v: unknown) => boolean]> = [
  ['temperature', (v) => v === 1],
  ['top_p', (v) => v === 1],
  ['presence_penalty', (v) => v === 0],
  ['frequency_penalty', (v) => v === 0],
  ['logprobs', (v) => v === false],
  ['top_logprobs', (v) => v === 0],
  ['logit_bias', (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0],
]

/**
 * OpenAI's chat models (gpt-4.1, gpt-4o…) refuse `reasoning_effort` with a 400 ("Unsupported parameter:
 * 'reasoning_effort' is not supported with this model.", https://github.com/mozilla-ai/any-llm/issues/270):
 * a model that does not reason has no effort to set, so it is left out and named. A compatible server's
 * models may take it (its quirks decide).
 */
function dropReasoningEffort(body: Record<string, unknown>, model: string, warnings: string[]): void {
  const effort = body['reasoning_effort']
  if (effort === undefined) return
  delete body['reasoning_effort']
  if (effort !== null)
    warnings.push(`reasoning_effort is not supported by ${model} (not a reasoning model) and was not sent`)
}

/** The o-series refuses `parallel_tool_calls` too, even when false (true is its behaviour anyway). */
const REFUSED_BY_O_SERIES: typeof REFUSED = [...REFUSED, ['parallel_tool_calls', (v) => v === true]]

function applyReasoningRules(
  body: Record<string, unknown>,
  model: string,
  rules: ReasoningRules,
  warnings: string[],
): void {
  const maxTokens = body['max_tokens']
  if (maxTokens !== undefined) {
    delete body['max_tokens']
    if (maxTokens !== null) {
      if (body['max_completion_tokens'] == null) {
        body['max_completion_tokens'] = maxTokens
        warnings.push(`max_tokens was sent as max_completion_tokens (${model} is a reasoning model)`)
      } else {
        warnings.push(`max_tokens was not sent: max_completion_tokens is set, and ${model} takes only that`)
      }
    }
  }
  for (const [param, isDefault] of rules.refusesParallelToolCalls ? REFUSED_BY_O_SERIES : REFUSED) {
    const v = body[param]
    if (v === undefined) continue
    delete body[param]
    if (v !== null && !isDefault(v))
      warnings.push(`${param} is not supported by ${model} (a reasoning model) and was not sent`)
  }
}
