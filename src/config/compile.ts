/**
 * Config → CompiledConfig (types.ts): everything the request path needs, built once per (re)load so that
 * requests do no setup of their own: targets (one per provider key × model) with their keys and URLs
 * resolved, catalog entries looked up, routes as arrays with their strategy parameters.
 */
import { type CatalogOverride, createCatalog } from '../catalog/catalog.ts'
import type { ModelInfo } from '../catalog/types.ts'
import { Lru } from '../lib/lru.ts'
import { credentialHeaderValues } from '../providers/redact.ts'
import { BUILTIN_PROVIDERS, type ProviderRegistry } from '../providers/registry.ts'
import type { ReasoningRules, Target } from '../providers/types.ts'
import { budgetLimits, compileAuth } from './client-keys.ts'
import { ConfigError } from './load.ts'
import type { Config, ProviderConfig, RouteConfig, RouteTarget } from './schema.ts'
import type {
  CompiledConfig,
  CompiledProvider,
  CompiledRoute,
  RouteMember,
  StrategyParams,
  TargetStateConfig,
} from './types.ts'

/** The key sent to the simulator; it accepts any non-empty key. */
const SIMULATOR_KEY = 'sim-key'

function providerKeys(p: ProviderConfig): string[] {
  const keys = [p.api_key, ...(p.keys ?? [])].filter((k): k is string => typeof k === 'string' && k.length > 0)
  return [...new Set(keys)]
}

/** Served by the built-in simulator: `simulate: true`, or `auto` with no key. */
export function isSimulated(p: ProviderConfig): boolean {
  return p.simulate === true || (p.simulate === 'auto' && providerKeys(p).length === 0)
}

export function needsSimulator(cfg: Config): boolean {
  return Object.values(cfg.providers).some(isSimulated)
}

/** Direct `provider/model` routes kept compiled (their model ids come from clients). */
export const DIRECT_ROUTE_LIMIT = 1000

/**
 * Time to first byte when routes.yaml sets none: a stream's first content, or a JSON answer's headers
 * (which come once the whole answer is written). 30 s lets a stalled target fail over well inside the
 * route's 120 s deadline; OpenAI reasoning models (by the catalog, else by id) think before they write a word, so they
 * get longer. A longer answer than that, not streamed, needs `first_byte_timeout_ms` set (README says so).
 */
const DEFAULT_FIRST_BYTE_MS = 30_000
const DEFAULT_REASONING_FIRST_BYTE_MS = 90_000

function strategyParams(r: RouteConfig): StrategyParams {
  const t = r.thresholds
  return {
    weights: r.weights,
    maxCostPerRequest: r.max_cost_per_request ?? null,
    maxLatencyMs: r.max_latency_ms ?? null,
    explore: r.explore,
    staleAfterMs: r.stale_after_ms,
    cascade: {
      promptTokens: t.prompt_tokens,
      maxOutputTokens: t.max_output_tokens,
      tools: t.tools,
      code: t.code,
      multiStep: t.multi_step,
      messages: t.messages,
    },
  }
}

function entryOf(t: RouteTarget): { id: string; weight: number } {
  return typeof t === 'string' ? { id: t, weight: 1 } : { id: t.target, weight: t.weight }
}

/**
 * An embedding route serves embedding models only, and — unless routes.yaml says `interchangeable: true` —
 * one model only (any of its providers and keys): vectors of two models cannot be compared, so a failover
 * to another model would quietly corrupt a client's index.
 */
function checkEmbeddingRoute(route: CompiledRoute, interchangeable: boolean): void {
  const where = `routes: "${route.name}"`
  if (route.kind !== 'embedding') {
    if (interchangeable) throw new ConfigError(`${where}: interchangeable applies to routes of embedding models only`)
    return
  }
  const chat = route.members.find((m) => m.model?.kind !== 'embedding')
  if (chat) {
    const what = chat.model ? 'a chat model' : 'not a model the catalog knows as an embedding model'
    throw new ConfigError(
      `${where}: target "${chat.target.id}" is ${what}, in a route of embedding models; a route serves chat or ` +
        'embeddings, not both (declare a custom embedding model under models: with kind: embedding)',
    )
  }
  if (interchangeable) return
  const first = route.members[0]!
  const other = route.members.find((m) => m.target.model !== first.target.model)
  if (other)
    throw new ConfigError(
      `${where}: targets "${first.target.id}" and "${other.target.id}" are different embedding models, whose ` +
        'vectors cannot be compared; use one model (on any providers and keys), or set interchangeable: true ' +
        'if the clients of this route never compare vectors from different calls',
    )
}

