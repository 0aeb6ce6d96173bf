/**
 * A request's `model` → the route that serves it. `model` may be
 *  - a route name from routes.yaml (`fast`),
 *  - `provider/model` for a configured provider (`anthropic/claude-sonnet-4-5`): that provider's keys
 *    (only the first segment names the provider: `local/meta-llama/Llama-3.1-8B` is model
 *    `meta-llama/Llama-3.1-8B` on provider `local`),
 *  - a bare model id (`gpt-4.1-mini`, or `meta-llama/Llama-3.1-8B`): a route target with that model, else
 *    — one segment only — the first provider of the type whose model family it belongs to (gpt-/o-series →
 *    openai, claude- → anthropic, gemini- → gemini, mistral- → mistral…: each provider's descriptor says).
 * Anything else is not a model Headroom knows: an id with a `/` names a provider that does not exist
 * (`mistral/large` with no provider `mistral`), which is an error; a one-segment id (`fsat`) is served by
 * the `default_route` when one is set — a fallback the caller reports, since it is likely a typo.
 * Chat completions and `GET /v1/models/{id}` both decide by this function.
 */
import type { CompiledConfig, CompiledRoute } from '../config/types.ts'

export type Resolution =
  /** `fallback`: the id matched nothing, and the default_route serves it. */
  | { readonly route: CompiledRoute; readonly fallback: boolean }
  /** `unknownProvider`: the first segment of a `provider/model` id, which names no provider. */
  | { readonly route: null; readonly unknownProvider: string | null }

export function resolveModel(cfg: CompiledConfig, model: string): Resolution {
  const route = cfg.routes.get(model)
  if (route) return { route, fallback: false }

  const slash = model.indexOf('/')
  if (slash > 0) {
    const provider = cfg.providers.get(model.slice(0, slash))
    const id = model.slice(slash + 1)
    if (provider && id) return { route: cfg.direct(provider, id), fallback: false }
  }

  for (const t of cfg.targets.values()) {
    if (t.model === model) return { route: cfg.direct(cfg.providers.get(t.provider)!, model), fallback: false }
  }
  if (slash > 0) return { route: null, unknownProvider: model.slice(0, slash) }

  // By the provider types' families: a bare `gpt-…` goes to `openai`, never to `openai-compatible`.
  const provider = cfg.nativeProvider(model)
  if (provider) return { route: cfg.direct(provider, model), fallback: false }

  const fallback = cfg.defaultRoute ? cfg.routes.get(cfg.defaultRoute) : undefined
  return fallback ? { route: fallback, fallback: true } : { route: null, unknownProvider: null }
}

/** The `x-headroom-warning` of a request the default_route served because its model matched nothing. */
export function fallbackWarning(model: string, route: string): string {
  return `model "${model}" matched no route or model; served by default_route "${route}"`
}

/** Provider names shown in a message; a config rarely has more. */
const MAX_NAMED_PROVIDERS = 20

/** Why `model` names no model (for a 404), given what resolveModel said. */
export function notFoundReason(cfg: CompiledConfig, r: Resolution): string {
  if (r.route !== null)
    return `it matched no route or model (chat completions for it are served by default_route "${r.route.name}")`
  if (r.unknownProvider === null) return 'it is not a route, a provider/model id, or a model Headroom knows'
  const names = [...cfg.providers.keys()]
  const known =
    names.length === 0
      ? 'none'
      : names.slice(0, MAX_NAMED_PROVIDERS).join(', ') + (names.length > MAX_NAMED_PROVIDERS ? ', …' : '')
  const route = cfg.routes.has(r.unknownProvider)
    ? ` ("${r.unknownProvider}" is a route: use it as the whole model)`
    : ''
  return `"${r.unknownProvider}" is not a configured provider${route}; the providers are: ${known}`
}
