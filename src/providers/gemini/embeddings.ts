/**
 * Embeddings on Gemini: OpenAI's request → `POST /v1beta/models/{model}:batchEmbedContents`
 * (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents), one `requests[]` entry per input,
 * `dimensions` as `outputDimensionality`; the `embeddings[].values` answer → OpenAI's shape.
 * - Text only: token ids in `input` are a 400 naming `input` (kind `unsupported`: another target may take them).
 * - At most 100 requests per batch (vercel/ai#16101): the skeleton sends a larger request as several calls.
 * - Gemini normalises only full-length vectors (https://ai.google.dev/gemini-api/docs/embeddings#quality-for-smaller-dimensions);
 *   OpenAI's shortened ones are unit length, so a vector cut by `dimensions` is normalised here.
 * - `encoding_format: base64` is produced here (Gemini answers floats), as OpenAI encodes it; float answers are
 *   float32 values too, so that both encodings of one vector are the same numbers.
 * - Gemini counts no tokens for embeddings: `usage` is left out and the router estimates it.
 */
import { z } from 'zod'
import { type EmbeddingRequest, type EmbeddingResponse, floatsToBase64 } from '../embeddings-schema.ts'
import { endpoint } from '../http.ts'
import type { EmbedSpec } from '../http-adapter.ts'
import type { Target } from '../types.ts'
import { badResponse, notForGemini } from './errors.ts'

/** batchEmbedContents' limit on requests per call. */
export const GEMINI_MAX_BATCH = 100

/** What Gemini's embeddings request has a place for; anything else is left out, with a warning. */
const SENT = new Set(['model', 'input', 'dimensions', 'encoding_format'])

const BatchAnswer = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
})

/** OpenAI's request (at most GEMINI_MAX_BATCH inputs) → the batchEmbedContents body. */
export function toBatchEmbedBody(req: EmbeddingRequest, target: Target, resource: string, warnings: string[]): string {
  const input = req.input
  const texts = typeof input === 'string' ? [input] : input
  if (!texts.every((t) => typeof t === 'string')) {
    throw notForGemini(
      target.provider,
      'Gemini embeds text only: `input` holds token ids (arrays of integers)',
      'input',
    )
  }
  for (const k in req) {
    if (!SENT.has(k) && req[k] != null) warnings.push(`${k} is not supported by Gemini embeddings and was not sent`)
  }
  const dims = req.dimensions == null ? {} : { outputDimensionality: req.dimensions }
  const requests = (texts as string[]).map((text) => ({ model: resource, content: { parts: [{ text }] }, ...dims }))
  return JSON.stringify({ requests })
}

/** The batchEmbedContents answer → OpenAI's embeddings answer, in the encoding asked for. */
export function fromBatchEmbedBody(text: string, req: EmbeddingRequest, target: Target): EmbeddingResponse {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw badResponse(target.provider, 'the response body is not JSON')
  }
  const parsed = BatchAnswer.safeParse(raw)
  if (!parsed.success) throw badResponse(target.provider, 'the body is not a BatchEmbedContentsResponse')
  const base64 = req.encoding_format === 'base64'
  const shortened = req.dimensions != null
  const data = parsed.data.embeddings.map((e, index) => {
    const v = shortened ? unitLength(e.values) : e.values
    // float32 either way, as OpenAI's vectors are: the float answer equals the base64 one decoded.
    return { object: 'embedding' as const, index, embedding: base64 ? floatsToBase64(v) : v.map(Math.fround) }
  })
  return { object: 'list', data, model: target.model }
}

function unitLength(v: number[]): number[] {
  let sum = 0
  for (const x of v) sum += x * x
  const norm = Math.sqrt(sum)
  return norm === 0 || Math.abs(norm - 1) < 1e-6 ? v : v.map((x) => x / norm)
}

/** `calls(target)`: the target's model URL prefix and resource name (index.ts builds them, checked). */
export function geminiEmbeddings(
  calls: (target: Target) => { path: string; resource: string; headers: Record<string, string> },
): EmbedSpec {
  const resources = new WeakMap<Target, string>()
  return {
    maxInputs: GEMINI_MAX_BATCH,
    prepare(target) {
      const c = calls(target)
      resources.set(target, c.resource)
      return { url: endpoint(`${c.path}:batchEmbedContents`), headers: c.headers }
    },
    encode: (req, target, warnings) => toBatchEmbedBody(req, target, resources.get(target)!, warnings),
    decode: (text, req, target) => ({ body: fromBatchEmbedBody(text, req, target), usage: null, model: null }),
  }
}