/** Route defaults, for direct `provider/model` requests. */
const DEFAULT_ROUTE: RouteConfig = {
  strategy: 'ordered',
  targets: [],
  thresholds: { prompt_tokens: 2000, max_output_tokens: 2000, tools: true, code: true, multi_step: true, messages: 12 },
  weights: { cost: 0.5, latency: 0.3, headroom: 0.2 },
  require: [],
  explore: 0.05,
  stale_after_ms: 60_000,
  expected_output_tokens: 256,
  timeout_ms: 120_000,
  retry: { attempts_per_target: 2, base_ms: 100, cap_ms: 2000, max_retry_after_ms: 5000 },
  queue: { max_length: 1000, max_wait_ms: 10_000 },
}

export interface CompileOptions {
  simulatorUrl?: string
  /** The provider types the config was validated against (default: the built-in ones). */
  providers?: ProviderRegistry
}

export function compileConfig(cfg: Config, opts: CompileOptions = {}): CompiledConfig {
  const registry = opts.providers ?? BUILTIN_PROVIDERS
  const providers = new Map<string, CompiledProvider>()
  for (const [name, p] of Object.entries(cfg.providers)) {
    const descriptor = registry.get(p.type)
    const simulated = isSimulated(p)
    if (simulated && !opts.simulatorUrl) throw new Error(`provider "${name}" needs the simulator, but none is running`)
    // The schema requires base_url where the type has no default, and a key where it cannot be simulated.
    const baseUrl = simulated
      ? `${opts.simulatorUrl!}${descriptor.simulatorPath!}`
      : (p.base_url ?? descriptor.defaultBaseUrl!)
    const keys = simulated ? [SIMULATOR_KEY] : providerKeys(p)
    const b = p.breaker
    const stateConfig: TargetStateConfig = {
      breaker: {
        errorThresholdPercentage: b.error_threshold_percentage,
        volumeThreshold: b.volume_threshold,
        resetTimeout: b.reset_timeout_ms,
        rollingCountTimeout: b.rolling_window_ms,
      },
      limits: { ...p.limits, maxCooldownMs: p.max_cooldown_ms },
    }
    const url = baseUrl.replace(/\/+$/, '')
    providers.set(name, { name, type: p.type, descriptor, simulated, baseUrl: url, keys, config: p, stateConfig })
  }
  const overrides = Object.entries(cfg.models).map(([key, m]): CatalogOverride => ({ key, ...m }))
  const catalog = createCatalog(overrides, {
    rows: registry.catalogRows,
    familyOfModelId: (model) => {
      const type = registry.typeOfModelId(model)
      return type === null ? null : registry.catalogFamily(type)
    },
  })
  // A bare model id's provider: the first of the type whose family matches it first.
  const firstOfType = new Map<string, CompiledProvider>()
  for (const p of providers.values()) if (!firstOfType.has(p.type)) firstOfType.set(p.type, p)

  const targets = new Map<string, Target>()
  /** Configured targets are registered (and shared between routes); direct ones are not. */
  const targetFor = (
    provider: CompiledProvider,
    keyIndex: number,
    model: string,
    info: ModelInfo | null,
    reasoning: ReasoningRules | undefined,
    register: boolean,
  ): Target => {
    const keyAlias = `${provider.name}#${keyIndex + 1}`
    const stateId = `${keyAlias}/${model}`
    let t = targets.get(stateId)
    if (!t) {
      t = {
        id: `${provider.name}/${model}`,
        provider: provider.name,
        type: provider.type,
        model,
        keyAlias,
        stateId,
        apiKey: provider.keys[keyIndex]!,
        baseUrl: provider.baseUrl,
        timeoutMs: provider.config.timeout_ms,
        headers: provider.config.headers,
        // A default the model would refuse helps no one: a Claude 3 model writes at most 4096 tokens.
        defaultMaxTokens: Math.min(provider.config.default_max_tokens, info?.maxOutput ?? Infinity),
        ...(info?.maxOutput === undefined ? {} : { maxOutputTokens: info.maxOutput }),
        reasoning,
      }
      if (register) targets.set(stateId, t)
    }
    return t
  }

  const membersOf = (
    r: RouteConfig,
    entries: Array<{ id: string; weight: number; tier: number }>,
    register: boolean,
  ): RouteMember[] => {
    const out: RouteMember[] = []
    entries.forEach((e, position) => {
      const slash = e.id.indexOf('/')
      const provider = providers.get(e.id.slice(0, slash))!
      const model = e.id.slice(slash + 1)
      const info = catalog.lookup({ provider: provider.name, family: registry.catalogFamily(provider.type), model })
      // The catalog's word, else the model id (a new snapshot, a fine-tune, a model routes.yaml adds).
      const reasoning = provider.descriptor.reasoningRules?.(model, info?.reasoning ?? false)
      const firstByteTimeoutMs =
        r.first_byte_timeout_ms ??
        provider.config.first_byte_timeout_ms ??
        (reasoning ? DEFAULT_REASONING_FIRST_BYTE_MS : DEFAULT_FIRST_BYTE_MS)
      for (let i = 0; i < provider.keys.length; i++)
        out.push({
          target: targetFor(provider, i, model, info, reasoning, register),
          provider,
          position,
          weight: e.weight,
          tier: e.tier,
          model: info,
          firstByteTimeoutMs,
        })
    })
    return out
  }

  const compileRoute = (
    name: string,
    r: RouteConfig,
    entries: Array<{ id: string; weight: number; tier: number }>,
    register = true,
  ): CompiledRoute => {
    const members = membersOf(r, entries, register)
    return {
      name,
      // Direct: the model's kind, when the catalog knows it. Named: embedding if any target is (then all must be).
      kind: register
        ? members.some((m) => m.model?.kind === 'embedding')
          ? 'embedding'
          : 'chat'
        : (members[0]?.model?.kind ?? null),
      strategy: r.strategy,
      members,
      params: strategyParams(r),
      require: {
        tools: r.require.includes('tools'),
        vision: r.require.includes('vision'),
        jsonSchema: r.require.includes('json_schema'),
      },
      expectedOutputTokens: r.expected_output_tokens,
      timeoutMs: r.timeout_ms,
      retry: {
        attemptsPerTarget: r.retry.attempts_per_target,
        baseMs: r.retry.base_ms,
        capMs: r.retry.cap_ms,
        maxRetryAfterMs: r.retry.max_retry_after_ms,
      },
      budget: budgetLimits(r.budget),
      queue: { maxLength: r.queue.max_length, maxWaitMs: r.queue.max_wait_ms },
    }
  }

  const routes = new Map<string, CompiledRoute>()
  for (const [name, r] of Object.entries(cfg.routes)) {
    const entries = r.tiers
      ? r.tiers.flatMap((tier, ti) => tier.map((t) => ({ ...entryOf(t), tier: ti })))
      : r.targets.map((t) => ({ ...entryOf(t), tier: 0 }))
    const route = compileRoute(name, r, entries)
    checkEmbeddingRoute(route, r.interchangeable === true)
    routes.set(name, route)
  }

  // An LRU, not a map that stops caching when full: once 1,000 one-off ids had come by, every request
  // for a popular direct model would compile its route again.
  const directRoutes = new Lru<string, CompiledRoute>(DIRECT_ROUTE_LIMIT)
  const secrets = [...providers.values()]
    .flatMap((p) => (p.simulated ? [] : [...p.keys, ...credentialHeaderValues(p.config.headers)]))
    .concat(
      cfg.keys.flatMap((k) => (k.key ? [k.key] : [])),
      cfg.admin_key ? [cfg.admin_key] : [],
      // A Slack incoming webhook's URL is its credential.
      cfg.alerts?.webhook ? [cfg.alerts.webhook] : [],
    )
  return {
    providers,
    routes,
    targets,
    defaultRoute: cfg.default_route ?? null,
    maxBodyBytes: cfg.server.max_body_bytes,
    server: {
      headersTimeoutMs: cfg.server.headers_timeout_ms,
      requestTimeoutMs: cfg.server.request_timeout_ms,
      maxConnections: cfg.server.max_connections,
      keepAliveTimeoutMs: cfg.server.keep_alive_timeout_ms,
    },
    streamIdleTimeoutMs: cfg.server.stream_idle_timeout_ms,
    responses: {
      retentionMs: cfg.server.responses.retention_s * 1000,
      maxBytes: cfg.server.responses.max_bytes,
      maxResponses: cfg.server.responses.max_responses,
      sharedMaxBytes: cfg.server.responses.shared_max_bytes,
    },
    catalog,
    secrets,
    auth: compileAuth(cfg),
    alerts: cfg.alerts
      ? {
          webhook: cfg.alerts.webhook ?? null,
          format: cfg.alerts.format,
          headroom: cfg.alerts.headroom,
          budget: cfg.alerts.budget,
          breaker: cfg.alerts.breaker,
          errorRate: cfg.alerts.error_rate ?? null,
          runwaySeconds: cfg.alerts.runway_seconds ?? null,
        }
      : null,
    logPrompts: cfg.log_prompts,
    direct(provider, model) {
      const id = `${provider.name}/${model}`
      const known = directRoutes.get(id)
      if (known) return known
      const route = compileRoute(id, DEFAULT_ROUTE, [{ id, weight: 1, tier: 0 }], false)
      directRoutes.set(id, route)
      return route
    },
    nativeProvider(model) {
      const type = registry.typeOfModelId(model)
      return type === null ? undefined : firstOfType.get(type)
    },
  }
}
