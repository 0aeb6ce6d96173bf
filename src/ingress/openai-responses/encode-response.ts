/**
 * A chat completion → the Responses API's Response object (the answer to a `POST /v1/responses` without
 * `stream`). The target's reasoning text, when the client asked `reasoning.summary`, becomes a `reasoning`
 * item first; the assistant message becomes a `message` output item (its text an `output_text` part, a
 * refusal a `refusal` part), each tool call a `function_call` item after it; a message with tool calls and
 * no text has no message item. `finish_reason: 'length'` or `'content_filter'` make the response
 * `incomplete`, with the reason, and its last item `incomplete` too.
 * Reference: https://platform.openai.com/docs/api-reference/responses/object
 */
import type { ChatCompletion } from '../../providers/openai-schema.ts'
import {
  finishStatus,
  functionCallItem,
  itemId,
  type MessagePart,
  messageItem,
  newResponse,
  type ResponseObject,
  type ResponsesEncodeContext,
  reasoningItem,
  reasoningOf,
  responseUsage,
  wantsSummary,
} from './response-object.ts'

export function encodeResponse(answer: ChatCompletion, ctx: ResponsesEncodeContext): ResponseObject {
  const choice = answer.choices[0]
  const response = newResponse(ctx, answer.created)
  Object.assign(response, finishStatus(choice?.finish_reason ?? null))
  const message = choice?.message
  const parts: MessagePart[] = []
  if (message?.content) parts.push({ type: 'output_text', text: message.content })
  if (message?.refusal) parts.push({ type: 'refusal', refusal: message.refusal })
  const calls = message?.tool_calls ?? []
  const output: ResponseObject['output'] = []
  const reasoning = reasoningOf(message)
  if (reasoning !== '' && wantsSummary(response))
    output.push(reasoningItem(itemId(ctx, 'rs', 0), reasoning, 'completed'))
  if (parts.length > 0 || calls.length === 0) {
    if (parts.length === 0) parts.push({ type: 'output_text', text: '' })
    output.push(messageItem(itemId(ctx, 'msg', output.length), parts, 'completed'))
  }
  for (const c of calls) {
    const call = { call_id: c.id, name: c.function.name, arguments: c.function.arguments }
    output.push(functionCallItem(itemId(ctx, 'fc', output.length), call, 'completed'))
  }
  const last = output[output.length - 1]
  if (response.status === 'incomplete' && last && 'status' in last) last.status = 'incomplete'
  response.output = output
  if (answer.usage) response.usage = responseUsage(answer.usage)
  return response
}
