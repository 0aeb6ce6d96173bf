/**
 * The request body → ChatRequest, or a 400 that names the field and says what was wrong, in the words,
 * `param` and `code` OpenAI uses ("Missing required parameter: 'messages'.", "Invalid 'temperature':
 * decimal above maximum value. Expected a value <= 2, but got 3 instead."). The same body gets the same
 * answer whichever provider would serve it: OpenAI's rules are checked here, once (openai-rules.ts).
 */
import type { z } from 'zod'
import { MODEL_ID_RULE, modelIdProblem } from '../catalog/model-id.ts'
import { PRIORITIES, type Priority } from '../config/schema.ts'
import { ApiError } from '../lib/api-error.ts'
import { type ChatRequest, ChatRequestSchema, INTEGER_RANGE } from '../providers/openai-schema.ts'
import { checkOpenAIRules } from './openai-rules.ts'

function paramName(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}

const at = (param: string) => (param ? `'${param}'` : 'the request body')

/** What a JSON value is, as OpenAI says it in "but got … instead". */
export function received(input: unknown): string {
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'an array'
  if (typeof input === 'number') return Number.isInteger(input) ? 'an integer' : 'a decimal number'
  if (typeof input === 'boolean') return 'a boolean'
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`
}

/** A client's value quoted in a message: bounded, since it may be anything up to the body limit. */
function quoted(value: unknown): string {
  const s = String(value)
  return `'${s.length > 256 ? `${s.slice(0, 253)}...` : s}'`
}

/** `'a', 'b', and 'c'` — OpenAI's list of supported values. */
function supportedValues(values: readonly unknown[]): string {
  const q = values.map((v) => `'${String(v)}'`)
  if (q.length <= 2) return q.join(' and ')
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`
}

type Issue = z.core.$ZodIssue

const TYPE_NAMES: Readonly<Record<string, string>> = {
  number: 'decimal',
  int: 'integer',
  string: 'string',
  boolean: 'boolean',
  object: 'object',
  record: 'object',
  array: 'array',
}

/** The type an issue expected, without an article: `integer`, `array of objects` (see arrayOf in the schema). */
function expectedType(issue: Issue): string | null {
  if (issue.code === 'invalid_type') {
    if (issue.expected === 'array' && issue.message.startsWith('array of ')) return issue.message
    return TYPE_NAMES[issue.expected] ?? issue.expected
  }
  // A string literal or enum fails on a value of another type as a type error, as OpenAI reports it.
  if (
    issue.code === 'invalid_value' &&
    typeof issue.input !== 'string' &&
    issue.values.every((v) => typeof v === 'string')
  )
    return 'string'
  if (issue.code === 'invalid_union' && 'discriminator' in issue) return 'object'
  return null
}

const withArticle = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)

/**
 * The issue to report from a union failure: when every branch failed on the value's type itself, one
 * type error listing the types accepted ("expected one of a string or array of objects"); else the
 * branch that got furthest (deepest path), which explains best what the client meant.
 */
function fromUnion(issue: Issue & { code: 'invalid_union' }): Issue | ApiError {
  const branches = issue.errors.filter((b) => b.length > 0)
  if (branches.length === 0) return issue
  const depth = (b: Issue[]) => Math.max(...b.map((i) => i.path.length))
  const types = branches.map((b) => (depth(b) === 0 ? expectedType(b[0]!) : null))
  if (types.every((t) => t !== null)) {
    const param = paramName(issue.path)
    const expected = `one of ${types.map((t, k) => (k === 0 || !t!.startsWith('array') ? withArticle(t!) : t)).join(' or ')}`
    return new ApiError(
      400,
      `Invalid type for ${at(param)}: expected ${expected}, but got ${received(issue.input)} instead.`,
      'invalid_type',
      param || null,
    )
  }
  const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a))
  const inner = best[0]!
  return { ...inner, path: [...issue.path, ...inner.path], input: 'input' in inner ? inner.input : undefined } as Issue
}

function outOfRange(issue: Issue & { code: 'too_small' | 'too_big' }, param: string): ApiError {
  const p = param || null
  const low = issue.code === 'too_small'
  const limit = low ? issue.minimum : issue.maximum
  const input = issue.input
  if (issue.origin === 'array' || issue.origin === 'string') {
    const what = issue.origin
    const length = (input as { length: number } | undefined)?.length ?? 0
    if (low && length === 0) {
      return new ApiError(
        400,
        `Invalid '${param}': empty ${what}. Expected ${withArticle(what)} with minimum length ${String(limit)}, but got an empty ${what} instead.`,
        `empty_${what}`,
        p,
      )
    }
    return new ApiError(
      400,
      `Invalid '${param}': ${what} too ${low ? 'short' : 'long'}. Expected ${withArticle(what)} with ${low ? 'minimum' : 'maximum'} length ${String(limit)}, but got ${withArticle(what)} with length ${length} instead.`,
      `${what}_${low ? 'below_min' : 'above_max'}_length`,
      p,
    )
  }
  const kind = issue.message === INTEGER_RANGE ? 'integer' : 'decimal'
  return new ApiError(
    400,
    `Invalid '${param}': ${kind} ${low ? 'below minimum' : 'above maximum'} value. Expected a value ${low ? '>=' : '<='} ${String(limit)}, but got ${String(input)} instead.`,
    `${kind}_${low ? 'below_min' : 'above_max'}_value`,
    p,
  )
}

