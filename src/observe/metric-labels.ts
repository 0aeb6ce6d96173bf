/**
 * The label values `/metrics` gives an attempt's route and target, bounded: every distinct value is a
 * time series Prometheus keeps, and a direct request names its own `provider/model`, so a client could
 * otherwise mint series at will (https://prometheus.io/docs/practices/naming/#labels warns of exactly
 * this). A target keeps its id (`openai#1/gpt-4.1-mini`, the id of `/v1/routing/state`) when routes.yaml
 * names it or the catalog knows its model; a route keeps its name when routes.yaml declares it, or when it
 * is the `provider/model` of such a target. Anything else is `other` (a target: its key alias, `/other`).
 */
import type { CompiledConfig } from '../config/types.ts'
import type { Target } from '../providers/types.ts'
import type { AttemptEvent } from '../routing/events.ts'

/** The label value of what the bounds leave out. */
export const OTHER = 'other'

/** The target's label: its state id when routes.yaml names it or the catalog knows its model exactly. */
export function targetLabel(cfg: CompiledConfig, target: Target, modelId: string | null): string {
  if (cfg.targets.has(target.stateId) || modelId === target.model) return target.stateId
  return `${target.keyAlias}/${OTHER}`
}

/** The route's label: a configured route, or the direct `provider/model` of a target kept by name. */
export function routeLabel(cfg: CompiledConfig, e: Pick<AttemptEvent, 'route' | 'target'>, target: string): string {
  if (cfg.routes.has(e.route)) return e.route
  if (target === e.target.stateId && e.route === `${e.target.provider}/${e.target.model}`) return e.route
  return OTHER
}
