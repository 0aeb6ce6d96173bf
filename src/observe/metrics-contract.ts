/**
 * The metrics contract: every name, type and label `/metrics` serves, in one table that monitoring
 * systems, dashboards and alert rules rely on (README: change one only with a migration note). metrics.ts
 * builds its metrics from it; the tests hold the scrape, docs/observability.md's table, the Grafana
 * dashboard and the example alert rules to it. Names follow Prometheus's conventions
 * (https://prometheus.io/docs/practices/naming/): counters end in `_total`, durations are in seconds.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram'

export interface MetricSpec<L extends string = string> {
  readonly name: string
  readonly type: MetricType
  readonly labelNames: readonly L[]
  readonly help: string
}

function spec<L extends string>(name: string, type: MetricType, labelNames: readonly L[], help: string) {
  return { name, type, labelNames, help } satisfies MetricSpec<L>
}

export const METRICS = {
  requests: spec(
    'headroom_requests_total',
    'counter',
    ['route', 'status'],
    'Client requests, by route and HTTP status.',
  ),
  upstream: spec(
    'headroom_upstream_requests_total',
    'counter',
    ['provider', 'target', 'outcome'],
    'Upstream attempts, by provider, target and outcome (the spend table outcomes).',
  ),
  tokens: spec(
    'headroom_tokens_total',
    'counter',
    ['provider', 'target', 'kind'],
    'Tokens of upstream attempts as the provider counted them (or as estimated), by kind.',
  ),
  cost: spec(
    'headroom_cost_usd_total',
    'counter',
    ['route', 'provider', 'target'],
    'What upstream attempts cost in USD, priced as the spend table prices them.',
  ),
  duration: spec(
    'headroom_request_duration_seconds',
    'histogram',
    ['route'],
    'Client requests from arrival to the end of the answer (a stream: its last byte).',
  ),
  ttft: spec(
    'headroom_time_to_first_token_seconds',
    'histogram',
    ['route'],
    'Streamed client requests from arrival to the first content sent.',
  ),
  remaining: spec(
    'headroom_ratelimit_remaining_ratio',
    'gauge',
    ['target', 'dimension'],
    'Share of each rate-limit window a target still has, 0..1 (dimensions with a known limit).',
  ),
  runway: spec(
    'headroom_ratelimit_runway_seconds',
    'gauge',
    ['target', 'dimension'],
    'Seconds until a rate-limit window of a target is exhausted at the recent rate; +Inf when not drawn down.',
  ),
  breaker: spec(
    'headroom_breaker_state',
    'gauge',
    ['target'],
    "Each target's circuit breaker: 0 closed, 1 half-open, 2 open.",
  ),
  queueDepth: spec(
    'headroom_queue_depth',
    'gauge',
    ['route'],
    "Requests waiting in a route's admission queue for headroom.",
  ),
  queueWait: spec(
    'headroom_queue_wait_seconds',
    'histogram',
    ['route', 'priority'],
    "Time client requests waited in their route's admission queue for headroom.",
  ),
  budget: spec(
    'headroom_budget_used_ratio',
    'gauge',
    ['scope', 'name', 'period'],
    'Share of each budget spent this period, 0..1.',
  ),
  cache: spec(
    'headroom_cache_requests_total',
    'counter',
    ['route', 'result'],
    'Requests looked up in the response cache, by route and result (hit, miss, bypass).',
  ),
  spendDropped: spec(
    'headroom_spend_rows_dropped_total',
    'counter',
    [],
    'Spend rows the writer dropped (the database failed for longer than its queue holds).',
  ),
} as const

/** Every contract metric, in the table's order. */
export const CONTRACT: readonly MetricSpec[] = Object.values(METRICS)
