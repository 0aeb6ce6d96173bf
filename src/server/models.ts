/**
 * `GET /v1/models` in OpenAI's list shape: every route, and every `provider/model` target the routes name.
 */
import type { CompiledConfig } from '../routing/compile.ts'

export interface ModelList {
  object: 'list'
  data: Array<{ id: string; object: 'model'; created: number; owned_by: string }>
}

// A fixed timestamp: the list describes configuration, not models' release dates.
const CREATED = 1_700_000_000

export function listModels(cfg: CompiledConfig): ModelList {
  const data: ModelList['data'] = []
  for (const r of cfg.routes.values()) data.push({ id: r.name, object: 'model', created: CREATED, owned_by: 'headroom' })
  for (const t of cfg.targets.values()) data.push({ id: t.id, object: 'model', created: CREATED, owned_by: t.provider })
  return { object: 'list', data }
}
