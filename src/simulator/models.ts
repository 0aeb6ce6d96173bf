/**
 * The models each simulated API knows, and the per-model configuration (latency, limits, faults),
 * layered: built-in defaults ← options.defaults ← options.models ← configure() calls, from the least
 * to the most specific (`*|*`, `api|*`, `*|model`, `api|model`).
 */
import { Lru } from '../routing/lru.ts'
import type { Api, SimModelConfig, SimulatorOptions } from './types.ts'

export interface ModelInfo {
  api: Api
  /** The canonical id (an alias such as `claude-sonnet-4-5` or `gpt-4o`). */
  id: string
  /** Every id the API accepts for this model (alias and dated snapshot). */
  ids: readonly string[]
  /** What responses report as `model` / `modelVersion`. */
  responseModel: string
  displayName: string
  created: number
  contextTokens: number
  maxOutputTokens: number
  reasoning: boolean
  /** Shortest prefix that is cached (implicitly for OpenAI/Gemini, at breakpoints for Anthropic); 0 = never. */
  cacheMinTokens: number
  /** Gemini 2.5 Pro cannot turn thinking off (thinkingBudget 0 is a 400). */
  thinkingRequired?: boolean
  /** Claude 4.5 / Opus 4.1 reject temperature and top_p together. */
  exclusiveSampling?: boolean
}

type Row = [id: string, dated: string | null, display: string, created: number, context: number, maxOut: number, reasoning: boolean, cacheMin: number]

const OPENAI: Row[] = [
  ['gpt-4o', 'gpt-4o-2024-08-06', 'GPT-4o', 1715367049, 128_000, 16_384, false, 1024],
  ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'GPT-4o mini', 1721172741, 128_000, 16_384, false, 1024],
  ['gpt-4.1', 'gpt-4.1-2025-04-14', 'GPT-4.1', 1744316542, 1_047_576, 32_768, false, 1024],
  ['gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14', 'GPT-4.1 mini', 1744318173, 1_047_576, 32_768, false, 1024],
  ['gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14', 'GPT-4.1 nano', 1744321707, 1_047_576, 32_768, false, 1024],
  ['o3', 'o3-2025-04-16', 'o3', 1744225308, 200_000, 100_000, true, 1024],
  ['o4-mini', 'o4-mini-2025-04-16', 'o4-mini', 1744225351, 200_000, 100_000, true, 1024],
  ['gpt-5', 'gpt-5-2025-08-07', 'GPT-5', 1754425777, 272_000, 128_000, true, 1024],
  ['gpt-5-mini', 'gpt-5-mini-2025-08-07', 'GPT-5 mini', 1754425867, 272_000, 128_000, true, 1024],
  ['gpt-5-nano', 'gpt-5-nano-2025-08-07', 'GPT-5 nano', 1754426384, 272_000, 128_000, true, 1024],
]

