/**
 * Embeddings on an OpenAI-shaped server (`type: openai`, `openai-compatible` and the presets):
 * `POST {base_url}/embeddings`, the client's body forwarded with the target's model, the answer sent back
 * as it came when it is OpenAI's shape (https://platform.openai.com/docs/api-reference/embeddings/create).
 * Errors and rate-limit headers are the chat path's (errors.ts, rate-limits.ts).
 */
import type { EmbeddingRequest, EmbeddingResponse } from '../embeddings-schema.ts'
import { endpoint } from '../http.ts'
import type { EmbedSpec } from '../http-adapter.ts'
import { RAW_JSON } from '../openai-schema.ts'
import { fromOpenAIUsage } from '../shapes.ts'
import type { Target } from '../types.ts'
import { badResponse } from './errors.ts'

/** The body sent: the client's, with the target's model; fields sent as null are left out (compatible servers choke on them). */
export function toEmbeddingsBody(req: EmbeddingRequest, target: Target): string {
  const out: Record<string, unknown> = {}
  for (const k in req) if (req[k] != null) out[k] = req[k]
  out['model'] = target.model
  return JSON.stringify(out)
}

/** A 2xx body → the answer, checked for OpenAI's shape (a compatible server may differ). */
export function fromEmbeddingsBody(provider: string, text: string): EmbeddingResponse {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw badResponse(provider, 'the body is not valid JSON')
  }
  const data = (body as { data?: unknown } | null)?.data
  if (typeof body !== 'object' || body === null || !Array.isArray(data)) {
    throw badResponse(provider, 'no `data` array in the embeddings answer')
  }
  for (const d of data as unknown[]) {
    const e = (d as { embedding?: unknown } | null)?.embedding
    if (typeof (d as { index?: unknown } | null)?.index !== 'number' || !(typeof e === 'string' || Array.isArray(e)))
      throw badResponse(provider, 'an embedding without `index` or `embedding`')
  }
  const r = body as EmbeddingResponse
  r[RAW_JSON] = text
  return r
}

export function openAIEmbeddings(): EmbedSpec {
  return {
    prepare(target) {
      const headers = {
        authorization: `Bearer ${target.apiKey}`,
        ...target.headers,
        'content-type': 'application/json',
        accept: 'application/json',
      }
      return { url: endpoint(`${target.baseUrl}/embeddings`), headers }
    },
    encode: (req, target) => toEmbeddingsBody(req, target),
    decode(text, _req, target) {
      const body = fromEmbeddingsBody(target.provider, text)
      const usage = fromOpenAIUsage(body.usage && { ...body.usage, completion_tokens: 0 })
      return { body, usage, model: typeof body.model === 'string' ? body.model : null }
    },
  }
}
