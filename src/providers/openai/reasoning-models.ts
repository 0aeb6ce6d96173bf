/**
 * Which OpenAI models follow the reasoning-model parameter rules (https://platform.openai.com/docs/guides/reasoning):
 * `max_completion_tokens` instead of `max_tokens`, sampling parameters at their defaults only. The router
 * asks once per target, with what its catalog says; the id decides for models the catalog doesn't know
 * (a new snapshot, a fine-tune, a model routes.yaml adds).
 */
import type { ReasoningRules } from '../types.ts'

/** o1, o3-mini, o4-mini-2025-04-16, ft:o4-mini-2025-04-16:acme::x… */
const O_SERIES = /^(?:ft:)?o\d/
/**
 * gpt-5, gpt-5.2-pro, gpt-5-codex…, but not the chat models (gpt-5-chat-latest, gpt-5.1-chat-latest), which take
 * sampling parameters.
 */
const GPT_5 = /^(?:ft:)?gpt-5(?![^-]*-chat)/

// The o-series refuses parallel_tool_calls even when false; gpt-5 takes it:
// https://github.com/evalstate/fast-agent/issues/279
const O_SERIES_RULES: ReasoningRules = Object.freeze({ refusesParallelToolCalls: true })
const GPT_5_RULES: ReasoningRules = Object.freeze({ refusesParallelToolCalls: false })

/** The rules for `model`, or undefined when it is an ordinary chat model. `catalogReasoning`: what the catalog says. */
export function reasoningRules(model: string, catalogReasoning: boolean): ReasoningRules | undefined {
  if (O_SERIES.test(model)) return O_SERIES_RULES
  if (catalogReasoning || GPT_5.test(model)) return GPT_5_RULES
  return undefined
}
