/**
 * An ingress is one client API — OpenAI chat completions, the OpenAI Responses API, the Anthropic Messages
 * API — seen from the router: its request body decoded into the canonical request (OpenAI's chat-completions
 * request), and the canonical answers (a completion, a stream of chunks, an error) encoded back into the
 * shapes that API's clients expect. Pure: no I/O, no clock, no randomness; the server does the HTTP.
 */
import type { ChatChunk, ChatCompletion, ChatRequest } from '../providers/openai-schema.ts'

/** A request the ingress refuses, in OpenAI's error vocabulary (each ingress words its own answer). */
export interface IngressError {
  status: number
  type: string
  message: string
  param: string | null
  code: string | null
}

/** The body decoded: the canonical request and what could not be honoured as asked, or why it was refused. */
export type Decoded =
  | {
      ok: true
      request: ChatRequest
      warnings: string[]
      /** The client's name for a parameter of `request` (absent: the same), for the errors a target raises. */
      param?: (canonical: string) => string
    }
  | { ok: false; error: IngressError }

/** What encoding an answer needs besides the answer. */
export interface EncodeContext {
  /** The model the client asked for: answers name it, whatever target served. */
  model: string
  /** This request's id, from which the answer's ids are made. */
  id: string
  /**
   * The prompt's size in tokens as estimated before the call: what a stream that must say it before the
   * target has (Anthropic's `message_start`) says when the first chunk carries no usage.
   */
  promptEstimate?: number
}

export interface Ingress<Answer, Event> {
  name: string
  decode(body: unknown): Decoded
  encode(answer: ChatCompletion, ctx: EncodeContext): Answer
  encodeStream(chunks: AsyncIterable<ChatChunk>, ctx: EncodeContext): AsyncIterable<Event>
  encodeError(
    status: number,
    err: { message: string; type?: string; code?: string | null },
  ): { status: number; body: unknown }
}
