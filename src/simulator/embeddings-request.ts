/**
 * OpenAI embeddings request → what the wire needs, validated like the real API
 * (https://platform.openai.com/docs/api-reference/embeddings/create): `input` is a string, an array of
 * strings, an array of token ids or an array of such arrays, none of them empty; at most 2048 inputs of
 * at most the model's input length each; `dimensions` only on the text-embedding-3 models.
 */
import type { ModelInfo } from './models.ts'
import { badType, badValue, intParam } from './openai-errors.ts'
import { invalid, missing } from './openai-request.ts'
import { blankRequest } from './sim-request.ts'
import { textTokens } from './tokens.ts'
import type { Segment, SimModelConfig, SimRequest } from './types.ts'
import type { Obj } from './values.ts'
import type { ErrorOut, Parsed } from './wire.ts'

export interface EmbeddingsParsed extends Parsed {
  /** What each input's vector derives from: its text, or its token ids. */
  keys: string[]
  dimensions: number
  base64: boolean
  /** Tokens of all inputs (usage.prompt_tokens). */
  promptTokens: number
}

const KNOWN = new Set(['model', 'input', 'dimensions', 'encoding_format', 'user'])
const MAX_INPUTS = 2048
const MAX_REQUEST_TOKENS = 300_000
const ENCODINGS = ['float', 'base64']

// The real API's catch-all for an input it cannot read (empty strings and arrays, mixed arrays):
// https://github.com/openai/openai-python/issues/576
const BAD_INPUT = invalid(
  "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
)

/** A server without base64 (wording not vLLM's own). */
const BASE64_REFUSED = "encoding_format 'base64' is not supported: use 'float'."

/** A chat model on /v1/embeddings (wording not confirmed against the real API). */
export const notEmbeddingModel = () => invalid('This model does not support embeddings.', 'model')

/**
 * A request that generates nothing: the segments are the inputs (rate limits charge their tokens),
 * no choices, no output. What the embedding wires hand the shared pipeline.
 */
export function inputOnly(segments: Segment[]): SimRequest {
  return { ...blankRequest(segments), choices: 0, maxTokens: 0 }
}

const isTokenId = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0

/** One input as its key and token count, or null when it is not an input the API reads. */
function readInput(x: unknown): { key: string; tokens: number } | null {
  if (typeof x === 'string') return x === '' ? null : { key: x, tokens: textTokens(x) }
  if (Array.isArray(x) && x.length > 0 && x.every(isTokenId)) return { key: `tokens:${x.join(',')}`, tokens: x.length }
  return null
}

export function parseEmbeddings(
  b: Obj,
  model: ModelInfo,
  cfg: Pick<SimModelConfig, 'base64'> = {},
): EmbeddingsParsed | ErrorOut {
  for (const k in b) if (!KNOWN.has(k)) return invalid(`Unrecognized request argument supplied: ${k}`)
  const spec = model.embedding
  if (!spec) return notEmbeddingModel()
  const input = b['input']
  if (input === undefined || input === null) return missing('input')
  // A flat array of token ids is one input; any other array is a list of inputs.
  const list: unknown[] = Array.isArray(input) && !(input.length > 0 && input.every(isTokenId)) ? input : [input]
  if (list.length === 0) return BAD_INPUT
  if (list.length > MAX_INPUTS) {
    const expected = `Expected an array with maximum length ${MAX_INPUTS}`
    const m = `Invalid 'input': array too long. ${expected}, but got an array with length ${list.length} instead.`
    return invalid(m, 'input', 'array_above_max_length')
  }
  const keys: string[] = []
  const segments: Segment[] = []
  let total = 0
  for (let i = 0; i < list.length; i++) {
    const one = readInput(list[i])
    if (one === null) return BAD_INPUT
    if (one.tokens > spec.maxInputTokens) {
      const at = list[0] === input ? 'input' : `input[${i}]`
      return invalid(`Invalid '${at}': maximum input length is ${spec.maxInputTokens} tokens.`, at)
    }
    keys.push(one.key)
    segments.push({ key: one.key, tokens: one.tokens })
    total += one.tokens
  }
  if (total > MAX_REQUEST_TOKENS) {
    const message = `Requested ${total} tokens, max ${MAX_REQUEST_TOKENS} tokens per request`
    const error = { message, type: 'max_tokens_per_request', param: null, code: 'max_tokens_per_request' }
    return { status: 400, body: { error } }
  }
  const dims = dimensionsOf(b, model)
  if (typeof dims !== 'number') return dims
  const enc = b['encoding_format']
  if (enc !== undefined && enc !== null) {
    if (typeof enc !== 'string') return badType('encoding_format', "one of 'float' or 'base64'", enc)
    if (!ENCODINGS.includes(enc)) return badValue('encoding_format', enc, ENCODINGS)
    if (enc === 'base64' && cfg.base64 === 'refused') return invalid(BASE64_REFUSED, 'encoding_format')
  }
  const user = b['user']
  if (user !== undefined && user !== null && typeof user !== 'string') return badType('user', 'a string', user)
  const base64 = enc === 'base64'
  return { model, req: inputOnly(segments), stream: false, keys, dimensions: dims, base64, promptTokens: total }
}

/** `dimensions`: the model's own length when absent; only the shortenable models take one. */
function dimensionsOf(b: Obj, model: ModelInfo): number | ErrorOut {
  const full = model.embedding?.dimensions ?? 0
  const d = b['dimensions']
  if (d === undefined || d === null) return full
  // text-embedding-ada-002 refuses the parameter outright, even at its own length.
  if (typeof d === 'number' && !model.embedding?.shortenable) {
    return invalid('This model does not support specifying dimensions.')
  }
  return intParam(b, 'dimensions', 1, full) ?? full
}
