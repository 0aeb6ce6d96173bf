/**
 * The routes.yaml schema. This file is the authority on what routes.yaml may contain; the configuration
 * reference (docs/configuration.md) follows it field by field.
 */
import { z } from 'zod'
import { isIdSegment, isModelId, MODEL_ID_RULE } from '../catalog/model-id.ts'
import { BUILTIN_PROVIDERS, type ProviderRegistry } from '../providers/registry.ts'
import { DEFAULT_MAX_TOKENS } from '../providers/types.ts'

export const STRATEGY_NAMES = ['ordered', 'cost', 'latency', 'headroom', 'weighted', 'score', 'cascade'] as const
export type StrategyName = (typeof STRATEGY_NAMES)[number]
/** Admission priorities, highest first (a key's default, or the request's x-headroom-priority header). */
export const PRIORITIES = ['high', 'normal', 'low'] as const
export type Priority = (typeof PRIORITIES)[number]
const CAPABILITIES = ['tools', 'vision', 'json_schema'] as const

const positive = z.number().positive()
const count = z.number().int().positive()
const price = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'a decimal number, e.g. "0.40"')])

/** Spending caps in USD, per UTC day and per UTC calendar month. */
const BudgetSchema = z.strictObject({
  daily_usd: positive.optional(),
  monthly_usd: positive.optional(),
})

const SHA256_HEX = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 digest (64 characters)')

/** A client ("virtual") API key: who may call Headroom, which routes, and how much they may spend. */
const VirtualKeySchema = z
  .strictObject({
    /** Stable name: what the spend table and logs record (never the secret). */
    name: z.string().regex(/^[A-Za-z0-9_.@-]+$/, 'key names may use letters, digits, _ . @ -'),
    /** The secret itself, usually `${ENV_VAR}`. */
    key: z.string().min(8, 'at least 8 characters').nullish(),
    /** Or its SHA-256 (hex), so that routes.yaml holds no secret: `printf %s "$KEY" | sha256sum`. */
    key_sha256: SHA256_HEX.optional(),
    /**
     * Routes (or `provider/model` ids) this key may use; `*` and trailing-`*` patterns (`openai/*`) allowed. Default:
     * all.
     */
    routes: z.array(z.string().min(1)).optional(),
    budget: BudgetSchema.optional(),
    /** Inbound limits for this key (requests and tokens per minute, requests at once), enforced before routing. */
    limits: z.lazy(() => LimitsSchema).optional(),
    /** Default admission priority of this key's requests (the x-headroom-priority header overrides it). */
    priority: z.enum(PRIORITIES).default('normal'),
  })
  .refine((k) => !!k.key !== !!k.key_sha256, {
    message: 'give exactly one of key or key_sha256 (is the environment variable set?)',
  })

/** Limits declared for each key of a provider; the provider's own rate-limit headers refine them. */
const LimitsSchema = z.strictObject({
  /** Requests per minute. */
  rpm: count.optional(),
  /** Tokens per minute (prompt + max output, as providers count them). */
  tpm: count.optional(),
  /** Requests in flight at once. */
  concurrency: count.optional(),
})

/** Circuit breaker thresholds (opossum). */
const BreakerSchema = z.strictObject({
  /** Faults (5xx, overloaded, timeouts, broken streams) in the rolling window, in percent, that open the breaker. */
  error_threshold_percentage: z.number().min(1).max(100).default(50),
  /** Calls in the window before the percentage is judged. */
  volume_threshold: count.default(5),
  /** How long an open breaker waits before letting one probe through (half-open). */
  reset_timeout_ms: count.default(10_000),
  /** The rolling window. */
  rolling_window_ms: count.default(10_000),
})

