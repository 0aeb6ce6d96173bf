/**
 * What `headroom status` shows, from a running Headroom's `GET /v1/routing/state`: one line per target —
 * its state (ok, cooling, not used yet), the headroom left on its tightest limit, the shortest runway, the
 * breaker and the latency — and one per budget. The answer is read with a partial zod schema (only what
 * is shown; anything else may change), and every string from it is made safe for a terminal (control
 * characters could otherwise move the cursor or retitle the window).
 */
import { z } from 'zod'

const Seconds = z.union([z.number(), z.literal('+Inf')])
const Latency = z.object({ ewmaMs: z.number().nullable() })

const StateSchema = z.object({
  now: z.string(),
  targets: z.array(
    z.object({
      id: z.string(),
      state: z.union([
        z.string(),
        z.object({
          coolingUntil: z.number().nullable(),
          breaker: z.string(),
          errorRate: z.number(),
          latency: z.object({ ttft: Latency, total: Latency }),
        }),
      ]),
      headroom: z.record(z.string(), z.number()).default({}),
      runway: z.record(z.string(), Seconds).default({}),
    }),
  ),
  budgets: z
    .array(
      z.object({
        scope: z.string(),
        name: z.string(),
        period: z.string(),
        limitUsd: z.number(),
        spentUsd: z.number(),
        used: z.number(),
        runwayHours: Seconds,
      }),
    )
    .default([]),
})

export type RoutingStateView = z.infer<typeof StateSchema>

/** The state endpoint's answer, or null when it is not one. */
export function parseRoutingState(body: unknown): RoutingStateView | null {
  const r = StateSchema.safeParse(body)
  return r.success ? r.data : null
}

/** C0 and C1 control characters (ESC among them) shown as `?`. */
function safe(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? '?' : ch
  }
  return out
}

/** `42s`, `3m 12s`, `2h 05m`; `∞` for +Inf. */
export function duration(seconds: number | '+Inf'): string {
  if (seconds === '+Inf') return '∞'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

function ms(x: number): string {
  return x < 1000 ? `${Math.round(x)}ms` : `${(x / 1000).toFixed(1)}s`
}

/** The entry with the smallest value ('+Inf' largest), as `value (key)`; '-' when there is none. */
function tightest<V extends number | '+Inf'>(o: Record<string, V>, show: (v: V) => string): string {
  let best: [string, V] | null = null
  const n = (v: V) => (v === '+Inf' ? Number.POSITIVE_INFINITY : v)
  for (const [k, v] of Object.entries(o)) if (best === null || n(v) < n(best[1])) best = [k, v]
  return best === null ? '-' : `${show(best[1])} ${safe(best[0])}`
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** The tables, as text ending in a newline. */
export function formatStatus(s: RoutingStateView): string {
  const now = Date.parse(s.now)
  const rows = [['TARGET', 'STATE', 'HEADROOM', 'RUNWAY', 'BREAKER', 'LATENCY']]
  for (const t of s.targets) {
    const headroom = tightest(t.headroom, (v) => `${Math.round(v * 100)}%`)
    const runway = tightest(t.runway, duration)
    if (typeof t.state === 'string') {
      rows.push([safe(t.id), safe(t.state), headroom, runway, '-', '-'])
      continue
    }
    const st = t.state
    const cooling = st.coolingUntil !== null && st.coolingUntil > now
    const state = cooling ? `cooling ${duration((st.coolingUntil! - now) / 1000)}` : 'ok'
    const ttft = st.latency.ttft.ewmaMs
    const total = st.latency.total.ewmaMs
    const latency = ttft !== null ? `ttft ${ms(ttft)}` : total !== null ? ms(total) : '-'
    rows.push([safe(t.id), state, headroom, runway, safe(st.breaker), latency])
  }
  let out = `${table(rows)}\n`
  if (s.budgets.length > 0) {
    const b = [['BUDGET', 'PERIOD', 'SPENT', 'USED', 'RUNWAY']]
    for (const x of s.budgets)
      b.push([
        `${safe(x.scope)} ${safe(x.name)}`,
        safe(x.period),
        `$${x.spentUsd.toFixed(2)} of $${x.limitUsd.toFixed(2)}`,
        `${Math.round(x.used * 100)}%`,
        duration(x.runwayHours === '+Inf' ? '+Inf' : x.runwayHours * 3600),
      ])
    out += `\n${table(b)}\n`
  }
  return out
}
