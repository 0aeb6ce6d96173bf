/**
 * OpenAI's `reasoning_effort` values: the `openai` SDK's `ReasoningEffort` (which of them a model takes
 * varies, the set does not; https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort).
 * The Responses API's `reasoning.effort` takes the same set.
 */
import type { ChatRequest } from './openai-schema.ts'
import { ProviderError } from './types.ts'

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const
type Effort = (typeof REASONING_EFFORTS)[number]

const SUPPORTED = `${REASONING_EFFORTS.slice(0, -1)
  .map((e) => `'${e}'`)
  .join(', ')}, and '${REASONING_EFFORTS.at(-1)}'`

/**
 * For an adapter that translates the request (Anthropic, Gemini): a value outside OpenAI's set is the
 * client's mistake, answered in OpenAI's words (as `/v1/responses` answers `reasoning.effort`) and not
 * failed over — an OpenAI chat model behind would drop the parameter unread. OpenAI and compatible
 * servers are sent the value and judge it themselves.
 */
export function unknownEffort(req: Pick<ChatRequest, 'reasoning_effort'>, provider: string): ProviderError | null {
  const effort = req.reasoning_effort
  if (effort == null || (REASONING_EFFORTS as readonly string[]).includes(effort)) return null
  const shown = effort.length > 256 ? `${effort.slice(0, 253)}...` : effort
  return new ProviderError({
    provider,
    status: 400,
    kind: 'bad_request',
    message: `Invalid value: '${shown}'. Supported values are: ${SUPPORTED}.`,
    param: 'reasoning_effort',
    code: 'invalid_value',
  })
}

/**
 * Each effort as a thinking budget in tokens, for providers that take a budget (Anthropic's
 * `thinking.budget_tokens`, Gemini 2.5's `thinkingBudget`). low, medium and high are the budgets Google's own
 * OpenAI-compatibility layer uses for the same field (https://ai.google.dev/gemini-api/docs/openai#thinking:
 * 1,024, 8,192 and 24,576 tokens); minimal is the smallest budget Anthropic takes (1,024), and xhigh / max
 * are Gemini 2.5 Pro's largest budget (32,768, https://ai.google.dev/gemini-api/docs/thinking#set-budget).
 * `none` asks for no thinking: null.
 */
const EFFORT_BUDGETS: Readonly<Record<Effort, number | null>> = {
  none: null,
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 32_768,
  max: 32_768,
}

/** The budget for `effort`, one unknownEffort let through. */
export function effortBudget(effort: string): number | null {
  return EFFORT_BUDGETS[effort as Effort] ?? null
}
