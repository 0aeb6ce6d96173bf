/**
 * The OpenAI embeddings wire (`POST /v1/embeddings`, https://platform.openai.com/docs/api-reference/embeddings):
 * the chat wire's headers, errors and rate limits, and a `list` of `embedding` objects, each vector as
 * JSON floats or, with `encoding_format: "base64"`, as little-endian float32 bytes. Never streamed, so
 * the stream members are never called.
 */
import { type EmbeddingsParsed, notEmbeddingModel, parseEmbeddings } from './embeddings-request.ts'
import { openaiWire } from './openai.ts'
import { base64Floats, jsonFloats, unitVector } from './vectors.ts'
import type { ApiWire } from './wire.ts'

export const embeddingsWire: ApiWire<EmbeddingsParsed> = {
  ...openaiWire,
  serves: 'embedding',
  cache: { kind: 'none' },
  wrongKind: notEmbeddingModel,
  parse: (body, model, _route, cfg) => parseEmbeddings(body, model, cfg),
  render(p, _answers, ctx) {
    const model = JSON.stringify(p.model.responseModel)
    let data = ''
    for (let i = 0; i < p.keys.length; i++) {
      const v = unitVector(ctx.seed, p.model.id, p.keys[i] as string, p.dimensions)
      const embedding = p.base64 && ctx.cfg.base64 === undefined ? JSON.stringify(base64Floats(v)) : jsonFloats(v)
      data += `${i === 0 ? '' : ','}{"object":"embedding","index":${i},"embedding":${embedding}}`
    }
    const usage = `{"prompt_tokens":${p.promptTokens},"total_tokens":${p.promptTokens}}`
    return `{"object":"list","data":[${data}],"model":${model},"usage":${usage}}`
  },
  streamHeaders: () => openaiWire.jsonHeaders,
  frames: () => [],
  errorFrame: () => '',
  malformedFrame: () => '',
}
