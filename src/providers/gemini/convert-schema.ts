/**
 * JSON Schema (what OpenAI clients send in `tools[].function.parameters` and `response_format`) →
 * Gemini's Schema, "a select subset of an OpenAPI 3.0 schema object"
 * (https://ai.google.dev/api/caching#Schema). Pure. Three outcomes per keyword:
 * - translated: the subset Gemini has; `type: [T, "null"]`, `anyOf/oneOf` with a null branch and
 *   `enum`/`const` null → `nullable`; a single-branch `anyOf`/`allOf` is inlined; string `const` → `enum`;
 *   local `$ref`s (`#/$defs/…`, `#/definitions/…`, which zod and Pydantic emit) are inlined.
 * - stripped silently: annotations that never change which values are valid (`$schema`, `$id`,
 *   `$comment`, `examples`, `default`, `readOnly`, `deprecated`, `strict`, `x-…`),
 *   `format`s Gemini does not know (an annotation in JSON Schema 2019-09+), and
 *   `additionalProperties: false` (Gemini only ever fills the declared properties).
 * - reported in `dropped`: constraints Gemini cannot express (`uniqueItems`, `multipleOf`,
 *   `exclusiveMinimum`, `patternProperties`, non-string `enum`, `oneOf` sent as `anyOf`, …). The model
 *   then sees a looser schema; the caller turns `dropped` into a warning.
 * What cannot be sent at all (a recursive or remote `$ref`, `allOf` of several schemas, the `false`
 * schema, type `null` alone) throws SchemaError, which the caller reports as a 400.
 */
import type { GeminiSchema, GeminiSchemaType } from './gemini-types.ts'

