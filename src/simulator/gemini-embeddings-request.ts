/**
 * Gemini embedContent / batchEmbedContents requests (https://ai.google.dev/api/embeddings), read as
 * proto-JSON like generateContent (both casings, unknown names refused): a `content` of text parts, an
 * optional `taskType` (which, as on the real models, changes the vector), `title` and
 * `outputDimensionality`. Text past the model's input limit is cut off silently, as the API does.
 */
import { inputOnly } from './embeddings-request.ts'
import { badRequest, get, googleError, unknownField } from './gemini-request.ts'
import type { EmbeddingSpec, ModelInfo } from './models.ts'
import { textTokens } from './tokens.ts'
import type { Segment } from './types.ts'
import { isObj, type Obj, str } from './values.ts'
import type { ErrorOut, Parsed } from './wire.ts'

export interface GeminiEmbedParsed extends Parsed {
  /** Per request: what its vector derives from (task type and text), and the vector's length. */
  items: EmbedItem[]
  batch: boolean
}

interface EmbedItem {
  key: string
  dimensions: number
}

const REQUEST = ['content', 'taskType', 'title', 'outputDimensionality', 'model']
const CONTENT = ['role', 'parts']
const TASK_TYPES = new Set([
  'TASK_TYPE_UNSPECIFIED',
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
])
const MAX_BATCH = 100

interface One extends EmbedItem {
  tokens: number
}

/** One EmbedContentRequest; `at` is its path in errors ('' alone, `requests[i].` in a batch). */
function readOne(r: Obj, spec: EmbeddingSpec, at: string, kind: string): One | ErrorOut {
  const e = unknownField(r, REQUEST, at === '' ? null : at.slice(0, -1))
  if (e) return e
  const content = r['content']
  if (!isObj(content)) return badRequest(`* ${kind}.${at}content: content is not specified\n`)
  const e2 = unknownField(content, CONTENT, `${at}content`)
  if (e2) return e2
  const parts = content['parts']
  if (!Array.isArray(parts) || parts.length === 0) {
    return badRequest(`* ${kind}.${at}content.parts: must not be empty\n`)
  }
  let text = ''
  for (let j = 0; j < parts.length; j++) {
    const t = isObj(parts[j]) ? str((parts[j] as Obj)['text']) : undefined
    if (t === undefined) return badRequest(`* ${kind}.${at}content.parts[${j}]: only text can be embedded\n`)
    text += (j === 0 ? '' : '\n') + t
  }
  const task = get(r, 'taskType')
  if (task !== undefined && (typeof task !== 'string' || !TASK_TYPES.has(task))) {
    const type = 'type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType'
    const desc = `Invalid value at '${at}task_type' (${type}), ${JSON.stringify(task)}`
    const violation = { field: `${at}task_type`, description: desc }
    return googleError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${desc}`, [
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [violation] },
    ])
  }
  const dims = get(r, 'outputDimensionality')
  let dimensions = spec.dimensions
  if (dims !== undefined && dims !== null) {
    if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > spec.dimensions) {
      return badRequest(`* ${kind}.${at}output_dimensionality: must be between 1 and ${spec.dimensions}\n`)
    }
    dimensions = dims
  }
  const tokens = Math.min(textTokens(text), spec.maxInputTokens)
  return { key: `${typeof task === 'string' ? task : ''}\u0000${text}`, tokens, dimensions }
}

/** `:embedContent` (one request) or `:batchEmbedContents` (`requests`, each naming the URL's model). */
export function parseGeminiEmbed(b: Obj, model: ModelInfo, batch: boolean): GeminiEmbedParsed | ErrorOut {
  const spec = model.embedding
  if (!spec) return badRequest(`* models/${model.id} is not an embedding model\n`)
  let ones: One[]
  if (!batch) {
    const one = readOne(b, spec, '', 'EmbedContentRequest')
    if ('status' in one) return one
    ones = [one]
  } else {
    const e = unknownField(b, ['requests'], null)
    if (e) return e
    const requests = b['requests']
    const kind = 'BatchEmbedContentsRequest'
    if (!Array.isArray(requests) || requests.length === 0) return badRequest(`* ${kind}.requests: must not be empty\n`)
    if (requests.length > MAX_BATCH) {
      return badRequest(`* ${kind}.requests: at most ${MAX_BATCH} requests can be in one batch\n`)
    }
    ones = []
    for (let i = 0; i < requests.length; i++) {
      const r: unknown = requests[i]
      if (!isObj(r)) return badRequest(`Invalid JSON payload received. Expected an object at 'requests[${i}]'.`)
      const named = str(r['model'])
      if (named !== undefined && named !== `models/${model.id}`) {
        const m = `${named} does not match the model in the URL (models/${model.id})`
        return badRequest(`* ${kind}.requests[${i}].model: ${m}\n`)
      }
      const one = readOne(r, spec, `requests[${i}].`, kind)
      if ('status' in one) return one
      ones.push(one)
    }
  }
  const segments: Segment[] = ones.map((o) => ({ key: o.key, tokens: o.tokens }))
  const items = ones.map((o) => ({ key: o.key, dimensions: o.dimensions }))
  return { model, req: inputOnly(segments), stream: false, items, batch }
}
