/**
 * How OpenAI words a 400 about a field: the parameter's path, what a value is, a list of values. Shared by
 * the OpenAI-shaped ingresses (server/validate.ts holds the chat endpoint's copy until it moves here).
 * Reference: https://platform.openai.com/docs/guides/error-codes
 */

/** `input[0].content[1].text`, as OpenAI writes a parameter's path. */
export function paramName(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}

/** What a JSON value is, as OpenAI says it in "but got … instead". */
export function received(input: unknown): string {
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'an array'
  if (typeof input === 'number') return Number.isInteger(input) ? 'an integer' : 'a decimal number'
  if (typeof input === 'boolean') return 'a boolean'
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`
}

/** A client's value in a message: bounded, since it may be anything up to the body limit. */
export function quoted(value: unknown): string {
  const s = String(value)
  return `'${s.length > 256 ? `${s.slice(0, 253)}...` : s}'`
}

/** `'a', 'b', and 'c'`: OpenAI's list of supported values. */
export function supported(values: readonly unknown[]): string {
  const q = values.map((v) => `'${String(v)}'`)
  return q.length <= 2 ? q.join(' and ') : `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`
}

/** `an integer`, `a string`. */
export const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)
