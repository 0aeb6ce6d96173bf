/**
 * `GET /v1/models` in OpenAI's list shape: every route, and every `provider/model` target the routes name;
 * `GET /v1/models/{id}`: any id chat completions would serve as that model (see routing/resolve.ts).
 * Both in Anthropic's shapes too, for requests that carry `anthropic-version` (the Anthropic SDK, Claude Code).
 */

import type { CompiledConfig } from '../config/types.ts'
import { ApiError } from '../lib/api-error.ts'
import { modelNotFound } from '../routing/model-not-found.ts'
import { resolveModel } from '../routing/resolve.ts'
import type { Principal } from './auth.ts'

export interface ModelList {
  object: 'list'
  data: Array<{ id: string; object: 'model'; created: number; owned_by: string }>
}

// A fixed timestamp: the list describes configuration, not models' release dates.
const CREATED = 1_700_000_000

/** Which routes and `provider/model` ids the caller may use (a client key's `routes:`); everyone's by default. */
export type Visible = (id: string) => boolean

const ALL: Visible = () => true

/** What a caller may see: a client key its `routes:`; the admin and an open router everything. */
export function visibleTo(p: Principal): Visible {
  return p.kind === 'key' ? (id) => p.key.allows(id) : ALL
}

export function listModels(cfg: CompiledConfig, visible: Visible = ALL): ModelList {
  const data: ModelList['data'] = []
  for (const r of cfg.routes.values()) {
    if (visible(r.name)) data.push({ id: r.name, object: 'model', created: CREATED, owned_by: 'headroom' })
  }
  for (const t of cfg.targets.values()) {
    if (visible(t.id)) data.push({ id: t.id, object: 'model', created: CREATED, owned_by: t.provider })
  }
  return { object: 'list', data }
}

/** OpenAI's answer for a model the caller may not use: the same 404 as for one that does not exist. */
function noAccess(id: string): ApiError {
  const shown = id.slice(0, 200)
  const message = `The model '${shown}' does not exist or you do not have access to it.`
  return new ApiError(404, message, 'model_not_found', 'model', 'invalid_request_error')
}

/**
 * One model, as `openai.models.retrieve(id)` wants it: a route, a `provider/model`, a bare id Headroom
 * routes. An id the default_route would serve only because it matched nothing is not that model: 404.
 */
export function retrieveModel(cfg: CompiledConfig, id: string, visible: Visible = ALL): ModelList['data'][number] {
  const r = resolveModel(cfg, id)
  if (r.route === null || r.fallback) throw modelNotFound(cfg, id, r)
  if (!visible(r.route.name)) throw noAccess(id)
  const owner = cfg.routes.has(id) ? 'headroom' : (r.route.members[0]?.target.provider ?? 'headroom')
  return { id, object: 'model', created: CREATED, owned_by: owner }
}

/** A model in Anthropic's shape (https://docs.anthropic.com/en/api/models). */
export interface AnthropicModel {
  type: 'model'
  id: string
  display_name: string
  /** RFC 3339. */
  created_at: string
}

/** A page of models in Anthropic's list shape (https://docs.anthropic.com/en/api/models-list). */
export interface AnthropicModelPage {
  data: AnthropicModel[]
  has_more: boolean
  first_id: string | null
  last_id: string | null
}

/** The documented query parameters of Anthropic's list, as they came (all optional). */
export interface AnthropicPageQuery {
  limit?: string
  after_id?: string
  before_id?: string
}

const CREATED_AT = new Date(CREATED * 1000).toISOString().replace('.000Z', 'Z')
const DEFAULT_LIMIT = 20
const MAX_LIMIT = 1000

function anthropicModel(id: string): AnthropicModel {
  return { type: 'model', id, display_name: id, created_at: CREATED_AT }
}

/** Anthropic's answer to `GET /v1/models/{id}`: the same ids as retrieveModel, the same 404. */
export function retrieveAnthropicModel(cfg: CompiledConfig, id: string, visible: Visible = ALL): AnthropicModel {
  return anthropicModel(retrieveModel(cfg, id, visible).id)
}

function badParam(param: string, message: string): ApiError {
  return new ApiError(400, message, 'invalid_parameter', param, 'invalid_request_error')
}

function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= 1 && n <= MAX_LIMIT))
    throw badParam('limit', `limit: expected a whole number from 1 to ${MAX_LIMIT}, got '${raw.slice(0, 40)}'.`)
  return n
}

function cursor(ids: readonly string[], param: 'after_id' | 'before_id', raw: string): number {
  const i = ids.indexOf(raw)
  if (i < 0)
    throw badParam(param, `${param}: '${raw.slice(0, 200)}' is not a listed model id; use an id GET /v1/models lists.`)
  return i
}

/**
 * One page of listModels' ids in Anthropic's shape, in the same order. `after_id` pages forward from a
 * listed id, `before_id` backward (as the SDK's auto-pagination sends them); an id listed twice (a route
 * named like a target) is listed once, so a cursor names one place.
 */
export function listAnthropicModels(
  cfg: CompiledConfig,
  q: AnthropicPageQuery,
  visible: Visible = ALL,
): AnthropicModelPage {
  const limit = pageLimit(q.limit)
  if (q.after_id !== undefined && q.before_id !== undefined)
    throw badParam('before_id', 'after_id and before_id: send one of them, not both.')
  const ids = [...new Set(listModels(cfg, visible).data.map((m) => m.id))]
  let start = 0
  let end = Math.min(limit, ids.length)
  let hasMore = end < ids.length
  if (q.after_id !== undefined) {
    start = cursor(ids, 'after_id', q.after_id) + 1
    end = Math.min(start + limit, ids.length)
    hasMore = end < ids.length
  } else if (q.before_id !== undefined) {
    end = cursor(ids, 'before_id', q.before_id)
    start = Math.max(0, end - limit)
    hasMore = start > 0
  }
  const data = ids.slice(start, end).map(anthropicModel)
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
}
