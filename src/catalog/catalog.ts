/**
 * The model catalog: price, context window and capabilities per model, from the built-in table
 * (builtin-models.ts) and the `models:` overrides in routes.yaml.
 *
 * Lookup (see `Catalog.lookup`): the entry is built in layers, each overriding the one below field
 * by field — the built-in entry of the provider's family, then a bare-model-id override, then a
 * `provider/model` override. The family is the provider type's (its descriptor says which: `openai` and
 * `openai-compatible` read the OpenAI rows); rows come from the built-in table and from descriptors.
 *
 * Alias rule (`canonicalModelId`), applied to built-ins and to override keys alike: the exact id
 * wins; otherwise one trailing date or version suffix is stripped and the rest looked up —
 *   `-YYYYMMDD`      claude-sonnet-4-5-20250929 → claude-sonnet-4-5
 *   `-YYYY-MM-DD`    gpt-4o-2024-08-06 → gpt-4o, gpt-4.1-mini-2025-04-14 → gpt-4.1-mini
 *   `-NNN`           gemini-2.0-flash-001 → gemini-2.0-flash (Gemini's stable versions)
 *   `-latest`        claude-3-5-haiku-latest → claude-3-5-haiku
 * Nothing else is stripped. A `-preview` is a model of its own, often priced unlike the GA model: it
 * has its own row when its price is published (gemini-2.5-flash-preview-09-2025), else it is unpriced
 * (gemini-2.5-pro-preview). The same holds for `-exp` and for 4-digit suffixes (gpt-3.5-turbo-0125 has
 * its own row). An unpriced model costs $0 in the spend table, is named in the start-up warning and by
 * `headroom check`, and is refused under a budget until `models:` gives it a price.
 * Only one suffix is stripped. A dated snapshot priced unlike its alias gets its own exact row
 * (`gpt-4o-2024-05-13`), and then neither the alias entry nor overrides of the alias apply to it.
 * Override keys resolve the same way: an override of `claude-sonnet-4-5` (or of
 * `anthropic/claude-sonnet-4-5`) also prices `claude-sonnet-4-5-20250929`, unless the dated id has an
 * override of its own.
 *
 * A model that is not built in (a local `my-vllm/llama-3.1-8b`) needs `input` and `output` prices in
 * its override. What it does not say is unknown: context and max output are +Infinity (the planner
 * cannot filter on them; the upstream rejects what is too long), and capabilities are assumed present
 * (as for a model the catalog doesn't know at all: the upstream says no if it can't), until the
 * override says e.g. `vision: false` — then requests with images skip it, visibly.
 *
 * Each entry has a `kind`: `embedding` for the built-in embedding models (priced per input token, output
 * 0) and for those routes.yaml declares with `kind: embedding` (output price 0 unless given), `chat` for
 * every other model.
 */
import { Lru } from '../lib/lru.ts'
import { BUILTIN_MODELS, type BuiltinModel } from './builtin-models.ts'
import { priceToDecimal } from './price.ts'
import type {
  Catalog,
  EmbeddingSpec,
  ModelCapabilities,
  ModelFamily,
  ModelInfo,
  ModelKind,
  ModelPrice,
} from './types.ts'

/** One entry of routes.yaml `models:`. Prices are USD per 1M tokens. */
export interface CatalogOverride {
  /** `provider/model` (a provider instance name from routes.yaml) or a bare model id. */
  key: string
  kind?: ModelKind
  input?: string | number
  output?: string | number
  cached_input?: string | number
  cache_write?: string | number
  context?: number
  max_output?: number
  tools?: boolean
  vision?: boolean
  json_schema?: boolean
}

/** An override routes.yaml cannot mean: the message names the key and the field. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError'
}

/** Resolved lookups kept (least recently used out): ids come from clients, so the cache is bounded. */
const LOOKUP_CACHE_SIZE = 1024
/** Longer ids are not aliased (no real model id comes close); bounds the suffix match. */
const MAX_ALIAS_ID_LENGTH = 200
const VERSION_SUFFIX = /-(?:\d{8}|\d{4}-\d{2}-\d{2}|\d{3}|latest)$/

/** `id` without its version suffix (see the alias rule above), or null when it has none. */
export function canonicalModelId(id: string): string | null {
  if (id.length > MAX_ALIAS_ID_LENGTH) return null
  const m = VERSION_SUFFIX.exec(id)
  return m && m.index > 0 ? id.slice(0, m.index) : null
}