// Minimum cacheable prompt: 1024 tokens, 4096 for Haiku 4.5 (docs.claude.com prompt caching).
const ANTHROPIC: Row[] = [
  ['claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'Claude Haiku 4.5', 1759276800, 200_000, 64_000, false, 4096],
  ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', 1759104000, 200_000, 64_000, false, 1024],
  ['claude-opus-4-1', 'claude-opus-4-1-20250805', 'Claude Opus 4.1', 1754352000, 200_000, 32_000, false, 1024],
]

// Implicit caching exists for the 2.5 models only; 2.0 Flash reports none.
const GEMINI: Row[] = [
  ['gemini-2.5-flash', null, 'Gemini 2.5 Flash', 1750118400, 1_048_576, 65_536, true, 1024],
  ['gemini-2.5-flash-lite', null, 'Gemini 2.5 Flash-Lite', 1750118400, 1_048_576, 65_536, false, 1024],
  ['gemini-2.5-pro', null, 'Gemini 2.5 Pro', 1750118400, 1_048_576, 65_536, true, 1024],
  ['gemini-2.0-flash', null, 'Gemini 2.0 Flash', 1738713600, 1_048_576, 8_192, false, 0],
]

function info(api: Api, r: Row): ModelInfo {
  const [id, dated, displayName, created, contextTokens, maxOutputTokens, reasoning, cacheMinTokens] = r
  const m: ModelInfo = {
    api,
    id,
    ids: dated ? [id, dated] : [id],
    responseModel: dated ?? id,
    displayName,
    created,
    contextTokens,
    maxOutputTokens,
    reasoning,
    cacheMinTokens,
  }
  if (id === 'gemini-2.5-pro') m.thinkingRequired = true
  if (api === 'anthropic') m.exclusiveSampling = true
  return m
}

/** A model only known through options, configure() or a `'*'` wildcard. */
function adHoc(api: Api, id: string): ModelInfo {
  const reasoning = api === 'openai' ? /^(o\d|gpt-5)/.test(id) : api === 'gemini' && /^gemini-(2\.5|[3-9])/.test(id)
  return {
    api,
    id,
    ids: [id],
    responseModel: id,
    displayName: id,
    created: 1735689600,
    contextTokens: 1_000_000,
    maxOutputTokens: 65_536,
    reasoning,
    cacheMinTokens: api === 'gemini' && !reasoning ? 0 : 1024,
  }
}

const BASE: SimModelConfig = { ttftMs: 0, tokenDelayMs: 0, outputTokens: 16 }
/** Wildcard models (and resolved configs) kept at once. */
const MAX_AD_HOC = 10_000

export class ModelRegistry {
  private readonly byId = new Map<string, ModelInfo>()
  private readonly listed: Record<Api, ModelInfo[]> = { openai: [], anthropic: [], gemini: [] }
  private readonly wildcard = new Set<Api>()
  private readonly layers = new Map<string, Partial<SimModelConfig>>()
  /** Models a `'*'` wildcard accepted: ids from clients, so kept least recently used out. */
  private readonly adHocs = new Lru<string, ModelInfo>(MAX_AD_HOC)
  private readonly resolved = new Lru<string, SimModelConfig>(MAX_AD_HOC)
  private readonly defaults: Partial<SimModelConfig>

  constructor(opts: SimulatorOptions) {
    this.defaults = opts.defaults ?? {}
    for (const r of OPENAI) this.add(info('openai', r))
    for (const r of ANTHROPIC) this.add(info('anthropic', r))
    for (const r of GEMINI) this.add(info('gemini', r))
    for (const api of ['openai', 'anthropic', 'gemini'] as const) {
      for (const [id, cfg] of Object.entries(opts.models?.[api] ?? {})) {
        // In the options, the id '*' also means "accept any model id on this API".
        if (id === '*') this.wildcard.add(api)
        this.configure(api, id, cfg)
      }
    }
  }

  private add(m: ModelInfo): void {
    for (const id of m.ids) this.byId.set(`${m.api}|${id}`, m)
    this.listed[m.api].push(m)
  }

  /** The model for an id on an API, or null (→ that API's 404). */
  lookup(api: Api, id: string): ModelInfo | null {
    const m = this.byId.get(`${api}|${id}`)
    if (m) return m
    if (!this.wildcard.has(api) || id === '') return null
    // Not listed: wildcard models are accepted, not advertised.
    const key = `${api}|${id}`
    let made = this.adHocs.get(key)
    if (!made) this.adHocs.set(key, (made = adHoc(api, id)))
    return made
  }

  list(api: Api): readonly ModelInfo[] {
    return this.listed[api]
  }

  /** Merges `cfg` into a layer; an unknown concrete model becomes known. */
  configure(api: Api | '*', model: string, cfg: Partial<SimModelConfig>): void {
    let id = model
    if (model === '*') {
      // a layer for every model of `api` (or of all APIs)
    } else if (api !== '*') {
      const known = this.byId.get(`${api}|${model}`) ?? this.adHocs.get(`${api}|${model}`)
      if (known) id = known.id
      else this.add(adHoc(api, model))
    } else {
      for (const a of ['openai', 'anthropic', 'gemini'] as const) {
        const known = this.byId.get(`${a}|${model}`)
        if (known) id = known.id
      }
    }
    const key = `${api}|${id}`
    this.layers.set(key, { ...this.layers.get(key), ...cfg })
    this.resolved.clear()
  }

  /** The effective configuration of a model (cached until the next configure()). */
  config(m: ModelInfo): SimModelConfig {
    const key = `${m.api}|${m.id}`
    const hit = this.resolved.get(key)
    if (hit) return hit
    const cfg: SimModelConfig = {
      ...BASE,
      reasoning: m.reasoning,
      ...this.defaults,
      ...this.layers.get('*|*'),
      ...this.layers.get(`${m.api}|*`),
      ...this.layers.get(`*|${m.id}`),
      ...this.layers.get(key),
    }
    this.resolved.set(key, cfg)
    return cfg
  }

  /** True when `a` and `b` name the same model on `api` (alias vs dated id). */
  same(api: Api, a: string, b: string): boolean {
    if (a === b) return true
    const ma = this.byId.get(`${api}|${a}`)
    return ma !== undefined && ma === this.byId.get(`${api}|${b}`)
  }
}
