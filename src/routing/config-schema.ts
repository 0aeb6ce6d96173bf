/**
 * The routes.yaml schema. This file is the authority on what routes.yaml may contain; README's
 * configuration reference follows it field by field.
 */
import { z } from 'zod'

const PROVIDER_TYPES = ['openai', 'openai-compatible', 'anthropic', 'gemini'] as const

export const ProviderConfigSchema = z.strictObject({
  /** Which API the provider speaks. */
  type: z.enum(PROVIDER_TYPES),
  /** The API key. `${VAR}` reads it from the environment. Empty / unset → simulated when `simulate: auto`. */
  api_key: z.string().nullish(),
  /** Where the API lives. Defaults: OpenAI https://api.openai.com/v1, Anthropic https://api.anthropic.com, Gemini https://generativelanguage.googleapis.com. Required for `openai-compatible`. */
  base_url: z.url({ protocol: /^https?$/ }).nullish(),
  /** `auto` (default): use the built-in simulator when no key is set. `true`: always simulate. `false`: never (a missing key is an error). */
  simulate: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** Per-call timeout in ms, for the time to the response headers and for any silence inside a stream. */
  timeout_ms: z.number().int().positive().max(3_600_000).default(120_000),
  /** Extra headers sent on every upstream call (e.g. `OpenAI-Organization`). */
  headers: z.record(z.string(), z.string()).default({}),
  /** Anthropic only: `max_tokens` to send when the client sets none (Anthropic requires it). */
  default_max_tokens: z.number().int().positive().default(4096),
})

export const RouteConfigSchema = z.strictObject({
  /** How targets are chosen. `ordered`: the first available target serves, the rest are fallbacks. */
  strategy: z.enum(['ordered']).default('ordered'),
  /** `provider/model` ids, in order of preference. */
  targets: z.array(z.string().regex(/^[^/\s]+\/\S+$/, 'expected "provider/model"')).min(1),
})

export const ServerConfigSchema = z.strictObject({
  /** Largest request body accepted, in bytes (larger → 413). */
  max_body_bytes: z.number().int().positive().default(10 * 1024 * 1024),
})

export const ConfigSchema = z
  .strictObject({
    providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'provider names may use letters, digits, _ . -'), ProviderConfigSchema),
    routes: z.record(z.string().min(1), RouteConfigSchema).default({}),
    /** The route used when a request's `model` is not a route, `provider/model` or a known model id. Unset → such requests get 404. */
    default_route: z.string().nullish(),
    server: ServerConfigSchema.default({ max_body_bytes: 10 * 1024 * 1024 }),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, p] of Object.entries(cfg.providers)) {
      if (p.type === 'openai-compatible' && !p.base_url) {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'base_url'], message: 'required for type openai-compatible' })
      }
      if (p.simulate === false && !p.api_key) {
        ctx.addIssue({ code: 'custom', path: ['providers', name, 'api_key'], message: 'no key set and simulate is false (is the environment variable set?)' })
      }
    }
    for (const [name, r] of Object.entries(cfg.routes)) {
      if (cfg.providers[name.split('/')[0]!] && name.includes('/')) {
        ctx.addIssue({ code: 'custom', path: ['routes', name], message: 'a route name must not look like "provider/model"' })
      }
      r.targets.forEach((t, i) => {
        const provider = t.slice(0, t.indexOf('/'))
        if (!cfg.providers[provider]) {
          ctx.addIssue({ code: 'custom', path: ['routes', name, 'targets', i], message: `unknown provider "${provider}" (known: ${Object.keys(cfg.providers).join(', ') || 'none'})` })
        }
      })
    }
    if (cfg.default_route && !cfg.routes[cfg.default_route]) {
      ctx.addIssue({ code: 'custom', path: ['default_route'], message: `no route named "${cfg.default_route}"` })
    }
  })

export type ConfigInput = z.input<typeof ConfigSchema>
export type Config = z.infer<typeof ConfigSchema>
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>
export type RouteConfig = z.infer<typeof RouteConfigSchema>
export type ProviderTypeName = (typeof PROVIDER_TYPES)[number]
