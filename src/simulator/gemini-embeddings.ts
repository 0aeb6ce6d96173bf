/**
 * The Gemini embedding wires, `POST /v1beta/models/{model}:embedContent` → `{"embedding":{"values"}}` and
 * `:batchEmbedContents` → `{"embeddings":[{"values"}…]}` (https://ai.google.dev/api/embeddings): the
 * generateContent wire's key, google.rpc errors, quotas (429 RESOURCE_EXHAUSTED) and faults. Never
 * streamed, so the stream members are never called.
 */
import { geminiWire } from './gemini.ts'
import { type GeminiEmbedParsed, parseGeminiEmbed } from './gemini-embeddings-request.ts'
import { googleError } from './gemini-request.ts'
import { jsonFloats, unitVector } from './vectors.ts'
import type { ApiWire, RenderCtx } from './wire.ts'

/**
 * A shortened vector is the full one's first components, left as they are: Gemini normalises only its
 * full-length vectors (https://ai.google.dev/gemini-api/docs/embeddings#quality-for-smaller-dimensions).
 */
function values(p: GeminiEmbedParsed, ctx: RenderCtx, i: number): string {
  const item = p.items[i] as GeminiEmbedParsed['items'][number]
  const full = p.model.embedding?.dimensions ?? item.dimensions
  const v = unitVector(ctx.seed, p.model.id, item.key, full)
  return `{"values":${jsonFloats(item.dimensions < full ? v.subarray(0, item.dimensions) : v)}}`
}

function embedWire(method: 'embedContent' | 'batchEmbedContents'): ApiWire<GeminiEmbedParsed> {
  const batch = method === 'batchEmbedContents'
  return {
    ...geminiWire,
    serves: 'embedding',
    cache: { kind: 'none' },
    notFound: (model) =>
      googleError(
        404,
        'NOT_FOUND',
        `models/${model} is not found for API version v1beta, or is not supported for ${method}. ` +
          'Call ListModels to see the list of available models and their supported methods.',
      ),
    parse: (body, model) => parseGeminiEmbed(body, model, batch),
    render(p, _answers, ctx) {
      if (!p.batch) return `{"embedding":${values(p, ctx, 0)}}`
      let out = ''
      for (let i = 0; i < p.items.length; i++) out += (i === 0 ? '' : ',') + values(p, ctx, i)
      return `{"embeddings":[${out}]}`
    },
    streamHeaders: () => geminiWire.jsonHeaders,
    frames: () => [],
    errorFrame: () => '',
    malformedFrame: () => '',
  }
}

export const geminiEmbedWire = embedWire('embedContent')
export const geminiBatchEmbedWire = embedWire('batchEmbedContents')