/** A provider's entry; `types` are the provider registry's (providers/registry.ts). */
const providerConfigSchema = (types: readonly [string, ...string[]]) =>
  z.strictObject({
    /** Which API the provider speaks: one of the registry's types (`openai`, `anthropic`, `gemini`, `groq`, …). */
    type: z.enum(types),
    /** The API key. `${VAR}` reads it from the environment. Empty / unset → simulated when `simulate: auto`. */
    api_key: z.string().nullish(),
    /** Several keys: each is its own target (own headroom, breaker, cooldown), and load spreads across them. */
    keys: z.array(z.string().nullish()).optional(),
    /**
     * Where the API lives. Default: the type's (its descriptor's `defaultBaseUrl`); required for `openai-compatible`.
     */
    base_url: z.url({ protocol: /^https?$/ }).nullish(),
    /**
     * `auto` (default): use the built-in simulator when no key is set. `true`: always simulate. `false`: never (a
     * missing key is an error).
     */
    simulate: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /** Per-call timeout in ms, for the time to the response headers and for any silence inside a stream. */
    timeout_ms: count.max(3_600_000).default(120_000),
    /**
     * Per attempt: time to a stream's first content or to a JSON answer (which comes whole) — default 30 s,
     * 90 s for reasoning models — after which the attempt counts as a timeout fault and fails over.
     */
    first_byte_timeout_ms: count.max(3_600_000).optional(),
    /**
     * Longest cooldown a response can impose (Retry-After, reset headers, Gemini RetryInfo); then the target is tried
     * again.
     */
    max_cooldown_ms: count.max(86_400_000).default(60_000),
    /**
     * Extra headers sent on every upstream call (e.g. `OpenAI-Organization`), winning over the adapter's own.
     * Names are case-insensitive (kept lower-cased); values may not hold line breaks.
     */
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "a header name: letters, digits and !#$%&'*+.^_`|~-"),
        z.string().regex(/^[^\r\n\0]*$/, 'a header value may not contain line breaks or NUL'),
      )
      .transform((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])))
      .default({}),
    /**
     * The output cap when a request sets none (capped by the model's max output): sent to Anthropic as
     * `max_tokens` (it requires one), and reserved against every provider's rate limits — OpenAI and Gemini
     * are sent no cap, so for them it is the estimate, corrected by the real usage.
     */
    default_max_tokens: count.default(DEFAULT_MAX_TOKENS),
    /** Per-key limits, for providers that send no rate-limit headers (Gemini) or to stay under a budget. */
    limits: LimitsSchema.default({}),
    breaker: BreakerSchema.default(BreakerSchema.parse({})),
  })

/** `provider/model`, both parts following the model id grammar, so that every target is addressable. */
const TargetId = z
  .string()
  .refine((s) => s.indexOf('/') > 0 && isModelId(s), `expected "provider/model": ${MODEL_ID_RULE}`)

/** A route name or a provider name: one segment of a model id (catalog/model-id.ts). */
const Name = (what: string) =>
  z
    .string()
    .refine(
      isIdSegment,
      `${what} use letters, digits, ".", "_", "-" and ":", not starting with "." and without "/" (at most 256 characters)`,
    )

/** A route entry: `provider/model`, or an object with a weight. */
const RouteTargetSchema = z.union([
  TargetId,
  z.strictObject({
    target: TargetId,
    /** `weighted` strategy: relative share of traffic. */
    weight: z.number().nonnegative().default(1),
  }),
])

const RetrySchema = z.strictObject({
  /** Attempts on one target before failing over (connection resets and 5xx are retried; the rest fail over at once). */
  attempts_per_target: z.number().int().min(1).max(10).default(2),
  /** Exponential backoff with full jitter: the first wait is random in [0, base_ms], doubling up to cap_ms. */
  base_ms: count.default(100),
  cap_ms: count.default(2_000),
  /**
   * A Retry-After up to this is waited out on the same target when no other target can serve; longer ones fail over.
   */
  max_retry_after_ms: z.number().int().nonnegative().default(5_000),
})

const CascadeSchema = z.strictObject({
  /** Estimated prompt tokens at or above which a request is hard. */
  prompt_tokens: count.default(2_000),
  /** Requested max output tokens at or above which a request is hard. */
  max_output_tokens: count.default(2_000),
  /** Hard when the request offers tools. */
  tools: z.boolean().default(true),
  /** Hard when the prompt contains code. */
  code: z.boolean().default(true),
  /** Hard when the prompt asks for several steps. */
  multi_step: z.boolean().default(true),
  /** Conversation length (messages) at or above which a request is hard. */
  messages: count.default(12),
})

