/**
 * The `POST /v1/embeddings` body → EmbeddingRequest, or a 400 in OpenAI's words naming the field
 * (https://platform.openai.com/docs/api-reference/embeddings/create). `input` is read by hand first: it is
 * a union of four shapes whose zod failure would say little ("a string, or an array of strings, of token
 * ids, or of arrays of token ids"; none empty; at most 2048 inputs); the other fields go through the
 * schema and the chat path's wording (validate.ts).
 */
import { ApiError } from '../lib/api-error.ts'
import { type EmbeddingRequest, EmbeddingRequestSchema, MAX_EMBEDDING_INPUTS } from '../providers/embeddings-schema.ts'
import { describeIssue, received } from './validate.ts'

const SHAPES = 'one of a string, an array of strings, an array of integers or an array of arrays of integers'

const badType = (param: string, expected: string, got: unknown) =>
  new ApiError(
    400,
    `Invalid type for '${param}': expected ${expected}, but got ${received(got)} instead.`,
    'invalid_type',
    param,
  )

const empty = (param: string, what: 'string' | 'array') =>
  new ApiError(
    400,
    `Invalid '${param}': empty ${what}. Expected ${what === 'array' ? 'an' : 'a'} ${what} with minimum length 1, but got an empty ${what} instead.`,
    `empty_${what}`,
    param,
  )

const isTokenId = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0

/** An array of token ids: non-empty, each a non-negative integer. */
function checkTokens(tokens: readonly unknown[], param: string): ApiError | null {
  if (tokens.length === 0) return empty(param, 'array')
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (isTokenId(t)) continue
    const at = `${param}[${i}]`
    if (typeof t !== 'number') return badType(at, 'an integer', t)
    const shown = String(t).slice(0, 64)
    return new ApiError(
      400,
      `Invalid '${at}': a token id is an integer >= 0, but got ${shown} instead.`,
      'invalid_value',
      at,
    )
  }
  return null
}

/** `input`, or null when it is one of the shapes OpenAI takes. */
function inputProblem(input: unknown): ApiError | null {
  if (input === undefined)
    return new ApiError(400, "Missing required parameter: 'input'.", 'missing_required_parameter', 'input')
  if (typeof input === 'string') return input === '' ? empty('input', 'string') : null
  if (!Array.isArray(input)) return badType('input', SHAPES, input)
  if (input.length === 0) return empty('input', 'array')
  if (typeof input[0] === 'number') return checkTokens(input, 'input')
  if (input.length > MAX_EMBEDDING_INPUTS) {
    return new ApiError(
      400,
      `Invalid 'input': array too long. Expected an array with maximum length ${MAX_EMBEDDING_INPUTS}, but got an array with length ${input.length} instead.`,
      'array_above_max_length',
      'input',
    )
  }
  // Inputs are all texts or all token arrays, as the first one is.
  const texts = typeof input[0] === 'string'
  for (let i = 0; i < input.length; i++) {
    const x: unknown = input[i]
    const at = `input[${i}]`
    if (texts) {
      if (typeof x !== 'string') return badType(at, 'a string', x)
      if (x === '') return empty(at, 'string')
    } else {
      if (!Array.isArray(x)) return badType(at, 'an array of integers', x)
      const bad = checkTokens(x, at)
      if (bad) return bad
    }
  }
  return null
}

export function validateEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, `The request body must be a JSON object, but got ${received(body)}.`, 'invalid_type')
  }
  const bad = inputProblem((body as { input?: unknown }).input)
  if (bad) throw bad
  const r = EmbeddingRequestSchema.safeParse(body, { reportInput: true })
  if (!r.success) throw describeIssue(r.error.issues[0]!)
  return r.data
}
