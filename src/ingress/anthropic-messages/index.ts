/**
 * The Anthropic Messages ingress (`POST /v1/messages`): Anthropic's request decoded into the canonical
 * request, and answers, streams and errors encoded back in Anthropic's shapes.
 *
 * For an Anthropic target the server forwards the client's body as it is (nothing lost to translation):
 * `parseRequest` checks it against the schema alone. `decode` translates, refusing with a 400 what only
 * Anthropic can serve; a server that finds a body valid with `parseRequest` but refused by `decode` knows
 * the request needs an Anthropic target.
 */
import type { Ingress } from '../types.ts'
import { decodeRequest } from './decode-request.ts'
import { encodeError } from './encode-error.ts'
import { encodeResponse } from './encode-response.ts'
import { type AnthropicStreamEvent, encodeStream } from './encode-stream.ts'
import type { AnthropicMessage } from './message-shapes.ts'

export type { AnthropicStreamEvent } from './encode-stream.ts'
export type { AnthropicMessage } from './message-shapes.ts'

export const anthropicMessages: Ingress<AnthropicMessage, AnthropicStreamEvent> = {
  name: 'anthropic-messages',
  decode: decodeRequest,
  encode: encodeResponse,
  encodeStream,
  encodeError,
}
