/**
 * OpenAI's `reasoning_effort` as a thinking budget in tokens, for providers that take a budget (Anthropic's
 * `thinking.budget_tokens`, Gemini 2.5's `thinkingBudget`). low, medium and high are the budgets Google's own
 * OpenAI-compatibility layer uses for the same field (https://ai.google.dev/gemini-api/docs/openai#thinking:
 * 1,024, 8,192 and 24,576 tokens); minimal is the smallest budget Anthropic takes (1,024), and xhigh / max
 * are Gemini 2.5 Pro's largest budget (32,768, https://ai.google.dev/gemini-api/docs/thinking#set-budget).
 * `none` asks for no thinking: null.
 */
const EFFORT_BUDGETS: Readonly<Record<string, number | null>> = {
  none: null,
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 32_768,
  max: 32_768,
}

/** The efforts the table knows, for error messages. */
export const EFFORTS = Object.keys(EFFORT_BUDGETS).join(', ')

/** The budget for `effort`; undefined when it is no effort OpenAI defines. */
export function effortBudget(effort: string): number | null | undefined {
  return Object.hasOwn(EFFORT_BUDGETS, effort) ? EFFORT_BUDGETS[effort] : undefined
}
