/**
 * A request's `model` → the route that serves it. `model` may be
 *  - a route name from routes.yaml (`fast`),
 *  - `provider/model` for a configured provider (`anthropic/claude-sonnet-4-5`): that one target,
 *  - a bare model id (`gpt-4.1-mini`): a route target with that model, else the first provider of the
 *    model's family (gpt-/o-series → openai, claude- → anthropic, gemini- → gemini),
 *  - anything else: the `default_route`, if one is set.
 */
import type { ProviderType, Target } from '../providers/types.ts'
import type { CompiledConfig, CompiledProvider } from './compile.ts'

export interface Resolved {
  /** The route name, or the `provider/model` id for a direct target. */
  readonly route: string
  readonly targets: readonly Target[]
}

const FAMILIES: ReadonlyArray<[RegExp, ProviderType]> = [
  [/^(gpt-|chatgpt-|o\d(?:-|$)|text-|davinci|babbage)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^(gemini-|gemma-|learnlm-)/, 'gemini'],
]

export function resolveModel(cfg: CompiledConfig, model: string): Resolved | null {
  const route = cfg.routes.get(model)
  if (route) return { route: route.name, targets: route.targets }

  const slash = model.indexOf('/')
  if (slash > 0) {
    const provider = cfg.providers.get(model.slice(0, slash))
    const id = model.slice(slash + 1)
    if (provider && id) return { route: model, targets: [cfg.target(provider, id)] }
  }

  for (const t of cfg.targets.values()) {
    if (t.model === model) return { route: t.id, targets: [t] }
  }
  const family = FAMILIES.find(([re]) => re.test(model))?.[1]
  if (family) {
    const provider = firstOfType(cfg, family)
    if (provider) return { route: `${provider.name}/${model}`, targets: [cfg.target(provider, model)] }
  }

  if (cfg.defaultRoute) {
    const d = cfg.routes.get(cfg.defaultRoute)
    if (d) return { route: d.name, targets: d.targets }
  }
  return null
}

function firstOfType(cfg: CompiledConfig, type: ProviderType): CompiledProvider | undefined {
  for (const p of cfg.providers.values()) if (p.type === type) return p
  return undefined
}
