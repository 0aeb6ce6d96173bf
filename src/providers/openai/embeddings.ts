/**
 * Embeddings on an OpenAI-shaped server (`type: openai`, `openai-compatible` and the presets):
 * `POST {base_url}/embeddings`, the client's body forwarded with the target's model, the answer sent back
 * as it came when it is OpenAI's shape (https://platform.openai.com/docs/api-reference/embeddings/create).
 * Errors and rate-limit headers are the chat path's (errors.ts, rate-limits.ts).
 */
import {
  base64ToFloats,
  type Embedding,
  type EmbeddingRequest,
  type EmbeddingResponse,
  floatsToBase64,
} from '../embeddings-schema.ts'
import { endpoint } from '../http.ts'
import type { EmbedSpec } from '../http-adapter.ts'
import { RAW_JSON } from '../openai-schema.ts'
import { fromOpenAIUsage } from '../shapes.ts'
import type { Target } from '../types.ts'
import { badResponse } from './errors.ts'

/**
 * The body sent: the client's, with the target's model; fields sent as null are left out (compatible servers
 * choke on them). `floatsOnly`: base64 is not asked for — the answer is floats, every server's default, and
 * fromEmbeddingsBody encodes them as asked.
 */
export function toEmbeddingsBody(req: EmbeddingRequest, target: Target, floatsOnly = false): string {
  const out: Record<string, unknown> = {}
  for (const k in req) if (req[k] != null) out[k] = req[k]
  out['model'] = target.model
  if (floatsOnly && out['encoding_format'] === 'base64') delete out['encoding_format']
  return JSON.stringify(out)
}

/**
 * A 2xx body → the answer, checked for OpenAI's shape (a compatible server may differ), each vector in the
 * encoding asked for. Some compatible servers answer floats whatever `encoding_format` says
 * (mudler/LocalAI#9135, runpod-workers/worker-infinity-embedding#30), and the openai SDK, which asks for
 * base64 by default, would read such an array as base64: a quarter-length vector of garbage, silently.
 */
export function fromEmbeddingsBody(
  provider: string,
  text: string,
  encoding: EmbeddingRequest['encoding_format'],
): EmbeddingResponse {
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
  const base64 = encoding === 'base64'
  let recoded = false
  for (const d of data as unknown[]) {
    const e = (d as { embedding?: unknown } | null)?.embedding
    if (typeof (d as { index?: unknown } | null)?.index !== 'number' || !(typeof e === 'string' || Array.isArray(e)))
      throw badResponse(provider, 'an embedding without `index` or `embedding`')
    if (base64 === (typeof e === 'string')) continue
    if (Array.isArray(e) && !e.every((x) => typeof x === 'number'))
      throw badResponse(provider, 'an embedding that is not an array of numbers')
    const one = d as Embedding
    one.embedding = typeof e === 'string' ? base64ToFloats(e) : floatsToBase64(e)
    recoded = true
  }
  const r = body as EmbeddingResponse
  if (!recoded) r[RAW_JSON] = text
  return r
}

/**
 * `floatsOnly` for compatible servers: some ignore `encoding_format: base64`, which is the openai SDK's default
 * (mudler/LocalAI#9135, sgl-project/sglang#28803), and some refuse it (vllm-project/vllm#6174).
 */
export function openAIEmbeddings(floatsOnly: boolean): EmbedSpec {
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
    encode: (req, target) => toEmbeddingsBody(req, target, floatsOnly),
    decode(text, req, target) {
      const body = fromEmbeddingsBody(target.provider, text, req.encoding_format)
      const usage = fromOpenAIUsage(body.usage && { ...body.usage, completion_tokens: 0 })
      return { body, usage, model: typeof body.model === 'string' ? body.model : null }
    },
  }
}
