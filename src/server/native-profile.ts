/**
 * A stand-in canonical request for one that only a passthrough target can serve (it cannot be translated):
 * admission and planning read a request's size, output cap, stream flag and whether it uses tools, and this
 * gives them those. Its text is the client's content as JSON, with inline data (base64 images, documents)
 * left out: counted as text it would look like millions of tokens, and rule out every target by context;
 * the reservation is corrected with the provider's real usage once it answers.
 */
import type { ChatRequest } from '../providers/openai-schema.ts'

export interface StandIn {
  model: string
  /** The parts of the body that make up the prompt. */
  content: unknown
  maxTokens: number | null
  stream: boolean
  /** The names of the tools it offers. */
  tools: readonly string[]
}

/** Inline base64 payloads (`data`, `file_data`, `image_url` data URLs) are not counted as text. */
function withoutData(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || value.length < 256) return value
  if (key === 'data' || key === 'file_data' || value.startsWith('data:')) return ''
  return value
}

export function approximateRequest(s: StandIn): ChatRequest {
  const req: ChatRequest = {
    model: s.model,
    messages: [{ role: 'user', content: JSON.stringify(s.content, withoutData) ?? '' }],
  }
  if (s.maxTokens !== null) req.max_tokens = s.maxTokens
  if (s.stream) req.stream = true
  if (s.tools.length > 0) {
    req.tools = s.tools.map((name) => ({ type: 'function' as const, function: { name, parameters: {} } }))
  }
  return req
}