/** An override with its prices checked and turned into decimal strings. */
interface Layer {
  input?: string
  output?: string
  cachedInput?: string
  cacheWrite?: string
  context?: number
  maxOutput?: number
  tools?: boolean
  vision?: boolean
  jsonSchema?: boolean
  /** Built-ins only: routes.yaml does not set it. */
  reasoning?: boolean
  /** From the built-in table, or from routes.yaml for a model it declares an embedding model. */
  kind?: ModelKind
  /** Built-ins only, like `reasoning`. */
  embedding?: EmbeddingSpec
}

/** What the providers add to the catalog (the config passes them down: the catalog imports no provider). */
export interface CatalogOptions {
  /** Rows beyond the built-in table: those that providers' descriptors bring. */
  rows?: readonly BuiltinModel[]
  /** The family a bare model id belongs to, by the providers' model-id patterns; null when none does. */
  familyOfModelId?: (model: string) => ModelFamily | null
}

const NO_ROWS: ReadonlyMap<string, BuiltinModel> = new Map()

export function createCatalog(overrides: readonly CatalogOverride[] = [], options: CatalogOptions = {}): Catalog {
  const builtins = new Map<ModelFamily, Map<string, BuiltinModel>>()
  for (const m of [...BUILTIN_MODELS, ...(options.rows ?? [])]) {
    let table = builtins.get(m.family)
    if (!table) builtins.set(m.family, (table = new Map()))
    table.set(m.id, m)
  }

  const byKey = new Map<string, Layer>()
  for (const o of overrides) {
    if (byKey.has(o.key)) throw new CatalogError(`models: "${o.key}" is listed twice`)
    byKey.set(o.key, toLayer(o))
  }
  for (const [key, layer] of byKey) requirePrices(key, layer, builtins, byKey)

  const resolve = (family: ModelFamily, provider: string, model: string): ModelInfo | null => {
    const table = builtins.get(family) ?? NO_ROWS
    // An exact built-in row is the model's identity; only ids without one are aliased, so an
    // override of `gpt-4o` does not reprice the separately listed `gpt-4o-2024-05-13`.
    const exact = table.get(model)
    const canonical = exact ? null : canonicalModelId(model)
    const base = exact ?? (canonical === null ? undefined : table.get(canonical))
    const ids = canonical === null ? [model] : [model, canonical]
    const first = (keys: readonly string[]): Layer | undefined => {
      for (const k of keys) {
        const layer = byKey.get(k)
        if (layer) return layer
      }
      return undefined
    }
    const bare = first(ids)
    const pinned = first(ids.map((id) => `${provider}/${id}`))
    if (!base && !bare && !pinned) return null
    return build(base?.id ?? model, family, [base && fromBuiltin(base), bare, pinned])
  }

  const cache = new Lru<string, ModelInfo | null>(LOOKUP_CACHE_SIZE)
  const entries = listEntries(builtins, byKey, options.familyOfModelId ?? (() => null))

  return {
    lookup({ provider, family, model }) {
      const cacheKey = `${family}\u0000${provider}\u0000${model}`
      const hit = cache.get(cacheKey)
      if (hit !== undefined) return hit
      const info = resolve(family, provider, model)
      cache.set(cacheKey, info)
      return info
    },
    entries: () => entries,
  }
}

function toLayer(o: CatalogOverride): Layer {
  const where = `models: "${o.key}"`
  const slash = o.key.indexOf('/')
  if (o.key.length === 0 || /\s/.test(o.key) || slash === 0 || slash === o.key.length - 1) {
    throw new CatalogError(`${where}: expected "provider/model" or a model id`)
  }
  const price = (field: 'input' | 'output' | 'cached_input' | 'cache_write'): string | undefined => {
    const v = o[field]
    if (v === undefined) return undefined
    try {
      return priceToDecimal(v)
    } catch (err) {
      throw new CatalogError(`${where}: ${field}: ${(err as Error).message}`)
    }
  }
  const count = (field: 'context' | 'max_output'): number | undefined => {
    const v = o[field]
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0))
      throw new CatalogError(`${where}: ${field} must be a positive integer (tokens), got ${v}`)
    return v
  }
  return {
    input: price('input'),
    output: price('output'),
    cachedInput: price('cached_input'),
    cacheWrite: price('cache_write'),
    context: count('context'),
    maxOutput: count('max_output'),
    tools: o.tools,
    vision: o.vision,
    jsonSchema: o.json_schema,
    kind: o.kind,
    // An embedding model writes nothing: its output price is 0 unless the override says otherwise.
    ...(o.kind === 'embedding' && o.output === undefined ? { output: '0' } : {}),
  }
}

/**
 * A model nobody prices is a config error, reported at load rather than as a target that silently
 * never gets a cost. Checked against every family, since which one applies depends on the provider
 * type, which routes.yaml resolves elsewhere.
 */
