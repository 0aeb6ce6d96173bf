/**
 * The one grammar for model ids, route names and route targets. A model id reaches headers, logs, the
 * spend table and — for Gemini — an upstream URL path, so it is checked before anything resolves it:
 * at most 256 characters, segments separated by `/`, each segment letters, digits, `.`, `_`, `-` and `:`,
 * not empty and not starting with `.` (so never `.` or `..`, the steps a URL resolves). Several segments
 * stay legal after the provider: OpenAI-compatible servers name models `meta-llama/Llama-3.1-8B`, and
 * those go in the request body, never in a URL.
 */

const MODEL_ID_MAX_LENGTH = 256

const SEGMENT = '[A-Za-z0-9_:-][A-Za-z0-9._:-]*'
const SEGMENT_RE = new RegExp(`^${SEGMENT}$`)
// No backtracking: every repetition starts with a `/`, which no segment contains.
const MODEL_ID_RE = new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`)
const ALLOWED_CHAR = /[A-Za-z0-9._:/-]/

/** What a model id may be, for error messages. */
export const MODEL_ID_RULE =
  'at most 256 characters: letters, digits, ".", "_", "-" and ":", in segments separated by "/" (no empty segment, none starting with ".")'

/** A route name or a provider name: one segment of a model id. */
export function isIdSegment(s: string): boolean {
  return s.length <= MODEL_ID_MAX_LENGTH && SEGMENT_RE.test(s)
}

export function isModelId(id: string): boolean {
  return id.length <= MODEL_ID_MAX_LENGTH && MODEL_ID_RE.test(id)
}

/** A character as an error message may show it: itself if printable ASCII, else its code point. */
function describeChar(c: string): string {
  const code = c.codePointAt(0)!
  return code >= 0x21 && code <= 0x7e ? `"${c}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Why an id is not a model id, in a few words (null when it is one). Never echoes the id itself. */
export function modelIdProblem(id: string): string | null {
  if (isModelId(id)) return null
  if (id.length === 0) return 'it is empty'
  if (id.length > MODEL_ID_MAX_LENGTH) return `it is ${id.length} characters long`
  for (const c of id) if (!ALLOWED_CHAR.test(c)) return `it contains ${describeChar(c)}`
  if (id.split('/').some((s) => s === '')) return 'it has an empty segment (a leading, trailing or doubled "/")'
  return 'a segment starts with "."'
}