const RouteConfigSchema = z.strictObject({
  /** How targets are ranked: ordered | cost | latency | headroom | weighted | score | cascade. */
  strategy: z.enum(STRATEGY_NAMES).default('ordered'),
  /** `provider/model` ids (or `{target, weight}`), in order of preference. For `cascade`, use `tiers`. */
  targets: z.array(RouteTargetSchema).default([]),
  /** cascade: tiers from cheapest to strongest, each a list of targets. */
  tiers: z.array(z.array(RouteTargetSchema).min(1)).optional(),
  /** cascade: what makes a request hard. */
  thresholds: CascadeSchema.default(CascadeSchema.parse({})),
  /** score: weights of normalised cost, latency and headroom. */
  weights: z
    .strictObject({
      cost: z.number().min(0).default(0.5),
      latency: z.number().min(0).default(0.3),
      headroom: z.number().min(0).default(0.2),
    })
    .default({ cost: 0.5, latency: 0.3, headroom: 0.2 }),
  /**
   * Embedding routes: the targets may be different embedding models. Off by default, since vectors of two
   * models live in different spaces and cannot be compared: without it, every target must be the same model.
   */
  interchangeable: z.boolean().optional(),
  /** Drop targets whose estimated cost for the request is above this (USD). */
  max_cost_per_request: positive.optional(),
  /** Drop targets whose observed latency is above this (ms). */
  max_latency_ms: positive.optional(),
  /** Capabilities every target must have, beyond what each request needs. */
  require: z.array(z.enum(CAPABILITIES)).default([]),
  /** latency: share of requests sent to a non-fastest target to keep measurements fresh. */
  explore: z.number().min(0).max(1).default(0.05),
  /** latency: a measurement older than this is re-measured first. */
  stale_after_ms: count.default(60_000),
  /** Output tokens to assume for cost estimates when the client sets no max. */
  expected_output_tokens: count.default(256),
  /** Overall deadline for a request, all attempts included. */
  timeout_ms: count.max(3_600_000).default(120_000),
  /** Overrides the providers' `first_byte_timeout_ms` for this route's targets (e.g. slow-thinking models). */
  first_byte_timeout_ms: count.max(3_600_000).optional(),
  retry: RetrySchema.default(RetrySchema.parse({})),
  /** Spending cap for the whole route (all keys). */
  budget: BudgetSchema.optional(),
  /** When no target has headroom, requests wait here (in priority order) instead of failing. */
  queue: z
    .strictObject({
      /** Most requests waiting; one more gets 429 with Retry-After. */
      max_length: z.number().int().min(0).default(1000),
      /** Longest a request waits for headroom; a request that would wait longer gets 429 at once. 0: never wait. */
      max_wait_ms: z.number().int().min(0).default(10_000),
    })
    .default({ max_length: 1000, max_wait_ms: 10_000 }),
})

const ModelOverrideSchema = z.strictObject({
  /** `embedding` for a model that serves `/v1/embeddings` only (priced by `input`; `output` may be left out). */
  kind: z.enum(['chat', 'embedding']).optional(),
  input: price.optional(),
  output: price.optional(),
  cached_input: price.optional(),
  cache_write: price.optional(),
  context: count.optional(),
  max_output: count.optional(),
  tools: z.boolean().optional(),
  vision: z.boolean().optional(),
  json_schema: z.boolean().optional(),
})

const ServerConfigSchema = z
  .strictObject({
    /** Largest request body accepted, in bytes (larger → 413). */
    max_body_bytes: count.default(10 * 1024 * 1024),
    /**
     * A stream write the client has not taken for this long ends the stream, cancels the upstream call and frees its
     * capacity; an unread answer's end is dropped.
     */
    stream_idle_timeout_ms: count.max(3_600_000).default(30_000),
    /**
     * Longest a client may take to send a request's headers, ms (Node's `server.headersTimeout`); then 408 and the
     * connection is closed.
     */
    headers_timeout_ms: count.default(30_000),
    /**
     * Longest a client may take to send a whole request, headers and body, ms (Node's `server.requestTimeout`);
     * then 408. The response is not limited by it: a stream runs for as long as its route allows. 0: no limit.
     */
    request_timeout_ms: z.number().int().min(0).default(120_000),
    /** Most client connections open at once; one more is closed as it arrives (Node's `server.maxConnections`). */
    max_connections: count.default(10_000),
    /**
     * How long an idle keep-alive connection is kept open, ms (Node's `server.keepAliveTimeout`). Keep it above a load
     * balancer's idle timeout.
     */
    keep_alive_timeout_ms: count.default(5_000),
    /**
     * What `POST /v1/responses` keeps of its answers, so that a later request may name them
     * (`previous_response_id`, `item_reference`): in memory, per client key, bounded.
     */
    responses: z
      .strictObject({
        /** How long a response is kept, seconds from its answer. 0: none is kept (both are then a 400). */
        retention_s: z
          .number()
          .int()
          .min(0)
          .max(30 * 86_400)
          .default(3600),
        /** Approximate bytes kept at most (requests' input and answers' output); the least recently used go first. */
        max_bytes: count.default(64 * 1024 * 1024),
        /** Responses kept at most; the least recently used go first. */
        max_responses: count.default(10_000),
        /**
         * With HEADROOM_REDIS_URL: the largest response (its JSON, the input it continued included) also written to
         * Redis for the other replicas, bytes. A larger one is kept by this replica only. 0: none is shared.
         */
        shared_max_bytes: z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
      })
      .prefault({}),
  })
  .refine((s) => s.request_timeout_ms === 0 || s.headers_timeout_ms <= s.request_timeout_ms, {
    path: ['headers_timeout_ms'],
    message: 'must not exceed request_timeout_ms (the headers are part of the request)',
  })

