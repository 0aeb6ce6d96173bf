/**
 * A zod validation failure → the message Anthropic gives for the same mistake: the field's dotted path,
 * then pydantic's wording (`max_tokens: Field required`, `messages.0.content: Input should be a valid
 * list`, `temperature: Input should be less than or equal to 1`). Like Anthropic, one issue is named: the
 * first. https://docs.anthropic.com/en/api/errors
 */
import type { z } from 'zod'

type Issue = z.core.$ZodIssue

interface Invalid {
  /** The dotted path of the field (`messages.0.content`); null for the body itself. */
  param: string | null
  message: string
}

export function validationMessage(error: z.ZodError): Invalid {
  const issue = error.issues[0]
  return issue ? describe(issue, []) : { param: null, message: 'Invalid request body' }
}

function describe(issue: Issue, base: readonly PropertyKey[]): Invalid {
  const path = [...base, ...issue.path]
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The alternative that got furthest into the input is the one the client meant: for a content array
    // with one bad block, the array's error, not "Input should be a valid string".
    const inner = issue.errors
      .map((branch) => branch[0])
      .filter((i): i is Issue => i !== undefined)
      .reduce((best, i) => (i.path.length > best.path.length ? i : best))
    return describe(inner, path)
  }
  const where = path.map(String).join('.')
  const what = wording(issue)
  return where === '' ? { param: null, message: what } : { param: where, message: `${where}: ${what}` }
}

const KIND: Readonly<Record<string, string>> = {
  string: 'a valid string',
  number: 'a valid number',
  int: 'a valid integer',
  boolean: 'a valid boolean',
  array: 'a valid list',
  object: 'a valid dictionary',
  record: 'a valid dictionary',
}

function wording(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'Field required'
      return `Input should be ${KIND[issue.expected] ?? `a valid ${issue.expected}`}`
    case 'invalid_union': {
      // zod's "no matching discriminator": pydantic names the tag it found and the ones it knows.
      const key = issue.discriminator
      const input: unknown = issue.input
      if (key === undefined || typeof input !== 'object' || input === null) return 'Input is not a valid option'
      const tag: unknown = (input as Record<string, unknown>)[key]
      if (tag === undefined) return 'Field required'
      const options = 'options' in issue ? (issue.options ?? []) : []
      const expected = options.map((o) => `'${String(o)}'`).join(', ')
      return `Input tag '${String(tag)}' found using '${key}' does not match any of the expected tags: ${expected}`
    }
    case 'invalid_value':
      return `Input should be ${alternatives(issue.values.map((v) => `'${String(v)}'`))}`
    case 'too_small':
      if (issue.origin === 'string') return `String should have at least ${issue.minimum} characters`
      if (issue.origin === 'array') return `List should have at least ${issue.minimum} items`
      return `Input should be greater than ${issue.inclusive ? 'or equal to ' : ''}${issue.minimum}`
    case 'too_big':
      if (issue.origin === 'string') return `String should have at most ${issue.maximum} characters`
      if (issue.origin === 'array') return `List should have at most ${issue.maximum} items`
      return `Input should be less than ${issue.inclusive ? 'or equal to ' : ''}${issue.maximum}`
    default:
      return issue.message
  }
}

/** `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`: pydantic's list of allowed values. */
function alternatives(values: string[]): string {
  if (values.length <= 1) return values.join('')
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`
}
