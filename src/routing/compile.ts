/**
 * Config → CompiledConfig: everything the request path needs, built once per (re)load so that
 * requests do no setup of their own: targets with their keys and URLs resolved, routes as arrays.
 */
import type { ProviderType, Target } from '../providers/types.ts'
import type { Config, ProviderConfig } from './config-schema.ts'

export interface CompiledProvider {
  readonly name: string
  readonly type: ProviderType
  /** Served by the built-in simulator (no key, or `simulate: true`). */
  readonly simulated: boolean
  readonly baseUrl: string
  readonly config: ProviderConfig
}

export interface CompiledRoute {
  readonly name: string
  readonly strategy: 'ordered'
  readonly targets: readonly Target[]
}

export interface CompiledConfig {
  readonly providers: ReadonlyMap<string, CompiledProvider>
  readonly routes: ReadonlyMap<string, CompiledRoute>
  /** Every target named by a route, by `provider/model`. */
  readonly targets: ReadonlyMap<string, Target>
  readonly defaultRoute: string | null
  readonly maxBodyBytes: number
  /** `provider/model` → a target, creating (and caching a bounded number of) targets not named by a route. */
  target(provider: CompiledProvider, model: string): Target
}

export const DEFAULT_BASE_URLS: Record<ProviderType, string | null> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
  'openai-compatible': null,
}

/** The key sent to the simulator; it accepts any non-empty key. */
export const SIMULATOR_KEY = 'sim-key'

export function needsSimulator(cfg: Config): boolean {
  return Object.values(cfg.providers).some((p) => isSimulated(p))
}

function isSimulated(p: ProviderConfig): boolean {
  return p.simulate === true || (p.simulate === 'auto' && !p.api_key)
}

function simulatorBase(type: ProviderType, simulatorUrl: string): string {
  return type === 'openai' || type === 'openai-compatible' ? `${simulatorUrl}/v1` : simulatorUrl
}

const ADHOC_TARGET_LIMIT = 1000

export function compileConfig(cfg: Config, opts: { simulatorUrl?: string } = {}): CompiledConfig {
  const providers = new Map<string, CompiledProvider>()
  for (const [name, p] of Object.entries(cfg.providers)) {
    const simulated = isSimulated(p)
    if (simulated && !opts.simulatorUrl) throw new Error(`provider "${name}" needs the simulator, but none is running`)
    const baseUrl = simulated ? simulatorBase(p.type, opts.simulatorUrl!) : (p.base_url ?? DEFAULT_BASE_URLS[p.type]!)
    providers.set(name, { name, type: p.type, simulated, baseUrl: baseUrl.replace(/\/+$/, ''), config: p })
  }

  const makeTarget = (provider: CompiledProvider, model: string): Target => ({
    id: `${provider.name}/${model}`,
    provider: provider.name,
    type: provider.type,
    model,
    keyAlias: `${provider.name}#1`,
    apiKey: provider.simulated ? SIMULATOR_KEY : provider.config.api_key!,
    baseUrl: provider.baseUrl,
    timeoutMs: provider.config.timeout_ms,
    headers: provider.config.headers,
    defaultMaxTokens: provider.config.default_max_tokens,
  })

  const targets = new Map<string, Target>()
  const routes = new Map<string, CompiledRoute>()
  for (const [name, r] of Object.entries(cfg.routes)) {
    const list = r.targets.map((id) => {
      let t = targets.get(id)
      if (!t) {
        const slash = id.indexOf('/')
        t = makeTarget(providers.get(id.slice(0, slash))!, id.slice(slash + 1))
        targets.set(id, t)
      }
      return t
    })
    routes.set(name, { name, strategy: r.strategy, targets: list })
  }

  const adhoc = new Map<string, Target>()
  return {
    providers,
    routes,
    targets,
    defaultRoute: cfg.default_route ?? null,
    maxBodyBytes: cfg.server.max_body_bytes,
    target(provider, model) {
      const id = `${provider.name}/${model}`
      const known = targets.get(id) ?? adhoc.get(id)
      if (known) return known
      const t = makeTarget(provider, model)
      // Bounded: model names come from clients, and a flood of distinct ones must not grow memory.
      if (adhoc.size < ADHOC_TARGET_LIMIT) adhoc.set(id, t)
      return t
    },
  }
}
