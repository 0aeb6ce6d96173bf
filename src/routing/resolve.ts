/**
 * A request's `model` → the route that serves it. `model` may be
 *  - a route name from routes.yaml (`fast`),
 *  - `provider/model` for a configured provider (`anthropic/claude-sonnet-4-5`): that provider's keys,
 *  - a bare model id (`gpt-4.1-mini`): a route target with that model, else the first provider of the
 *    model's family (gpt-/o-series → openai, claude- → anthropic, gemini- → gemini),
 *  - anything else: the `default_route`, if one is set.
 */
import type { ProviderType } from '../providers/types.ts'
import type { CompiledConfig, CompiledProvider, CompiledRoute } from './compile.ts'

const FAMILIES: ReadonlyArray<[RegExp, ProviderType]> = [
  [/^(gpt-|chatgpt-|o\d(?:-|$)|text-|davinci|babbage)/, 'openai'],
  [/^claude-/, 'anthropic'],
  [/^(gemini-|gemma-|learnlm-)/, 'gemini'],
]

export function resolveModel(cfg: CompiledConfig, model: string): CompiledRoute | null {
  const route = cfg.routes.get(model)
  if (route) return route

  const slash = model.indexOf('/')
  if (slash > 0) {
    const provider = cfg.providers.get(model.slice(0, slash))
    const id = model.slice(slash + 1)
    if (provider && id) return cfg.direct(provider, id)
  }

  for (const t of cfg.targets.values()) {
    if (t.model === model) return cfg.direct(cfg.providers.get(t.provider)!, model)
  }
  const family = FAMILIES.find(([re]) => re.test(model))?.[1]
  if (family) {
    const provider = firstOfType(cfg, family)
    if (provider) return cfg.direct(provider, model)
  }

  if (cfg.defaultRoute) return cfg.routes.get(cfg.defaultRoute) ?? null
  return null
}

function firstOfType(cfg: CompiledConfig, type: ProviderType): CompiledProvider | undefined {
  for (const p of cfg.providers.values()) if (p.type === type) return p
  return undefined
}
