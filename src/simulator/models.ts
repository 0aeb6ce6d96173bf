/**
 * The models each simulated API knows, and the per-model configuration (latency, limits, faults),
 * layered: built-in defaults ← options.defaults ← options.models ← configure() calls, from the least
 * to the most specific (`*|*`, `api|*`, `*|model`, `api|model`).
 */
import { Lru } from '../lib/lru.ts'
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
  /** Claude Opus 4.1 and later reject temperature and top_p together. */
  exclusiveSampling?: boolean
  /** Set on embedding models (which only the embeddings endpoints serve); absent on chat models. */
  embedding?: EmbeddingSpec
}

export type ModelKind = 'chat' | 'embedding'

export interface EmbeddingSpec {
  /** Length of the vectors by default. */
  dimensions: number
  /** Longest input, in tokens. */
  maxInputTokens: number
  /** Takes a smaller `dimensions` / `outputDimensionality` (truncated and renormalised). */
  shortenable: boolean
}

/** `dated`: the snapshot ids this alias also answers to, the first one reported as the response's model. */
type Row = [
  id: string,
  dated: string | readonly string[] | null,
  display: string,
  created: number,
  context: number,
  maxOut: number,
  reasoning: boolean,
  cacheMin: number,
]

// The models the providers list, with their dated snapshots (Headroom's catalog prices each of these ids;
// test/catalog-coverage.test.ts holds the two lists together). `reasoning` on OpenAI: the reasoning-model
// parameter rules (o-series, gpt-5 family but its chat models).
const OPENAI: Row[] = [
  ['gpt-4o', ['gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'], 'GPT-4o', 1715367049, 128_000, 16_384, false, 1024],
  ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'GPT-4o mini', 1721172741, 128_000, 16_384, false, 1024],
  ['gpt-4.1', 'gpt-4.1-2025-04-14', 'GPT-4.1', 1744316542, 1_047_576, 32_768, false, 1024],
  ['gpt-4.1-mini', 'gpt-4.1-mini-2025-04-14', 'GPT-4.1 mini', 1744318173, 1_047_576, 32_768, false, 1024],
  ['gpt-4.1-nano', 'gpt-4.1-nano-2025-04-14', 'GPT-4.1 nano', 1744321707, 1_047_576, 32_768, false, 1024],
  ['o3', 'o3-2025-04-16', 'o3', 1744225308, 200_000, 100_000, true, 1024],
  ['o4-mini', 'o4-mini-2025-04-16', 'o4-mini', 1744225351, 200_000, 100_000, true, 1024],
  ['gpt-5', 'gpt-5-2025-08-07', 'GPT-5', 1754425777, 272_000, 128_000, true, 1024],
  ['gpt-5-mini', 'gpt-5-mini-2025-08-07', 'GPT-5 mini', 1754425867, 272_000, 128_000, true, 1024],
  ['gpt-5-nano', 'gpt-5-nano-2025-08-07', 'GPT-5 nano', 1754426384, 272_000, 128_000, true, 1024],
  ['gpt-3.5-turbo', 'gpt-3.5-turbo-0125', 'GPT-3.5 Turbo', 1706140800, 16_385, 4_096, false, 1024],
  ['gpt-3.5-turbo-1106', null, 'GPT-3.5 Turbo 1106', 1699228800, 16_385, 4_096, false, 1024],
  ['gpt-4', 'gpt-4-0613', 'GPT-4', 1686614400, 8_192, 4_096, false, 1024],
  ['gpt-4-turbo', 'gpt-4-turbo-2024-04-09', 'GPT-4 Turbo', 1712620800, 128_000, 4_096, false, 1024],
  ['gpt-4-turbo-preview', null, 'GPT-4 Turbo preview', 1706140800, 128_000, 4_096, false, 1024],
  ['gpt-4o-2024-05-13', null, 'GPT-4o (2024-05-13)', 1715558400, 128_000, 4_096, false, 1024],
  ['chatgpt-4o-latest', null, 'ChatGPT-4o', 1723507200, 128_000, 4_096, false, 1024],
  ['o1', 'o1-2024-12-17', 'o1', 1734393600, 200_000, 100_000, true, 1024],
  ['o1-pro', 'o1-pro-2025-03-19', 'o1-pro', 1742342400, 200_000, 100_000, true, 1024],
  ['o3-mini', 'o3-mini-2025-01-31', 'o3-mini', 1738281600, 200_000, 100_000, true, 1024],
  ['o3-pro', 'o3-pro-2025-06-10', 'o3-pro', 1749513600, 200_000, 100_000, true, 1024],
  ['codex-mini-latest', null, 'codex-mini', 1747353600, 200_000, 100_000, true, 1024],
  ['gpt-5-pro', 'gpt-5-pro-2025-10-06', 'GPT-5 pro', 1759708800, 400_000, 128_000, true, 1024],
  ['gpt-5-codex', null, 'GPT-5-Codex', 1757894400, 272_000, 128_000, true, 1024],
  ['gpt-5-chat-latest', null, 'GPT-5 Chat', 1754524800, 128_000, 16_384, false, 1024],
  ['gpt-5.1', 'gpt-5.1-2025-11-13', 'GPT-5.1', 1762992000, 272_000, 128_000, true, 1024],
  ['gpt-5.1-codex', null, 'GPT-5.1-Codex', 1762992000, 272_000, 128_000, true, 1024],
  ['gpt-5.1-codex-max', null, 'GPT-5.1-Codex-Max', 1763510400, 272_000, 128_000, true, 1024],
  ['gpt-5.1-codex-mini', null, 'GPT-5.1-Codex-Mini', 1762992000, 272_000, 128_000, true, 1024],
  ['gpt-5.1-chat-latest', null, 'GPT-5.1 Chat', 1762992000, 128_000, 16_384, false, 1024],
  ['gpt-5.2', 'gpt-5.2-2025-12-11', 'GPT-5.2', 1765411200, 272_000, 128_000, true, 1024],
  ['gpt-5.2-pro', 'gpt-5.2-pro-2025-12-11', 'GPT-5.2 pro', 1765411200, 272_000, 128_000, true, 1024],
  ['gpt-5.2-codex', null, 'GPT-5.2-Codex', 1768348800, 272_000, 128_000, true, 1024],
  ['gpt-5.2-chat-latest', null, 'GPT-5.2 Chat', 1765411200, 128_000, 16_384, false, 1024],
  ['gpt-5.3-codex', null, 'GPT-5.3-Codex', 1770249600, 272_000, 128_000, true, 1024],
  ['gpt-5.3-chat-latest', null, 'GPT-5.3 Chat', 1772496000, 128_000, 16_384, false, 1024],
  ['gpt-5.4', 'gpt-5.4-2026-03-05', 'GPT-5.4', 1772668800, 1_050_000, 128_000, true, 1024],
  ['gpt-5.4-mini', 'gpt-5.4-mini-2026-03-17', 'GPT-5.4 mini', 1773705600, 1_050_000, 128_000, true, 1024],
  ['gpt-5.4-nano', 'gpt-5.4-nano-2026-03-17', 'GPT-5.4 nano', 1773705600, 1_050_000, 128_000, true, 1024],
  ['gpt-5.4-pro', 'gpt-5.4-pro-2026-03-05', 'GPT-5.4 pro', 1772668800, 1_050_000, 128_000, true, 1024],
  ['gpt-5.5', 'gpt-5.5-2026-04-23', 'GPT-5.5', 1776902400, 1_050_000, 128_000, true, 1024],
  ['gpt-5.5-pro', 'gpt-5.5-pro-2026-04-23', 'GPT-5.5 pro', 1776902400, 1_050_000, 128_000, true, 1024],
  ['gpt-5.6', null, 'GPT-5.6', 1783555200, 1_050_000, 128_000, true, 1024],
  ['gpt-5.6-sol', null, 'GPT-5.6 Sol', 1783555200, 1_050_000, 128_000, true, 1024],
  ['gpt-5.6-terra', null, 'GPT-5.6 Terra', 1783555200, 1_050_000, 128_000, true, 1024],
  ['gpt-5.6-luna', null, 'GPT-5.6 Luna', 1783555200, 1_050_000, 128_000, true, 1024],
]

