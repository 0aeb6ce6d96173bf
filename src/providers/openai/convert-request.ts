/**
 * ChatRequest → the body sent to an OpenAI-compatible upstream. The client's request is already in this
 * format, so it is forwarded as is (unknown fields included, so new OpenAI parameters keep working), with
 * the target's model, and — for streams — `stream_options.include_usage` always on, because the spend
 * table needs the usage (the server strips the usage chunk again when the client did not ask for it).
 */
import type { ChatRequest } from '../openai-schema.ts'

export function toOpenAIBody(req: ChatRequest, model: string, stream: boolean): string {
  const body: Record<string, unknown> = { ...req, model }
  if (stream) {
    body['stream'] = true
    body['stream_options'] = { ...req.stream_options, include_usage: true }
  } else {
    // `stream_options` is only allowed with `stream: true` (OpenAI answers 400 otherwise).
    delete body['stream']
    delete body['stream_options']
  }
  return JSON.stringify(body)
}
