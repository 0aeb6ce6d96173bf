/**
 * `GET /v1/routing/state`: each target's live state — breaker, cooldown, latency, error rate,
 * headroom and in-flight requests — and each route's targets and strategy. For operators at 3 a.m.
 * (It becomes admin-only once client keys exist.)
 */

import type { CompiledConfig } from '../config/types.ts'
import type { TargetStates } from '../routing/target-states.ts'

export function routingState(cfg: CompiledConfig, states: TargetStates, now: number) {
  const routes: Record<string, { strategy: string; targets: string[] }> = {}
  for (const r of cfg.routes.values())
    routes[r.name] = { strategy: r.strategy, targets: r.members.map((m) => m.target.stateId) }
  const byId = new Map(states.snapshot(now).map((s) => [s.id, s]))
  const targets = [...cfg.targets.values()].map((t) => {
    const s = byId.get(t.stateId)
    return {
      id: t.stateId,
      target: t.id,
      key: t.keyAlias,
      model: t.model,
      state: s ? { ...s.health, limits: s.limits } : 'not used yet',
    }
  })
  return { now: new Date(now).toISOString(), routes, targets }
}
