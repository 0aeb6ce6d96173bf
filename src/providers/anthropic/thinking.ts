/**
 * OpenAI's `reasoning_effort` → Anthropic's extended thinking, `thinking: {type: "enabled", budget_tokens}`, with
 * the budget from ../reasoning-effort.ts. Anthropic's rules for it, each kept here rather than answered 400
 * (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking):
 * - `budget_tokens` ≥ 1,024 and < `max_tokens`: a request without its own cap gets the budget on top of the
 *   usual answer length (the budget cut where that would pass the most the model writes); one whose cap is too small for the budget has the budget cut to half of it (the cap
 *   holds thinking and answer both, as OpenAI's `max_completion_tokens` does), or no thinking below 1,025;
 * - sampling at its defaults: `temperature` only 1, `top_p` from 0.95 to 1 — others are not sent;
 * - no thinking while `tool_choice` forces a tool (`response_format` is such a tool here), nor while the last
 *   assistant turn's tool calls are being answered: Anthropic then wants that turn to begin with its thinking
 *   block, which chat completions never carry.
 * Each change is named in `warnings`. Models that do not think keep the old answer: not sent, with a warning.
 */
import type { MessageParam, ThinkingConfigParam, ToolChoice } from '@anthropic-ai/sdk/resources/messages'
import { effortBudget } from '../reasoning-effort.ts'
import type { Target } from '../types.ts'

/** Claude 3.7 Sonnet and every Claude 4 model and later think (Claude 3.5 and 3 do not). */
const THINKS = /^claude-(?:3-7-sonnet|(?:opus|sonnet|haiku)-(?:[4-9]|\d{2}))/

const MIN_BUDGET = 1024

/** The parts of Anthropic's request that thinking reads or changes. */
export interface ThinkingParams {
  model: string
  max_tokens: number
  messages: MessageParam[]
  temperature?: number
  top_p?: number
  tool_choice?: ToolChoice
  thinking?: ThinkingConfigParam
}

/**
 * Sets `params.thinking` for `effort` (and what it needs). `clientMax`: the client's own output cap, if any
 * (`params.max_tokens` is otherwise the default).
 */
export function applyThinking(
  effort: string | null | undefined,
  clientMax: number | undefined,
  params: ThinkingParams,
  target: Pick<Target, 'maxOutputTokens'>,
  warnings: string[],
): void {
  if (effort == null) return
  const budget = effortBudget(effort)
  const model = params.model
  if (!THINKS.test(model)) {
    warnings.push(`reasoning_effort is not supported by ${model} (it does not think) and was not sent`)
    return
  }
  if (budget === null) return // none: Claude thinks only when asked to
  const off = thinkingOff(params, clientMax)
  if (off) {
    warnings.push(`reasoning_effort was not sent: ${off}`)
    return
  }
  let thinkingBudget = budget
  if (clientMax === undefined) {
    const answer = params.max_tokens
    const total = Math.min(answer + budget, target.maxOutputTokens ?? Number.POSITIVE_INFINITY)
    if (total - answer < MIN_BUDGET) {
      warnings.push(`reasoning_effort was not sent: ${model} writes at most ${total} tokens, too few to think too`)
      return
    }
    params.max_tokens = total
    thinkingBudget = total - answer
    if (thinkingBudget < budget) {
      warnings.push(
        `reasoning_effort "${effort}" was sent as a thinking budget of ${thinkingBudget} tokens, not ${budget}: ${model} writes at most ${params.max_tokens}`,
      )
    }
    warnings.push(
      `max_tokens was sent as ${params.max_tokens}: ${answer} for the answer plus a thinking budget of ${thinkingBudget}`,
    )
  } else if (budget >= clientMax) {
    thinkingBudget = Math.max(MIN_BUDGET, Math.floor(clientMax / 2))
    warnings.push(
      `reasoning_effort "${effort}" was sent as a thinking budget of ${thinkingBudget} tokens, not ${budget}: Anthropic's budget must stay below the output cap (${clientMax})`,
    )
  }
  params.thinking = { type: 'enabled', budget_tokens: thinkingBudget }
  if (params.temperature !== undefined && params.temperature !== 1) {
    delete params.temperature
    warnings.push('temperature was not sent: Anthropic takes only the default (1) while thinking')
  }
  if (params.top_p !== undefined && params.top_p < 0.95) {
    delete params.top_p
    warnings.push('top_p was not sent: Anthropic takes only 0.95 to 1 while thinking')
  }
}

/** Why Anthropic cannot think for this request, or null when it can. */
function thinkingOff(params: ThinkingParams, clientMax: number | undefined): string | null {
  if (clientMax !== undefined && clientMax <= MIN_BUDGET)
    return `an output cap of ${clientMax} leaves no room for Anthropic's smallest thinking budget (${MIN_BUDGET} tokens)`
  const choice = params.tool_choice?.type
  if (choice === 'any' || choice === 'tool')
    return 'Anthropic cannot think while a tool call is forced (by tool_choice, or by a JSON format sent as a tool)'
  const lastAssistant = params.messages.findLast((m) => m.role === 'assistant')
  const calls = typeof lastAssistant?.content !== 'string' && lastAssistant?.content.some((b) => b.type === 'tool_use')
  const answered = params.messages.at(-1)?.role === 'user'
  if (calls && answered)
    return "Anthropic wants the thinking of the turn whose tool calls are answered here, which chat completions don't carry"
  return null
}
