/**
 * OpenAI's `reasoning_effort` → Gemini's `generationConfig.thinkingConfig`
 * (https://ai.google.dev/gemini-api/docs/thinking), as Google's own OpenAI-compatibility layer maps it
 * (https://ai.google.dev/gemini-api/docs/openai#thinking):
 * - Gemini 2.5 takes a `thinkingBudget` in tokens (../reasoning-effort.ts), within its model's range: Pro 128 to
 *   32,768 and never off, Flash 0 to 24,576, Flash-Lite 512 to 24,576 or 0 for off;
 * - Gemini 3 and later take a `thinkingLevel` and cannot stop thinking: Pro models know low and high, the
 *   others minimal, low, medium and high.
 * Where the model cannot do what was asked, the nearest it can is sent and the warning says so. Older models
 * do not think: not sent, with a warning. A model that thinks is asked for its thought summaries
 * (`includeThoughts`), which come back as `reasoning_content`, as LiteLLM does.
 */
import { type ChatRequest, THINKING_BUDGET, type WithThinkingBudget } from '../openai-schema.ts'
import { effortBudget } from '../reasoning-effort.ts'
import type { GeminiThinkingConfig } from './gemini-types.ts'

/** Budget ranges of the 2.5 models; `off`: whether 0 turns thinking off. Longest prefix first. */
const BUDGETS: ReadonlyArray<readonly [prefix: string, min: number, max: number, off: boolean]> = [
  ['gemini-2.5-flash-lite', 512, 24_576, true],
  ['gemini-2.5-flash', 1, 24_576, true],
  ['gemini-2.5-pro', 128, 32_768, false],
  // Aliases of the latest 2.5 Flash and Flash-Lite: https://ai.google.dev/gemini-api/docs/models#latest
  ['gemini-flash-lite-latest', 512, 24_576, true],
  ['gemini-flash-latest', 1, 24_576, true],
]

const LEVELS = /^gemini-(?:[3-9]|\d{2})/

export function thinkingConfig(req: ChatRequest, model: string, warnings: string[]): GeminiThinkingConfig | undefined {
  const effort = req.reasoning_effort
  if (effort == null) return undefined
  // An Anthropic client's own budget, where the model takes budgets; else the effort's.
  const budget = (req as WithThinkingBudget)[THINKING_BUDGET] ?? effortBudget(effort)
  const id = model.replace(/^models\//, '')
  if (LEVELS.test(id)) return { thinkingLevel: level(effort, model, warnings), includeThoughts: true }
  const range = BUDGETS.find(([prefix]) => id.startsWith(prefix))
  if (!range) {
    warnings.push(`reasoning_effort is not supported by ${model} (it does not think) and was not sent`)
    return undefined
  }
  const [, min, max, off] = range
  if (budget === null) {
    if (off) return { thinkingBudget: 0 }
    warnings.push(`reasoning_effort "none" was sent as a thinking budget of ${min}: ${model} cannot stop thinking`)
    return { thinkingBudget: min, includeThoughts: true }
  }
  if (budget > max) {
    warnings.push(
      `reasoning_effort "${effort}" was sent as a thinking budget of ${max}, ${model}'s largest, not ${budget}`,
    )
    return { thinkingBudget: max, includeThoughts: true }
  }
  return { thinkingBudget: Math.max(budget, min), includeThoughts: true }
}

function level(effort: string, model: string, warnings: string[]): string {
  const pro = model.includes('-pro')
  const levels = pro ? ['low', 'high'] : ['minimal', 'low', 'medium', 'high']
  if (levels.includes(effort)) return effort
  const nearest = effort === 'none' || effort === 'minimal' ? levels[0]! : effort === 'medium' ? 'high' : levels.at(-1)!
  const why = effort === 'none' ? `${model} cannot stop thinking` : `${model} takes ${levels.join(', ')}`
  warnings.push(`reasoning_effort "${effort}" was sent as thinkingLevel "${nearest}": ${why}`)
  return nearest
}