/** Thresholds of a used fraction, each in (0, 1], ascending: `[0.8, 0.9]`. `[]` turns the alert off. */
const FractionThresholds = z
  .array(
    z.number().gt(0, 'a threshold is a share of the limit, above 0').max(1, 'a threshold is at most 1 (all of it)'),
  )
  .max(10)
  .refine((a) => a.every((x, i) => i === 0 || x > a[i - 1]!), 'thresholds in ascending order, each once: [0.8, 0.9]')

/** Alerts: each threshold fires once per episode, as a log line and a POST to the webhook (docs/observability.md). */
const AlertsSchema = z.strictObject({
  /** Where alerts are POSTed (http or https); none: the log line only. */
  webhook: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).nullish(),
  /** `json`: `{type, level, scope, name, value, threshold, at, message}`; `slack`: `{text}`, for a Slack incoming webhook. */
  format: z.enum(['json', 'slack']).default('json'),
  /** Used fraction of a target's rate limit (per dimension) that fires. */
  headroom: FractionThresholds.default([0.8, 0.9]),
  /** Used fraction of a budget (per key or route, day or month) that fires. */
  budget: FractionThresholds.default([0.8, 0.9]),
  /** A target's breaker opening fires. */
  breaker: z.boolean().default(true),
  /** Share of a target's attempts in the last minute that failed with a fault (5xx, timeout, connection). Off unless set. */
  error_rate: z.number().gt(0).max(1).optional(),
  /** A target's runway (seconds until a window is exhausted at the recent rate) below this fires. Off unless set. */
  runway_seconds: count.max(86_400).optional(),
})

function targetIds(r: z.infer<typeof RouteConfigSchema>): Array<{ id: string; path: Array<string | number> }> {
  const out: Array<{ id: string; path: Array<string | number> }> = []
  for (const [i, t] of r.targets.entries()) out.push({ id: typeof t === 'string' ? t : t.target, path: ['targets', i] })
  for (const [ti, tier] of (r.tiers ?? []).entries()) {
    for (const [i, t] of tier.entries()) out.push({ id: typeof t === 'string' ? t : t.target, path: ['tiers', ti, i] })
  }
  return out
}