export class SchemaError extends Error {
  override readonly name = 'SchemaError'
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${message} (at ${path})`)
  }
}

export interface SchemaConversion {
  schema: GeminiSchema
  /** `keyword at path` for every constraint that was dropped. */
  dropped: string[]
}

const TYPES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object'])
const FORMATS: Readonly<Record<string, ReadonlySet<string>>> = {
  string: new Set(['enum', 'date-time']),
  number: new Set(['float', 'double']),
  integer: new Set(['int32', 'int64']),
}
const ANNOTATIONS: ReadonlySet<string> = new Set([
  '$schema',
  '$id',
  '$comment',
  '$anchor',
  '$defs',
  'definitions',
  'examples',
  'example',
  'default',
  'readOnly',
  'writeOnly',
  'deprecated',
  'strict',
  'contentEncoding',
  'contentMediaType',
  'format',
])
const NUMBERS = [
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minProperties',
  'maxProperties',
  'minimum',
  'maximum',
] as const
/** Keywords read by `convert` itself; anything else that is not an annotation is reported. */
const HANDLED: ReadonlySet<string> = new Set([
  ...NUMBERS,
  '$ref',
  'allOf',
  'anyOf',
  'oneOf',
  'type',
  'title',
  'description',
  'nullable',
  'enum',
  'const',
  'items',
  'properties',
  'required',
  'propertyOrdering',
  'additionalProperties',
  'pattern',
])
/** Inlining `$ref`s can grow a schema exponentially; past this many nodes it is refused. */
const MAX_NODES = 5_000

type Json = Record<string, unknown>

function record(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined
}

export function toGeminiSchema(root: Json): SchemaConversion {
  const c = new Converter(root)
  const schema = c.convert(root, '#', [])
  return { schema, dropped: [...c.dropped] }
}

class Converter {
  readonly dropped = new Set<string>()
  private nodes = 0

  constructor(private readonly root: Json) {}

  convert(node: unknown, path: string, refs: readonly string[]): GeminiSchema {
    if (++this.nodes > MAX_NODES)
      throw new SchemaError(path, `schema has more than ${MAX_NODES} nodes once $refs are inlined`)
    if (node === true) return {}
    if (node === false) throw new SchemaError(path, 'the `false` schema (no value allowed) has no Gemini equivalent')
    const rec = record(node)
    if (!rec) throw new SchemaError(path, 'a schema must be an object')

    const ref = rec['$ref']
    if (ref !== undefined) {
      if (typeof ref !== 'string') throw new SchemaError(path, '$ref must be a string')
      if (refs.includes(ref))
        throw new SchemaError(path, `recursive $ref "${ref}" cannot be expressed in Gemini's schema`)
      const { $ref: _r, ...siblings } = rec
      return this.convert({ ...this.resolve(ref, path), ...siblings }, path, [...refs, ref])
    }
    const allOf = rec['allOf']
    if (allOf !== undefined) {
      if (!Array.isArray(allOf) || allOf.length !== 1)
        throw new SchemaError(path, 'allOf with several schemas has no Gemini equivalent')
      const { allOf: _a, ...rest } = rec
      return this.convert({ ...record(allOf[0]), ...rest }, path, refs)
    }

    const out: GeminiSchema = {}
    let nullable = rec['nullable'] === true
    const variants = rec['anyOf'] ?? rec['oneOf']
    if (variants !== undefined) {
      const key = rec['anyOf'] !== undefined ? 'anyOf' : 'oneOf'
      if (!Array.isArray(variants)) throw new SchemaError(path, `${key} must be an array`)
      if (key === 'oneOf') this.drop('oneOf (sent as anyOf)', path)
      const kept = variants.filter((v) => record(v)?.['type'] !== 'null')
      if (kept.length < variants.length) nullable = true
      const branches = kept.map((v, i) => this.convert(v, `${path}/${key}/${i}`, refs))
      if (branches.length === 1) Object.assign(out, branches[0])
      else if (branches.length > 1) out.anyOf = branches
    }

    const type = rec['type']
    if (type !== undefined) {
      const names = Array.isArray(type) ? type : [type]
      if (names.includes('null')) nullable = true
      const real = names.filter((t) => t !== 'null')
      for (const t of real)
        if (typeof t !== 'string' || !TYPES.has(t)) throw new SchemaError(path, `unknown type ${JSON.stringify(t)}`)
      if (real.length === 0 && out.anyOf === undefined && out.type === undefined)
        throw new SchemaError(path, 'type "null" alone has no Gemini equivalent')
      if (real.length === 1) out.type = real[0] as GeminiSchemaType
      else if (real.length > 1) out.anyOf = real.map((t) => ({ type: t as GeminiSchemaType }))
    }
    if (typeof rec['title'] === 'string') out.title = rec['title']
    if (typeof rec['description'] === 'string') out.description = rec['description']

    nullable = this.values(rec, out, path) || nullable
    const format = rec['format']
    if (typeof format === 'string' && out.type && FORMATS[out.type]?.has(format)) out.format = format

    const items = rec['items']
    if (record(items) || typeof items === 'boolean') out.items = this.convert(items, `${path}/items`, refs)
    else if (items !== undefined) this.drop('items (tuple form)', path)

    const props = record(rec['properties'])
    if (props && Object.keys(props).length > 0) {
      out.properties = {}
      for (const [name, sub] of Object.entries(props))
        out.properties[name] = this.convert(sub, `${path}/properties/${name}`, refs)
    }
    const required = stringArray(rec['required'])
    if (required && required.length > 0) out.required = required
    const ordering = stringArray(rec['propertyOrdering'])
    if (ordering) out.propertyOrdering = ordering
    const additional = rec['additionalProperties']
    if (additional !== undefined && additional !== false) this.drop('additionalProperties', path)

    for (const k of NUMBERS) {
      const v = rec[k]
      if (typeof v === 'number') out[k] = v
    }
    if (typeof rec['pattern'] === 'string') out.pattern = rec['pattern']
    if (nullable) out.nullable = true

    for (const k of Object.keys(rec)) {
      if (!HANDLED.has(k) && !ANNOTATIONS.has(k) && !k.startsWith('x-')) this.drop(k, path)
    }
    return out
  }

  /** `enum` and `const`: Gemini's enum holds strings only. Returns whether null was among the values. */
  private values(rec: Json, out: GeminiSchema, path: string): boolean {
    let raw: unknown[] | undefined
    if (Array.isArray(rec['enum'])) raw = rec['enum']
    else if (Object.hasOwn(rec, 'const')) raw = [rec['const']]
    if (!raw) return false
    const hasNull = raw.includes(null)
    const rest = raw.filter((v) => v !== null)
    if (rest.length > 0 && rest.every((v): v is string => typeof v === 'string')) {
      out.enum = rest
      out.type ??= 'string'
    } else if (rest.length > 0) {
      this.drop(Array.isArray(rec['enum']) ? 'enum (non-string values)' : 'const (non-string value)', path)
    }
    return hasNull
  }

  private drop(what: string, path: string): void {
    this.dropped.add(`${what} at ${path}`)
  }

  /** A local JSON Pointer (`#/$defs/Item`) into the root schema. */
  private resolve(ref: string, path: string): Json {
    if (!ref.startsWith('#')) throw new SchemaError(path, `only local $refs can be inlined, not "${ref}"`)
    let node: unknown = this.root
    const pointer = ref.slice(1)
    if (pointer !== '') {
      for (const raw of pointer.replace(/^\//, '').split('/')) {
        const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
        node = record(node)?.[key]
      }
    }
    const target = record(node)
    if (!target) throw new SchemaError(path, `$ref "${ref}" points at nothing`)
    return target
  }
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s): s is string => typeof s === 'string') ? [...v] : undefined
}
