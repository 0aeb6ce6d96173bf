/**
 * The request body → ChatRequest, or a 400 that names the field and says what was wrong, in the
 * words OpenAI uses ("Missing required parameter: 'messages'.", "Invalid type for 'temperature': …").
 */
import type { z } from 'zod'
import { ChatRequestSchema, type ChatRequest } from '../providers/openai-schema.ts'
import { MODEL_ID_RULE, modelIdProblem } from '../routing/model-id.ts'
import { ApiError } from './errors.ts'

function paramName(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}

function received(input: unknown): string {
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'an array'
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`
}

type Issue = z.core.$ZodIssue

/**
 * The issue to report from a union failure: the branch that got furthest (deepest path) explains
 * best what the client meant; when every branch failed at the top, their expected types are listed.
 */
function unionIssue(issue: Issue & { code: 'invalid_union' }): Issue {
  const branches = issue.errors.filter((b) => b.length > 0)
  if (branches.length === 0) return issue
  const depth = (b: Issue[]) => Math.max(...b.map((i) => i.path.length))
  const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a))
  if (depth(best) === 0 && branches.every((b) => b[0]!.code === 'invalid_type')) {
    const expected = branches.map((b) => (b[0] as { expected: string }).expected)
    return { ...branches[0]![0]!, path: issue.path, expected: expected.join(' or ') } as Issue
  }
  const inner = best[0]!
  return { ...inner, path: [...issue.path, ...inner.path] } as Issue
}

export function describeIssue(raw: Issue): ApiError {
  let issue = raw
  while (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const next = unionIssue(issue)
    if (next === issue) break
    issue = next
  }
  const param = paramName(issue.path)
  const at = param ? `'${param}'` : 'the request body'
  const p = param || null
  switch (issue.code) {
    case 'invalid_type':
      // With reportInput on, a missing field is the only invalid_type issue without an `input`.
      if (!('input' in issue) || issue.input === undefined) return new ApiError(400, `Missing required parameter: ${at}.`, 'missing_required_parameter', p)
      return new ApiError(400, `Invalid type for ${at}: expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, but got ${received(issue.input)} instead.`, 'invalid_type', p)
    case 'invalid_union': {
      const opts = (issue as { options?: unknown[] }).options
      if (opts) return new ApiError(400, `Invalid value for ${at}: expected one of ${opts.map((o) => `'${String(o)}'`).join(', ')}.`, 'invalid_value', p)
      return new ApiError(400, `Invalid value for ${at}: it matches none of the accepted shapes.`, 'invalid_value', p)
    }
    case 'too_small':
      if (issue.origin === 'array') return new ApiError(400, `Invalid ${at}: expected an array with at least ${String(issue.minimum)} item(s).`, 'invalid_value', p)
      if (issue.origin === 'string') return new ApiError(400, `Invalid ${at}: must not be empty.`, 'invalid_value', p)
      return new ApiError(400, `Invalid value for ${at}: must be at least ${String(issue.minimum)}.`, 'invalid_value', p)
    case 'too_big':
      if (issue.origin === 'array') return new ApiError(400, `Invalid ${at}: expected an array with at most ${String(issue.maximum)} item(s).`, 'invalid_value', p)
      return new ApiError(400, `Invalid value for ${at}: must be at most ${String(issue.maximum)}.`, 'invalid_value', p)
    default:
      return new ApiError(400, `Invalid value for ${at}: ${issue.message}.`, 'invalid_value', p)
  }
}

export function validateChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, `The request body must be a JSON object, but got ${received(body)}.`, 'invalid_type')
  }
  const r = ChatRequestSchema.safeParse(body, { reportInput: true })
  if (r.success) return r.data
  throw describeIssue(r.error.issues[0]!)
}

/**
 * 400 unless `id` follows the model id grammar (routing/model-id.ts). Checked before the id is resolved,
 * so nothing else ever sees an id that could change an upstream URL or a header.
 */
export function checkModelId(id: string): void {
  const problem = modelIdProblem(id)
  if (problem === null) return
  throw new ApiError(400, `Invalid 'model': ${problem}. A model id (a route name, provider/model, or a model id) is ${MODEL_ID_RULE}.`, 'invalid_value', 'model')
}
