/**
 * The OpenAI embeddings wire: the request Headroom accepts on `POST /v1/embeddings` (zod, checked at the
 * server boundary; `input` is checked first by server/validate-embeddings.ts, which words its errors) and
 * the answer every adapter's `embed` produces. Unknown fields are tolerated and forwarded to OpenAI-shaped
 * servers (vLLM takes extras such as `truncate_prompt_tokens`).
 * Reference: https://platform.openai.com/docs/api-reference/embeddings/create
 */
import { z } from 'zod'
import { INTEGER_RANGE, type RAW_JSON } from './openai-schema.ts'

/** OpenAI's limit on the inputs of one request ("Arrays hold 1–2048 items"). */
export const MAX_EMBEDDING_INPUTS = 2048
/** Far above any model's vector length (3072 today), so that a huge `dimensions` is a 400 here, not a 500 later. */
const MAX_EMBEDDING_DIMENSIONS = 65_536

const tokenIds = z.array(z.int().min(0)).min(1)

export const EmbeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()), tokenIds, z.array(tokenIds)]),
  dimensions: z
    .int()
    .min(1, { error: INTEGER_RANGE })
    .max(MAX_EMBEDDING_DIMENSIONS, { error: INTEGER_RANGE })
    .nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().nullish(),
})

export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>

export interface Embedding {
  object: 'embedding'
  index: number
  /** Floats, or (`encoding_format: base64`) their little-endian float32 bytes in base64. */
  embedding: number[] | string
}

export interface EmbeddingResponse {
  object: 'list'
  data: Embedding[]
  model: string
  /** Absent when the provider counted nothing (Gemini): the server fills it with the estimate it billed. */
  usage?: { prompt_tokens: number; total_tokens: number }
  /** The upstream body as it came, when it can go to the client unchanged (saves re-encoding big vectors). */
  [RAW_JSON]?: string
}

/** The request's inputs as a list: a flat array of token ids is one input. */
export function embeddingInputs(input: EmbeddingRequest['input']): Array<string | number[]> {
  if (typeof input === 'string') return [input]
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]]
  return input as Array<string | number[]>
}

/**
 * Floats → base64 of their float32 bytes, little-endian, as OpenAI sends `encoding_format: base64`
 * (openai-node decodes it with a Float32Array: https://github.com/openai/openai-node/blob/master/src/internal/utils/base64.ts).
 */
export function floatsToBase64(values: readonly number[]): string {
  const buf = Buffer.allocUnsafe(values.length * 4)
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4)
  return buf.toString('base64')
}

/** base64 of little-endian float32 bytes → the floats (the inverse of floatsToBase64). */
export function base64ToFloats(text: string): number[] {
  const buf = Buffer.from(text, 'base64')
  const out = new Array<number>(buf.length >> 2)
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4)
  return out
}