// Newest first, as Anthropic lists them. Minimum cacheable prompt (docs.claude.com prompt caching, and
// LiteLLM's prompt_cache_min_tokens for the 2026 models): 1024 tokens; 2048 for the Claude 3 Haikus and
// Opus 4.7; 4096 for Haiku 4.5, Opus 4.5 and 4.6; 512 for Fable 5.
const ANTHROPIC: Row[] = [
  ['claude-fable-5', null, 'Claude Fable 5', 1780272000, 1_000_000, 128_000, false, 512],
  ['claude-sonnet-5', null, 'Claude Sonnet 5', 1780272000, 1_000_000, 128_000, false, 1024],
  ['claude-opus-4-8', null, 'Claude Opus 4.8', 1780272000, 1_000_000, 128_000, false, 1024],
  ['claude-opus-4-7', 'claude-opus-4-7-20260416', 'Claude Opus 4.7', 1776297600, 1_000_000, 128_000, false, 2048],
  ['claude-sonnet-4-6', null, 'Claude Sonnet 4.6', 1771286400, 1_000_000, 64_000, false, 1024],
  ['claude-opus-4-6', 'claude-opus-4-6-20260205', 'Claude Opus 4.6', 1770249600, 1_000_000, 128_000, false, 4096],
  ['claude-opus-4-5', 'claude-opus-4-5-20251101', 'Claude Opus 4.5', 1761955200, 200_000, 64_000, false, 4096],
  ['claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'Claude Haiku 4.5', 1759276800, 200_000, 64_000, false, 4096],
  ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', 1759104000, 200_000, 64_000, false, 1024],
  ['claude-opus-4-1', 'claude-opus-4-1-20250805', 'Claude Opus 4.1', 1754352000, 200_000, 32_000, false, 1024],
  ['claude-opus-4-20250514', null, 'Claude Opus 4', 1747180800, 200_000, 32_000, false, 1024],
  ['claude-sonnet-4-20250514', null, 'Claude Sonnet 4', 1747180800, 200_000, 64_000, false, 1024],
  [
    'claude-3-7-sonnet-latest',
    'claude-3-7-sonnet-20250219',
    'Claude Sonnet 3.7',
    1739923200,
    200_000,
    64_000,
    false,
    1024,
  ],
  [
    'claude-3-5-sonnet-latest',
    'claude-3-5-sonnet-20241022',
    'Claude Sonnet 3.5',
    1729555200,
    200_000,
    8_192,
    false,
    1024,
  ],
  ['claude-3-5-haiku-latest', 'claude-3-5-haiku-20241022', 'Claude Haiku 3.5', 1729555200, 200_000, 8_192, false, 2048],
  ['claude-3-5-sonnet-20240620', null, 'Claude Sonnet 3.5 (June 2024)', 1718841600, 200_000, 8_192, false, 1024],
  ['claude-3-haiku-20240307', null, 'Claude Haiku 3', 1709769600, 200_000, 4_096, false, 2048],
  ['claude-3-opus-latest', 'claude-3-opus-20240229', 'Claude Opus 3', 1709164800, 200_000, 4_096, false, 1024],
]

// Implicit caching exists for the 2.5 models and later only; 2.0 Flash reports none.
const GEMINI: Row[] = [
  ['gemini-2.5-flash', null, 'Gemini 2.5 Flash', 1750118400, 1_048_576, 65_536, true, 1024],
  ['gemini-2.5-flash-lite', null, 'Gemini 2.5 Flash-Lite', 1750118400, 1_048_576, 65_536, false, 1024],
  ['gemini-2.5-pro', null, 'Gemini 2.5 Pro', 1750118400, 1_048_576, 65_536, true, 1024],
  ['gemini-2.0-flash', null, 'Gemini 2.0 Flash', 1738713600, 1_048_576, 8_192, false, 0],
  ['gemini-2.0-flash-lite', null, 'Gemini 2.0 Flash-Lite', 1740441600, 1_048_576, 8_192, false, 0],
  [
    'gemini-2.5-flash-preview-09-2025',
    null,
    'Gemini 2.5 Flash Preview Sep 2025',
    1758758400,
    1_048_576,
    65_536,
    true,
    1024,
  ],
  [
    'gemini-2.5-flash-lite-preview-09-2025',
    null,
    'Gemini 2.5 Flash-Lite Preview Sep 2025',
    1758758400,
    1_048_576,
    65_536,
    false,
    1024,
  ],
  ['gemini-flash-latest', null, 'Gemini Flash Latest', 1758758400, 1_048_576, 65_536, true, 1024],
  ['gemini-flash-lite-latest', null, 'Gemini Flash-Lite Latest', 1758758400, 1_048_576, 65_536, false, 1024],
  ['gemini-3-flash-preview', null, 'Gemini 3 Flash Preview', 1765929600, 1_048_576, 65_536, true, 1024],
  ['gemini-3.1-pro-preview', null, 'Gemini 3.1 Pro Preview', 1771459200, 1_048_576, 65_536, true, 1024],
  ['gemini-3.1-flash-lite', null, 'Gemini 3.1 Flash-Lite', 1772496000, 1_048_576, 65_536, true, 1024],
  ['gemini-3.1-flash-lite-preview', null, 'Gemini 3.1 Flash-Lite Preview', 1772496000, 1_048_576, 65_536, true, 1024],
  ['gemini-3.5-flash', null, 'Gemini 3.5 Flash', 1779148800, 1_048_576, 65_536, true, 1024],
]

type EmbeddingRow = [
  id: string,
  display: string,
  created: number,
  dimensions: number,
  maxInput: number,
  shortenable: boolean,
]

// https://platform.openai.com/docs/guides/embeddings (the -3 models take `dimensions`, ada-002 does not)
const OPENAI_EMBEDDING: EmbeddingRow[] = [
  ['text-embedding-3-small', 'text-embedding-3-small', 1705948997, 1536, 8192, true],
  ['text-embedding-3-large', 'text-embedding-3-large', 1705953180, 3072, 8192, true],
  ['text-embedding-ada-002', 'text-embedding-ada-002', 1671217299, 1536, 8192, false],
]

// https://ai.google.dev/gemini-api/docs/embeddings (outputDimensionality truncates both)
const GEMINI_EMBEDDING: EmbeddingRow[] = [
  ['gemini-embedding-001', 'Gemini Embedding 001', 1752019200, 3072, 2048, true],
  ['text-embedding-004', 'Text Embedding 004', 1712793600, 768, 2048, true],
]

/** Claude 3.x and 4 take temperature and top_p together; later models refuse the pair. */
const SAMPLING_TOGETHER = /^claude-(?:3-|sonnet-4-2|opus-4-2)/

function info(api: Api, r: Row): ModelInfo {
  const [id, dated, displayName, created, contextTokens, maxOutputTokens, reasoning, cacheMinTokens] = r
  const snapshots = dated === null ? [] : typeof dated === 'string' ? [dated] : dated
  const m: ModelInfo = {
    api,
    id,
    ids: [id, ...snapshots],
    responseModel: snapshots[0] ?? id,
    displayName,
    created,
    contextTokens,
    maxOutputTokens,
    reasoning,
    cacheMinTokens,
  }
  if (id === 'gemini-2.5-pro') m.thinkingRequired = true
  if (api === 'anthropic' && !SAMPLING_TOGETHER.test(id)) m.exclusiveSampling = true
  return m
}

function embeddingInfo(api: Api, r: EmbeddingRow): ModelInfo {
  const [id, displayName, created, dimensions, maxInputTokens, shortenable] = r
  const embedding = { dimensions, maxInputTokens, shortenable }
  return { ...chatLess(api, id, displayName, created, maxInputTokens), embedding }
}

/** What an embedding model has in the chat models' fields: no output, no reasoning, no cache. */
function chatLess(api: Api, id: string, displayName: string, created: number, context: number): ModelInfo {
  const m = { api, id, ids: [id], responseModel: id, displayName, created, contextTokens: context }
  return { ...m, maxOutputTokens: 0, reasoning: false, cacheMinTokens: 0 }
}

/** The id of a model only known by its id names an embedding model ("text-embedding-…", "…-embed-…"). */
const EMBEDDING_ID = /embed/

/** A model only known through options, configure() or a `'*'` wildcard. */
function adHoc(api: Api, id: string): ModelInfo {
  if (api !== 'anthropic' && EMBEDDING_ID.test(id)) {
    const dimensions = api === 'openai' ? 1536 : 768
    const maxInputTokens = api === 'openai' ? 8192 : 2048
    const embedding = { dimensions, maxInputTokens, shortenable: true }
    return { ...chatLess(api, id, id, 1735689600, maxInputTokens), embedding }
  }
  // OpenAI's chat models of the gpt-5 family (gpt-5-chat-latest, gpt-5.1-chat-latest) take sampling parameters.
  const reasoning =
    api === 'openai' ? /^(o\d|gpt-5(?![^-]*-chat))/.test(id) : api === 'gemini' && /^gemini-(2\.5|[3-9])/.test(id)
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
    for (const r of OPENAI_EMBEDDING) this.add(embeddingInfo('openai', r))
    for (const r of GEMINI_EMBEDDING) this.add(embeddingInfo('gemini', r))
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
    return this.wildcard.has(api) ? this.lookupAny(api, id) : (this.byId.get(`${api}|${id}`) ?? null)
  }

  /** The model for an id, made up when the API does not list it (as with a `'*'` wildcard); null for ''. */
  lookupAny(api: Api, id: string): ModelInfo | null {
    const m = this.byId.get(`${api}|${id}`)
    if (m) return m
    if (id === '') return null
    // Not listed: such models are accepted, not advertised.
    const key = `${api}|${id}`
    let made = this.adHocs.get(key)
    if (!made) this.adHocs.set(key, (made = adHoc(api, id)))
    return made
  }

  /** The models an API lists: its chat models (the default), its embedding models, or both in that order. */
  list(api: Api, kind: ModelKind | 'all' = 'chat'): readonly ModelInfo[] {
    const all = this.listed[api]
    if (kind === 'all') return all
    return all.filter((m) => (m.embedding === undefined) === (kind === 'chat'))
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
