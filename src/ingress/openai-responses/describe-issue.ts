/**
 * A zod issue from the Responses body schema → the 400 OpenAI answers for it, in its words, `param` and
 * `code` ("Missing required parameter: 'model'.", "Invalid 'max_output_tokens': integer below minimum
 * value. Expected a value >= 16, but got 10 instead.").
 *
 * The chat endpoint's validation (server/validate.ts) words the same issues for `messages`; this is the
 * smaller set the Responses schema raises, for paths under `input`, `tools` and `text`.
 */
import type { z } from 'zod'
import { ApiError } from '../../lib/api-error.ts'
import { article, paramName, quoted, received, supported } from '../openai-wording.ts'

type Issue = z.core.$ZodIssue

/** Marks a range issue as an integer's (zod says `number` for both): OpenAI words the two apart. */
export const INTEGER = 'integer'

const TYPE_NAMES: Readonly<Record<string, string>> = { number: 'decimal', int: 'integer', record: 'object' }

function typeError(param: string, expected: string, input: unknown): ApiError {
  const message = `Invalid type for '${param}': expected ${expected}, but got ${received(input)} instead.`
  return new ApiError(400, message, 'invalid_type', param)
}

/** A union every branch of which failed on the value's type: "expected one of a string or an array". */
function unionTypeError(issue: Issue & { code: 'invalid_union' }, param: string): ApiError | null {
  const expected: string[] = []
  for (const branch of issue.errors) {
    const first = branch[0]
    if (branch.length !== 1 || first?.code !== 'invalid_type' || first.path.length > 0) return null
    expected.push(article(TYPE_NAMES[first.expected] ?? first.expected))
  }
  return typeError(param, `one of ${expected.join(' or ')}`, issue.input)
}

function outOfRange(issue: Issue & { code: 'too_small' | 'too_big' }, param: string): ApiError {
  const low = issue.code === 'too_small'
  const limit = String(low ? issue.minimum : issue.maximum)
  if (issue.origin === 'string' || issue.origin === 'array') {
    const what = issue.origin
    const length = (issue.input as { length?: number } | undefined)?.length ?? 0
    const bound = `${low ? 'minimum' : 'maximum'} length ${limit}`
    const got = length === 0 ? `an empty ${what}` : `${article(what)} with length ${length}`
    const problem = length === 0 ? `empty ${what}` : `${what} too ${low ? 'short' : 'long'}`
    const message = `Invalid '${param}': ${problem}. Expected ${article(what)} with ${bound}, but got ${got} instead.`
    const code = length === 0 ? `empty_${what}` : `${what}_${low ? 'below_min' : 'above_max'}_length`
    return new ApiError(400, message, code, param)
  }
  const kind = issue.message === INTEGER ? 'integer' : 'decimal'
  const where = low ? 'below minimum' : 'above maximum'
  const expected = `Expected a value ${low ? '>=' : '<='} ${limit}, but got ${String(issue.input)} instead.`
  const message = `Invalid '${param}': ${kind} ${where} value. ${expected}`
  return new ApiError(400, message, `${kind}_${low ? 'below_min' : 'above_max'}_value`, param)
}

/** The 400 for `issue`, its path under `prefix` (the item a per-item schema was checking). */
function describeIssue(issue: Issue, prefix: ReadonlyArray<PropertyKey> = []): ApiError {
  const param = paramName([...prefix, ...issue.path])
  switch (issue.code) {
    case 'invalid_type':
      // With reportInput on, a missing field is the only invalid_type issue without an `input`.
      if (issue.input === undefined) return missing(param)
      return typeError(param, article(TYPE_NAMES[issue.expected] ?? issue.expected), issue.input)
    case 'invalid_value':
      if (typeof issue.input !== 'string' && issue.values.every((v) => typeof v === 'string')) {
        return typeError(param, 'a string', issue.input)
      }
      return notSupported(param, issue.input, issue.values)
    case 'invalid_union': {
      // A discriminated union (content parts, text formats by `type`) whose `type` matched no branch.
      if ('discriminator' in issue) {
        const d = issue as Issue & { discriminator: string; options?: unknown[] }
        const value = (issue.input as Record<string, unknown> | undefined)?.[d.discriminator]
        // The issue's path ends at the discriminator already; its input is the object.
        const at = param
        if (value === undefined) return missing(at)
        if (typeof value !== 'string') return typeError(at, 'a string', value)
        return notSupported(at, value, d.options ?? [])
      }
      if (issue.input === undefined) return missing(param)
      const typed = unionTypeError(issue, param)
      if (typed) return typed
      // The branch that got furthest explains best what the client meant.
      const depth = (b: Issue[]) => Math.max(0, ...b.map((i) => i.path.length))
      const inner = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a))[0]
      return inner ? describeIssue(inner, [...prefix, ...issue.path]) : invalidValue(param, issue.message)
    }
    case 'too_small':
    case 'too_big':
      return outOfRange(issue, param)
    case 'invalid_format':
      if (issue.format === 'regex') {
        const pattern = (issue as { pattern?: string }).pattern?.replace(/^\/|\/[a-z]*$/g, '')
        const expected = `Expected a string that matches the pattern '${pattern}'.`
        const message = `Invalid '${param}': string does not match pattern. ${expected}`
        return new ApiError(400, message, 'invalid_value', param)
      }
      return invalidValue(param, issue.message)
    default:
      return invalidValue(param, issue.message)
  }
}

export function missing(param: string): ApiError {
  return new ApiError(400, `Missing required parameter: '${param}'.`, 'missing_required_parameter', param)
}

function notSupported(param: string, value: unknown, values: readonly unknown[]): ApiError {
  const message = `Invalid value: ${quoted(value)}. Supported values are: ${supported(values)}.`
  return new ApiError(400, message, 'invalid_value', param)
}

function invalidValue(param: string, message: string): ApiError {
  return new ApiError(400, `Invalid value for '${param}': ${message}.`, 'invalid_value', param)
}

/** `value` parsed with `schema`, or the 400 for its first issue, named under `at`. */
export function parseAt<T extends z.ZodType>(schema: T, value: unknown, at: ReadonlyArray<PropertyKey>): z.output<T> {
  const r = schema.safeParse(value, { reportInput: true })
  if (!r.success) throw describeIssue(r.error.issues[0]!, at)
  return r.data
}

/**
 * A 400 for something the Responses API takes but Headroom cannot translate to chat completions,
 * worded `<param> is not supported: <why>` and naming the parameter.
 */
export function unsupported(param: string, why: string, code = 'unsupported_parameter'): ApiError {
  return new ApiError(400, `${param} is not supported: ${why}`, code, param)
}