function buildConfigSchema(providers: ProviderRegistry) {
  return z
    .strictObject({
      providers: z.record(Name('provider names'), providerConfigSchema(providers.types)),
      /** Prices and capabilities per model (`provider/model` or a bare model id), over the built-in catalog. */
      models: z.record(z.string().refine(isModelId, `a model id: ${MODEL_ID_RULE}`), ModelOverrideSchema).default({}),
      routes: z.record(Name('route names'), RouteConfigSchema).default({}),
      /**
       * The route for a one-segment `model` that is not a route or a known model id (a likely typo: served with
       * an `x-headroom-warning` and a log line). Unset → such requests get 404. A `provider/model` with an unknown
       * provider is a 404 either way.
       */
      default_route: z.string().nullish(),
      /** Client API keys. With none (and no admin key) Headroom is open to anyone who can reach it. */
      keys: z.array(VirtualKeySchema).default([]),
      /** The admin key: every route, no budget, and the admin endpoints (GET /v1/spend, /v1/routing/state). */
      admin_key: z.string().min(8, 'at least 8 characters').nullish(),
      admin_key_sha256: SHA256_HEX.optional(),
      /**
       * `open`: no client keys, on purpose. Starting open needs no such line, but a reload that would open a
       * router that had keys is refused without it. With keys or an admin key declared, it is an error.
       */
      auth: z.literal('open').optional(),
      server: ServerConfigSchema.prefault({}),
      /** Alerts on headroom, budgets, breakers, error rates and runway; none without this section. */
      alerts: AlertsSchema.optional(),
      /**
       * Adds each request's prompt (its last user message) and answer to its `msg: "request"` log line, each
       * cut to 1,000 characters, configured secrets scrubbed. Off by default: message text is the client's.
       */
      log_prompts: z.boolean().default(false),
    })
    .superRefine((cfg, ctx) => {
      for (const [name, p] of Object.entries(cfg.providers)) {
        if (!providers.has(p.type)) continue // reported by the type's own check
        if (providers.get(p.type).defaultBaseUrl === null && !p.base_url) {
          ctx.addIssue({
            code: 'custom',
            path: ['providers', name, 'base_url'],
            message: `required for type ${p.type}`,
          })
        }
        const hasKey = !!p.api_key || (p.keys ?? []).some((k) => !!k)
        const simulated = p.simulate === true || (p.simulate === 'auto' && !hasKey)
        if (simulated && providers.get(p.type).simulatorPath === null) {
          const message = `the simulator does not speak type ${p.type}'s API: give a key (is the variable set?)`
          const field = p.simulate === true ? 'simulate' : 'api_key'
          ctx.addIssue({ code: 'custom', path: ['providers', name, field], message })
        }
        if (p.simulate === false && !hasKey) {
          ctx.addIssue({
            code: 'custom',
            path: ['providers', name, 'api_key'],
            message: 'no key set and simulate is false (is the environment variable set?)',
          })
        }
      }
      for (const [name, r] of Object.entries(cfg.routes)) {
        if (r.strategy === 'cascade' && !r.tiers) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', name, 'tiers'],
            message: 'strategy cascade needs tiers: [[cheap targets…], [strong targets…]]',
          })
        }
        if (r.strategy !== 'cascade' && r.targets.length === 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['routes', name, 'targets'],
            message: 'a route needs at least one target',
          })
        }
        for (const { id, path } of targetIds(r)) {
          const provider = id.slice(0, id.indexOf('/'))
          const p = cfg.providers[provider]
          if (!p) {
            ctx.addIssue({
              code: 'custom',
              path: ['routes', name, ...path],
              message: `unknown provider "${provider}" (known: ${Object.keys(cfg.providers).join(', ') || 'none'})`,
            })
            continue
          }
          // Every request to it would be refused: say so now.
          const model = id.slice(provider.length + 1)
          const problem = providers.has(p.type) ? (providers.get(p.type).modelProblem?.(model) ?? null) : null
          if (problem !== null) ctx.addIssue({ code: 'custom', path: ['routes', name, ...path], message: problem })
        }
      }
      const names = new Set<string>()
      cfg.keys.forEach((k, i) => {
        if (names.has(k.name))
          ctx.addIssue({ code: 'custom', path: ['keys', i, 'name'], message: `duplicate key name "${k.name}"` })
        names.add(k.name)
        k.routes?.forEach((pattern, j) => {
          const problem = allowedRouteProblem(pattern, cfg)
          if (problem) ctx.addIssue({ code: 'custom', path: ['keys', i, 'routes', j], message: problem })
        })
      })
      if (cfg.auth === 'open' && (cfg.keys.length > 0 || cfg.admin_key || cfg.admin_key_sha256)) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth'],
          message: 'auth: open, but client keys or an admin key are declared: remove one or the other',
        })
      }
      if (cfg.default_route && !cfg.routes[cfg.default_route]) {
        ctx.addIssue({ code: 'custom', path: ['default_route'], message: `no route named "${cfg.default_route}"` })
      }
    })
}

const schemas = new WeakMap<ProviderRegistry, ReturnType<typeof buildConfigSchema>>()

/** The routes.yaml schema for a provider registry (built once per registry). */
export function configSchema(providers: ProviderRegistry = BUILTIN_PROVIDERS): ReturnType<typeof buildConfigSchema> {
  let s = schemas.get(providers)
  if (!s) schemas.set(providers, (s = buildConfigSchema(providers)))
  return s
}

/**
 * Why a key's allowed-route entry could never match a request (a typo would otherwise lock the key out of
 * what it was meant to use, silently), or null. An entry matches the route a request resolves to: a route
 * name, or `provider/model` for a direct request; a trailing `*` matches by prefix.
 */
function allowedRouteProblem(
  pattern: string,
  cfg: { providers: Record<string, unknown>; routes: Record<string, unknown> },
): string | null {
  const prefix = pattern.endsWith('*')
  const body = prefix ? pattern.slice(0, -1) : pattern
  const slash = body.indexOf('/')
  if (slash >= 0) {
    const provider = body.slice(0, slash)
    return Object.hasOwn(cfg.providers, provider)
      ? null
      : `"${pattern}": no provider named "${provider}" (providers: ${Object.keys(cfg.providers).join(', ') || 'none'})`
  }
  if (prefix || Object.hasOwn(cfg.routes, body)) return null
  return `"${pattern}": no route named "${body}" (routes: ${Object.keys(cfg.routes).join(', ') || 'none'}; a model is allowed as "provider/model")`
}

export type Config = z.infer<ReturnType<typeof buildConfigSchema>>
export type ProviderConfig = z.infer<ReturnType<typeof providerConfigSchema>>
export type RouteConfig = z.infer<typeof RouteConfigSchema>
export type RouteTarget = z.infer<typeof RouteTargetSchema>
