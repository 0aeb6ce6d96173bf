/**
 * A canonical answer (OpenAI `ChatCompletion`) → an Anthropic `Message`. Pure.
 * https://docs.anthropic.com/en/api/messages ("Response")
 *
 * Blocks in Anthropic's order: text (the content, or a refusal's text: Claude refuses in plain text too),
 * then one `tool_use` per tool call with its arguments parsed (see tool-input.ts); reasoning text makes no
 * block (see ContentBlock). Empty text makes no block: Anthropic rejects empty text
 * blocks when a client sends the answer back. `model` is the one the client asked for.
 */
import type { ChatCompletion } from '../../providers/openai-schema.ts'
import type { EncodeContext } from '../types.ts'
import { mapStopReason } from './map-stop-reason.ts'
import { type AnthropicMessage, type ContentBlock, matchedStop, messageId, toAnthropicUsage } from './message-shapes.ts'
import { toolInput } from './tool-input.ts'

export function encodeResponse(answer: ChatCompletion, ctx: EncodeContext): AnthropicMessage {
  const choice = answer.choices[0]
  const m = choice?.message
  const content: ContentBlock[] = []
  const text = m?.content || m?.refusal || ''
  if (text !== '') content.push({ type: 'text', text })
  for (const call of m?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) })
  }
  const stop = mapStopReason(choice?.finish_reason, {
    toolCalls: content.some((b) => b.type === 'tool_use'),
    matchedStop: matchedStop(choice),
  })
  return {
    id: messageId(ctx),
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    ...stop,
    usage: toAnthropicUsage(answer.usage),
  }
}
