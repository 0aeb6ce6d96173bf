/**
 * An OpenAI-compatible `chat.completion` body → ChatCompletion. OpenAI's own answers are already right;
 * compatible servers may leave out keys OpenAI marks required (`object`, `created`, `logprobs`,
 * `message.refusal`) or use their own finish reasons, so those are filled in / mapped.
 */
import { type ChatCompletion, RAW_JSON } from '../openai-schema.ts'
import { nowSeconds } from '../shapes.ts'
import { badResponse } from './errors.ts'
import { mapFinishReason } from './map-finish-reason.ts'

export function toChatCompletion(provider: string, text: string): ChatCompletion {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badResponse(provider, 'the body is not valid JSON')
  }
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { choices?: unknown }).choices)) {
    throw badResponse(provider, 'no `choices` array in the completion')
  }
  const c = body as ChatCompletion
  let changed = false
  const set = <K extends string>(o: Record<K, unknown>, k: K, v: unknown) => {
    if (o[k] !== v) {
      o[k] = v
      changed = true
    }
  }
  set(c, 'object', 'chat.completion')
  if (typeof c.created !== 'number') set(c, 'created', nowSeconds())
  if (typeof c.id !== 'string') set(c, 'id', 'chatcmpl-upstream')
  for (const choice of c.choices) {
    set(choice, 'finish_reason', mapFinishReason(choice.finish_reason))
    if (choice.logprobs === undefined) set(choice, 'logprobs', null)
    const m = choice.message
    if (m) {
      if (m.content === undefined) set(m, 'content', null)
      if (m.refusal === undefined) set(m, 'refusal', null)
    }
  }
  // OpenAI's own answers need nothing: the server then sends the upstream bytes as they came.
  if (!changed) c[RAW_JSON] = text
  return c
}
