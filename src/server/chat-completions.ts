/**
 * `POST /v1/chat/completions` as a ServedApi of the core (answer.ts): the body checked by OpenAI's rules
 * (validate.ts) is already the canonical request, the answer is the upstream's JSON (its bytes reused when
 * unchanged), and the stream goes out as chunks through sse-writer.ts. Errors in OpenAI's shape.
 */
import { type ChatRequest, RAW_JSON } from '../providers/openai-schema.ts'
import type { ServedApi } from './answer-types.ts'
import { validateChatRequest } from './validate.ts'

const NONE: readonly string[] = Object.freeze([])

export const chatCompletions: ServedApi<ChatRequest> = {
  api: 'chat',
  errorShape: 'openai',
  decode: validateChatRequest,
  canonical: (req) => req,
  warnings: () => NONE,
  json: (answer) => answer[RAW_JSON] ?? JSON.stringify(answer),
  events: null,
  native: null,
}
