/**
 * OpenAI's `reasoning_effort` values: the `openai` SDK's `ReasoningEffort` (which of them a model takes
 * varies, the set does not; https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort).
 * The Responses API's `reasoning.effort` takes the same set.
 */
import type { ChatRequest } from './openai-schema.ts'
import { ProviderError } from './types.ts'

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const

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
