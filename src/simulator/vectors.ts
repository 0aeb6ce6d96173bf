/**
 * Deterministic embedding vectors. Each input's vector depends on the simulator seed, the model and the
 * input alone (never on its neighbours in a batch): uniform components scaled to length 1. A shorter
 * vector is the longer one's first components renormalised, which is how OpenAI's `dimensions` shortens
 * them (https://platform.openai.com/docs/guides/embeddings); Gemini's `outputDimensionality` leaves the
 * first components as they are (gemini-embeddings.ts), so a test can check either relation.
 */
import { fnv1a, mix, prng } from './rng.ts'

/** A unit vector of `dims` float32 components for `input` (a text, or a key built from token ids). */
export function unitVector(seed: number, model: string, input: string, dims: number): Float32Array {
  const r = prng(mix(seed, fnv1a(model), fnv1a(input)))
  const v = new Float32Array(dims)
  let sum = 0
  for (let i = 0; i < dims; i++) {
    const x = r() * 2 - 1
    v[i] = x
    sum += x * x
  }
  const scale = 1 / Math.sqrt(sum)
  for (let i = 0; i < dims; i++) v[i] = (v[i] as number) * scale
  return v
}

/** The vector as OpenAI's `encoding_format: "base64"` sends it: little-endian float32 bytes. */
export function base64Floats(v: Float32Array): string {
  const buf = Buffer.alloc(v.length * 4)
  for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i] as number, i * 4)
  return buf.toString('base64')
}

/** The vector as a JSON array (each float32 value written exactly, as a double). */
export function jsonFloats(v: Float32Array): string {
  return JSON.stringify(Array.from(v))
}