export function describeIssue(raw: Issue): ApiError {
  let issue = raw
  while (issue.code === 'invalid_union' && !('discriminator' in issue)) {
    const next = fromUnion(issue)
    if (next instanceof ApiError) return next
    if (next === issue) break
    issue = next
  }
  const param = paramName(issue.path)
  const p = param || null
  switch (issue.code) {
    case 'invalid_type': {
      // With reportInput on, a missing field is the only invalid_type issue without an `input`.
      if (!('input' in issue) || issue.input === undefined)
        return new ApiError(400, `Missing required parameter: ${at(param)}.`, 'missing_required_parameter', p)
      // JSON.parse reads a number past a double's range (1e400) as ±Infinity, which zod calls no number at all.
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input))
        return new ApiError(
          400,
          `Invalid ${at(param)}: number out of range. Expected a finite number, but got ${issue.input} instead.`,
          'invalid_value',
          p,
        )
      return new ApiError(
        400,
        `Invalid type for ${at(param)}: expected ${withArticle(expectedType(issue)!)}, but got ${received(issue.input)} instead.`,
        'invalid_type',
        p,
      )
    }
    case 'invalid_value': {
      if (typeof issue.input !== 'string' && issue.values.every((v) => typeof v === 'string')) {
        return new ApiError(
          400,
          `Invalid type for ${at(param)}: expected a string, but got ${received(issue.input)} instead.`,
          'invalid_type',
          p,
        )
      }
      return new ApiError(
        400,
        `Invalid value: ${quoted(issue.input)}. Supported values are: ${supportedValues(issue.values)}.`,
        'invalid_value',
        p,
      )
    }
    case 'invalid_union': {
      // A discriminated union (messages by role, content parts by type) whose discriminator matched no branch.
      const d = issue as Issue & { discriminator?: string; options?: unknown[] }
      const value = (issue.input as Record<string, unknown> | undefined)?.[d.discriminator ?? '']
      if (value === undefined)
        return new ApiError(400, `Missing required parameter: ${at(param)}.`, 'missing_required_parameter', p)
      if (typeof value !== 'string')
        return new ApiError(
          400,
          `Invalid type for ${at(param)}: expected a string, but got ${received(value)} instead.`,
          'invalid_type',
          p,
        )
      return new ApiError(
        400,
        `Invalid value: ${quoted(value)}. Supported values are: ${supportedValues(d.options ?? [])}.`,
        'invalid_value',
        p,
      )
    }
    case 'too_small':
    case 'too_big':
      return outOfRange(issue, param)
    case 'invalid_format':
      if (issue.format === 'regex') {
        const pattern = (issue as { pattern?: string }).pattern?.replace(/^\/|\/[a-z]*$/g, '')
        return new ApiError(
          400,
          `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '${pattern}'.`,
          'invalid_value',
          p,
        )
      }
      return new ApiError(400, `Invalid value for ${at(param)}: ${issue.message}.`, 'invalid_value', p)
    default:
      return new ApiError(400, `Invalid value for ${at(param)}: ${issue.message}.`, 'invalid_value', p)
  }
}

export function validateChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, `The request body must be a JSON object, but got ${received(body)}.`, 'invalid_type')
  }
  const r = ChatRequestSchema.safeParse(body, { reportInput: true })
  if (!r.success) throw describeIssue(r.error.issues[0]!)
  const broken = checkOpenAIRules(r.data)
  if (broken) throw broken
  return r.data
}

/**
 * 400 unless `id` follows the model id grammar (catalog/model-id.ts). Checked before the id is resolved,
 * so nothing else ever sees an id that could change an upstream URL or a header.
 */
export function checkModelId(id: string): void {
  const problem = modelIdProblem(id)
  if (problem === null) return
  throw new ApiError(
    400,
    `Invalid 'model': ${problem}. A model id (a route name, provider/model, or a model id) is ${MODEL_ID_RULE}.`,
    'invalid_value',
    'model',
  )
}

/** The `x-headroom-priority` header (`high`, `normal`, `low`; any case), undefined when not sent, else a 400. */
export function priorityHeader(header: string | string[] | undefined): Priority | undefined {
  if (header === undefined) return undefined
  const v = String(header).trim().toLowerCase()
  if ((PRIORITIES as readonly string[]).includes(v)) return v as Priority
  throw new ApiError(
    400,
    `Invalid x-headroom-priority "${String(header)}": use high, normal or low.`,
    'invalid_value',
    'x-headroom-priority',
  )
}
