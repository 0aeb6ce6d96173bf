/**
 * The OpenAI Responses API (`POST /v1/responses`) as an ingress: stateless, translated to and from chat
 * completions. What translates, what is a warning and what a 400: decode-request.ts, and docs/providers.md.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */
import type { Ingress } from '../types.ts'
import { decodeRequest } from './decode-request.ts'
import { encodeError } from './encode-error.ts'
import { encodeResponse } from './encode-response.ts'
import { encodeStream, type ResponsesSseEvent } from './encode-stream.ts'
import type { ResponseObject } from './response-object.ts'

export type { ResponsesSseEvent } from './encode-stream.ts'
export type { ResponseObject, ResponsesEncodeContext } from './response-object.ts'

export const openaiResponses: Ingress<ResponseObject, ResponsesSseEvent> = {
  name: 'openai-responses',
  decode: decodeRequest,
  encode: encodeResponse,
  encodeStream: (chunks, ctx) => encodeStream(chunks, ctx),
  encodeError,
}
