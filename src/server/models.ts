/**
 * `GET /v1/models` in OpenAI's list shape: every route, and every `provider/model` target the routes name;
 * `GET /v1/models/{id}`: any id chat completions would serve as that model (see routing/resolve.ts).
 */

import type { CompiledConfig } from '../config/types.ts'
import { modelNotFound } from '../routing/model-not-found.ts'
import { resolveModel } from '../routing/resolve.ts'

export interface ModelList {
  object: 'list'
  data: Array<{ id: string; object: 'model'; created: number; owned_by: string }>
}

// A fixed timestamp: the list describes configuration, not models' release dates.
const CREATED = 1_700_000_000

export function listModels(cfg: CompiledConfig): ModelList {
  const data: ModelList['data'] = []
  for (const r of cfg.routes.values())
    data.push({ id: r.name, object: 'model', created: CREATED, owned_by: 'headroom' })
  for (const t of cfg.targets.values()) data.push({ id: t.id, object: 'model', created: CREATED, owned_by: t.provider })
  return { object: 'list', data }
}

/**
 * One model, as `openai.models.retrieve(id)` wants it: a route, a `provider/model`, a bare id Headroom
 * routes. An id the default_route would serve only because it matched nothing is not that model: 404.
 */
export function retrieveModel(cfg: CompiledConfig, id: string): ModelList['data'][number] {
  const r = resolveModel(cfg, id)
  if (r.route === null || r.fallback) throw modelNotFound(cfg, id, r)
  const owner = cfg.routes.has(id) ? 'headroom' : (r.route.members[0]?.target.provider ?? 'headroom')
  return { id, object: 'model', created: CREATED, owned_by: owner }
}
