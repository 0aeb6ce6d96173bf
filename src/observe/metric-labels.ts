/**
 * The label values `/metrics` gives a route and a target, bounded: every distinct value is a time series
 * Prometheus keeps, and a direct request names its own `provider/model`, so a client could otherwise mint
 * series at will (https://prometheus.io/docs/practices/instrumentation/#do-not-overuse-labels). A target
 * keeps its id (`openai#1/gpt-4.1-mini`, the id of `/v1/routing/state`) when routes.yaml names it or the
 * catalog knows its model by that exact id; a route keeps its name when routes.yaml declares it, or when it
 * is a configured provider's `provider/model` of a model the catalog knows by that exact id. Anything else
 * is `other` (a target: its key alias, `/other`); a request refused before its route was known is `none`.
 */
import type { CompiledConfig } from '../config/types.ts'
import type { Target } from '../providers/types.ts'

/** The label value of what the bounds leave out. */
const OTHER = 'other'
/** The route label of a request refused before its model was resolved. */
const NONE = 'none'

/** The target's label; `modelId`: the catalog id its model was priced by (null: unknown). */
export function targetLabel(cfg: CompiledConfig, target: Target, modelId: string | null): string {
  if (cfg.targets.has(target.stateId) || modelId === target.model) return target.stateId
  return `${target.keyAlias}/${OTHER}`
}

/** The route's label (null: not known). */
export function routeLabel(cfg: CompiledConfig, route: string | null): string {
  if (route === null) return NONE
  if (cfg.routes.has(route)) return route
  const slash = route.indexOf('/')
  const provider = slash > 0 ? cfg.providers.get(route.slice(0, slash)) : undefined
  if (!provider) return OTHER
  const model = route.slice(slash + 1)
  const family = provider.descriptor.catalogFamily ?? provider.type
  return cfg.catalog.lookup({ provider: provider.name, family, model })?.id === model ? route : OTHER
}