function requirePrices(
  key: string,
  layer: Layer,
  builtins: Map<ModelFamily, Map<string, BuiltinModel>>,
  byKey: Map<string, Layer>,
): void {
  if (layer.input !== undefined && layer.output !== undefined) return
  const slash = key.indexOf('/')
  const model = slash < 0 ? key : key.slice(slash + 1)
  const ids = [model, canonicalModelId(model)]
  for (const table of builtins.values()) if (ids.some((id) => id !== null && table.has(id))) return
  const bare = slash < 0 ? undefined : (byKey.get(model) ?? byKey.get(ids[1] ?? ''))
  if (bare && (bare.input ?? layer.input) !== undefined && (bare.output ?? layer.output) !== undefined) return
  throw new CatalogError(
    `models: "${key}": not a built-in model, so "input" and "output" prices (USD per 1M tokens) are required`,
  )
}

function fromBuiltin(m: BuiltinModel): Layer {
  const { input, output, cachedInput, cacheWrite, context, maxOutput, tools, vision, jsonSchema, reasoning } = m
  const layer: Layer = { input, output, cachedInput, cacheWrite, context, maxOutput, tools, vision, jsonSchema }
  return { ...layer, reasoning, kind: m.embedding ? 'embedding' : 'chat', embedding: m.embedding }
}

/** Merges layers (later wins, field by field) into a frozen ModelInfo; null when no layer prices it. */
function build(id: string, family: ModelFamily, layers: ReadonlyArray<Layer | undefined>): ModelInfo | null {
  const pick = <K extends keyof Layer>(k: K): Layer[K] => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const v = layers[i]?.[k]
      if (v !== undefined) return v
    }
    return undefined
  }
  const f: Layer = {
    input: pick('input'),
    output: pick('output'),
    cachedInput: pick('cachedInput'),
    cacheWrite: pick('cacheWrite'),
    context: pick('context'),
    maxOutput: pick('maxOutput'),
    tools: pick('tools'),
    vision: pick('vision'),
    jsonSchema: pick('jsonSchema'),
    reasoning: pick('reasoning'),
    kind: pick('kind'),
    embedding: pick('embedding'),
  }
  // Possible only for a `provider/model` override of a model built in under another family.
  if (f.input === undefined || f.output === undefined) return null

  const price: ModelPrice = { input: Number(f.input), output: Number(f.output) }
  if (f.cachedInput !== undefined) price.cachedInput = Number(f.cachedInput)
  if (f.cacheWrite !== undefined) price.cacheWrite = Number(f.cacheWrite)
  const capabilities: ModelCapabilities = {
    tools: f.tools ?? true,
    vision: f.vision ?? true,
    jsonSchema: f.jsonSchema ?? true,
  }
  const priceSource: Record<keyof ModelPrice, string | undefined> = {
    input: f.input,
    output: f.output,
    cachedInput: f.cachedInput,
    cacheWrite: f.cacheWrite,
  }
  const embedding = f.embedding && { embedding: Object.freeze({ ...f.embedding }) }
  return Object.freeze({
    id,
    family,
    kind: f.kind ?? 'chat',
    price: Object.freeze(price),
    context: f.context ?? Number.POSITIVE_INFINITY,
    maxOutput: f.maxOutput ?? Number.POSITIVE_INFINITY,
    capabilities: Object.freeze(capabilities),
    reasoning: f.reasoning ?? false,
    priceSource: Object.freeze(priceSource),
    ...embedding,
  })
}

/**
 * Built-ins with their bare-id overrides applied, then models added by bare-id overrides (family
 * guessed from the id by the providers' patterns, else OpenAI's shape, for listing only: a lookup takes
 * it from the provider). `provider/model` overrides belong to one provider and show only through `lookup`.
 */
function listEntries(
  builtins: Map<ModelFamily, Map<string, BuiltinModel>>,
  byKey: Map<string, Layer>,
  familyOfModelId: (model: string) => ModelFamily | null,
): readonly ModelInfo[] {
  const out: ModelInfo[] = []
  const covered = new Set<string>()
  for (const table of builtins.values()) {
    for (const m of table.values()) {
      const info = build(m.id, m.family, [fromBuiltin(m), byKey.get(m.id)])
      if (info) out.push(info)
      covered.add(m.id)
    }
  }
  for (const [key, layer] of byKey) {
    if (key.includes('/') || covered.has(key) || covered.has(canonicalModelId(key) ?? '')) continue
    const family = familyOfModelId(key) ?? 'openai'
    const info = build(key, family, [layer])
    if (info) out.push(info)
  }
  return Object.freeze(out)
}
