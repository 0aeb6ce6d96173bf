/**
 * A deterministic value for a JSON Schema (OpenAI `parameters`, Anthropic `input_schema`,
 * `json_schema.schema`) or a Gemini OpenAPI-style schema (`type: "OBJECT"`). Covers what tool and
 * response schemas use: type (or a list of types), enum, const, properties/required, items,
 * min/max bounds, string formats, anyOf/oneOf/allOf and local `$ref`s.
 */
import { word } from './vocab.ts'

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

const MAX_DEPTH = 6

export function valueFromSchema(schema: unknown, r: () => number): unknown {
  return gen(schema, r, schema, 0)
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#')) return {}
  let cur: unknown = root
  for (const part of ref.slice(1).split('/')) {
    if (part === '') continue
    if (!isObj(cur)) return {}
    cur = cur[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return cur
}

function typeOf(s: Obj): string | undefined {
  const t = s['type']
  if (typeof t === 'string') return t.toLowerCase()
  if (Array.isArray(t)) {
    const first = t.find((x) => typeof x === 'string' && x.toLowerCase() !== 'null')
    return typeof first === 'string' ? first.toLowerCase() : 'null'
  }
  if (isObj(s['properties'])) return 'object'
  if (s['items'] !== undefined) return 'array'
  return undefined
}

function gen(schema: unknown, r: () => number, root: unknown, depth: number): unknown {
  if (!isObj(schema)) return {}
  if (typeof schema['$ref'] === 'string') {
    return depth > MAX_DEPTH ? {} : gen(resolveRef(schema['$ref'], root), r, root, depth + 1)
  }
  if ('const' in schema) return schema['const']
  const en = schema['enum']
  if (Array.isArray(en) && en.length > 0) return en[Math.floor(r() * en.length)]
  for (const k of ['anyOf', 'oneOf'] as const) {
    const alts = schema[k]
    if (Array.isArray(alts) && alts.length > 0) {
      const pick = alts.find((a) => !(isObj(a) && a['type'] === 'null')) ?? alts[0]
      return gen(pick, r, root, depth + 1)
    }
  }
  if (Array.isArray(schema['allOf'])) {
    const merged: Obj = {}
    for (const part of schema['allOf']) {
      const v = gen(part, r, root, depth + 1)
      if (isObj(v)) Object.assign(merged, v)
    }
    return merged
  }
  switch (typeOf(schema)) {
    case 'object':
      return genObject(schema, r, root, depth)
    case 'array':
      return genArray(schema, r, root, depth)
    case 'string':
      return genString(schema, r)
    case 'integer':
      return genNumber(schema, r, true)
    case 'number':
      return genNumber(schema, r, false)
    case 'boolean':
      return r() < 0.5
    case 'null':
      return null
    default:
      return word(r)
  }
}

function genObject(s: Obj, r: () => number, root: unknown, depth: number): Obj {
  const out: Obj = {}
  const props = isObj(s['properties']) ? s['properties'] : {}
  const required = Array.isArray(s['required']) ? s['required'].filter((x): x is string => typeof x === 'string') : []
  // All properties while shallow, only the required ones deeper down (keeps recursive schemas finite).
  const names = depth < MAX_DEPTH ? Object.keys(props) : required
  for (const name of names) out[name] = gen(props[name] ?? {}, r, root, depth + 1)
  for (const name of required) if (!(name in out)) out[name] = word(r)
  return out
}

function genArray(s: Obj, r: () => number, root: unknown, depth: number): unknown[] {
  const min = typeof s['minItems'] === 'number' ? s['minItems'] : 1
  const max = typeof s['maxItems'] === 'number' ? s['maxItems'] : Math.max(min, 1)
  const n = depth >= MAX_DEPTH ? min : Math.min(Math.max(min, 1), max)
  const items = Array.isArray(s['prefixItems']) ? s['prefixItems'] : null
  const out: unknown[] = []
  for (let i = 0; i < n; i++) out.push(gen(items ? items[i] : s['items'], r, root, depth + 1))
  return out
}

const FORMATS: Record<string, string> = {
  'date-time': '2025-01-01T12:00:00Z',
  date: '2025-01-01',
  time: '12:00:00',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '123e4567-e89b-42d3-a456-426614174000',
}

function genString(s: Obj, r: () => number): string {
  const format = typeof s['format'] === 'string' ? FORMATS[s['format']] : undefined
  let v = format ?? word(r)
  const min = typeof s['minLength'] === 'number' ? s['minLength'] : 0
  const max = typeof s['maxLength'] === 'number' ? s['maxLength'] : Infinity
  while (v.length < min) v += ` ${word(r)}`
  return v.length > max ? v.slice(0, max) : v
}

function genNumber(s: Obj, r: () => number, integer: boolean): number {
  const num = (k: string): number | undefined => (typeof s[k] === 'number' ? (s[k] as number) : undefined)
  const exMin = num('exclusiveMinimum')
  const exMax = num('exclusiveMaximum')
  let lo = num('minimum') ?? (exMin !== undefined ? exMin + (integer ? 1 : 0.01) : undefined)
  let hi = num('maximum') ?? (exMax !== undefined ? exMax - (integer ? 1 : 0.01) : undefined)
  if (lo === undefined && hi === undefined) lo = 1
  if (lo === undefined) lo = (hi as number) - 100
  if (hi === undefined) hi = lo + 100
  if (integer) {
    lo = Math.ceil(lo)
    hi = Math.floor(hi)
    return hi < lo ? lo : lo + Math.floor(r() * (hi - lo + 1))
  }
  return Math.round((lo + r() * (hi - lo)) * 100) / 100
}
