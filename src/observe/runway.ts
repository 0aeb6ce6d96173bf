/**
 * Runway: how long a target's rate-limit window lasts at the rate it is being drawn down — what no
 * gateway shows, and what an operator wants to know before the 429s begin.
 *
 * Consumption is measured per target × dimension from the attempt events (ConsumptionMeter): an
 * exponentially decaying rate with a one-minute time constant (the continuous-time EWMA of Unix's load
 * average), so a steady load of c per second reads c, and a burst fades over the next minute. A request
 * counts where the provider charges one — every attempt but a 429, which providers do not charge — and
 * tokens as the attempt's usage (prompt + completion), the numbers the headroom tracker settles to.
 *
 * The forecast, per dimension (requests, tokens, input tokens, output tokens), is honest about refill:
 * the providers' windows are token buckets that refill continuously (OpenAI
 * https://platform.openai.com/docs/guides/rate-limits, Anthropic
 * https://docs.anthropic.com/en/api/rate-limits), and both report when the bucket is full again, so the
 * rate it refills at is what is missing over the time to that reset (a full bucket: limit / 60 s, the
 * per-minute limits' rate). routes.yaml's declared rpm / tpm refill at capacity / 60 s. A window is
 * drawn down only while consumption outruns that refill; then its runway is the headroom the router sees
 * (remaining, less our reservations the provider has not counted yet) over the net rate. Consumption at
 * or below the refill rate never exhausts it: `+Inf`. A window whose refill is unknown (no limit reported:
 * a quota learnt from a 429) is full again at its reset: if the headroom outlasts the time to the reset at
 * the current rate, it is not exhausted either, `+Inf`. A dimension with several sources (the provider's
 * window and a declared bucket) gets the shortest runway. Pure arithmetic on the `now` passed in.
 */

import { Lru } from '../lib/lru.ts'
import type { AttemptEvent, AttemptListener } from '../routing/events.ts'
import type { Dimension, LimitsSnapshot } from '../routing/limit-store.ts'
import { DIMENSIONS } from '../routing/limit-store.ts'

/** The time constant of the consumption EWMA: "the recent rate" is the last minute's. */
const RATE_WINDOW_MS = 60_000
/** What the providers' rpm / tpm and routes.yaml's declared limits count over. */
const LIMIT_WINDOW_S = 60
/** Targets whose consumption is remembered (direct `provider/model` names come from clients). */
const MAX_TARGETS = 4_096

/** The label each dimension has in metrics and alerts (the `dimension` label of DESIGN's metrics table). */
export const DIMENSION_LABELS: Readonly<Record<Dimension, string>> = {
  requests: 'requests',
  tokens: 'tokens',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
}

/** An exponentially decaying rate: `perMs` as of `at`. */
interface Rate {
  perMs: number
  at: number
}

/** Adds `amount` consumed at `t` to a rate (also when `t` is earlier than the rate's own time). */
function addTo(r: Rate, amount: number, t: number): void {
  if (amount <= 0) return
  if (t >= r.at) {
    r.perMs = r.perMs * Math.exp(-(t - r.at) / RATE_WINDOW_MS) + amount / RATE_WINDOW_MS
    r.at = t
  } else {
    // An attempt that started before the last one recorded (a long stream): its share, decayed to r.at.
    r.perMs += (amount / RATE_WINDOW_MS) * Math.exp(-(r.at - t) / RATE_WINDOW_MS)
  }
}

function perSecondAt(r: Rate, now: number): number {
  return now <= r.at ? r.perMs * 1000 : r.perMs * Math.exp(-(now - r.at) / RATE_WINDOW_MS) * 1000
}

/** Per second, per dimension. */
export type Rates = Record<Dimension, number>

const ZERO: Readonly<Rates> = Object.freeze({ requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 })

/**
 * Recent consumption per target (by state id, `openai#1/gpt-4.1-mini`), fed by the attempt events.
 * `onAttempt` is O(1) and allocates only for a target's first attempt.
 */
export class ConsumptionMeter implements AttemptListener {
  private readonly targets = new Lru<string, Record<Dimension, Rate>>(MAX_TARGETS)

  onAttempt(e: AttemptEvent): void {
    if (e.status === 429) return
    let r = this.targets.get(e.target.stateId)
    if (!r) {
      const at = e.startedAt
      r = {
        requests: { perMs: 0, at },
        tokens: { perMs: 0, at },
        inputTokens: { perMs: 0, at },
        outputTokens: { perMs: 0, at },
      }
      this.targets.set(e.target.stateId, r)
    }
    const t = e.startedAt
    addTo(r.requests, 1, t)
    if (!e.usage) return
    addTo(r.tokens, e.usage.promptTokens + e.usage.completionTokens, t)
    addTo(r.inputTokens, e.usage.promptTokens, t)
    addTo(r.outputTokens, e.usage.completionTokens, t)
  }

  /** Consumption per second at `now`, per dimension (zeros for a target never seen). */
  rates(stateId: string, now: number): Rates {
    const r = this.targets.get(stateId)
    if (!r) return ZERO
    return {
      requests: perSecondAt(r.requests, now),
      tokens: perSecondAt(r.tokens, now),
      inputTokens: perSecondAt(r.inputTokens, now),
      outputTokens: perSecondAt(r.outputTokens, now),
    }
  }
}

/**
 * Seconds until `headroom` is used up at `consumption` per second while it refills at `refill` per second;
 * `resetInS`: for a window without a known refill, when it is full again (null: it refills instead).
 * 0 when nothing is left, Infinity when it is not being drawn down or resets first.
 */
export function runwaySeconds(headroom: number, consumption: number, refill: number, resetInS: number | null): number {
  if (headroom <= 0) return 0
  const net = consumption - refill
  if (!(net > 0)) return Number.POSITIVE_INFINITY
  const t = headroom / net
  return resetInS !== null && t >= resetInS ? Number.POSITIVE_INFINITY : t
}

/** A provider bucket's refill rate: what it lacks over the time until it is full, else limit / 60 s. */
function refillPerSecond(limit: number, remaining: number, resetAt: number, now: number): number {
  return remaining < limit && resetAt > now ? (limit - remaining) / ((resetAt - now) / 1000) : limit / LIMIT_WINDOW_S
}

/**
 * The runway of each dimension a target has a limit on (the provider's window, a declared bucket or
 * both: the shorter), in seconds; Infinity when not being drawn down. Dimensions without a limit are
 * left out.
 */
export function targetRunway(limits: LimitsSnapshot, rates: Rates, now: number): Partial<Record<Dimension, number>> {
  const out: Partial<Record<Dimension, number>> = {}
  const take = (d: Dimension, s: number) => {
    out[d] = Math.min(out[d] ?? Number.POSITIVE_INFINITY, s)
  }
  for (const d of DIMENSIONS) {
    const w = limits.provider[d]
    if (!w) continue
    const headroom = w.remaining - w.reserved
    if (w.limit !== null)
      take(d, runwaySeconds(headroom, rates[d], refillPerSecond(w.limit, w.remaining, w.resetAt, now), null))
    else take(d, runwaySeconds(headroom, rates[d], 0, Math.max(0, (w.resetAt - now) / 1000)))
  }
  const { rpm, tpm } = limits.declared
  if (rpm) take('requests', runwaySeconds(rpm.available, rates.requests, rpm.capacity / LIMIT_WINDOW_S, null))
  if (tpm) take('tokens', runwaySeconds(tpm.available, rates.tokens, tpm.capacity / LIMIT_WINDOW_S, null))
  return out
}

/**
 * The share of each limited dimension's capacity in use, 0..1 (the tighter source wins): 1 − the
 * headroom the router sees over the limit. A provider window without a known limit is left out (no
 * capacity to divide by).
 */
export function usedFractions(limits: LimitsSnapshot): Partial<Record<Dimension, number>> {
  const out: Partial<Record<Dimension, number>> = {}
  const take = (d: Dimension, left: number, capacity: number) => {
    const used = Math.max(0, Math.min(1, 1 - left / capacity))
    out[d] = Math.max(out[d] ?? 0, used)
  }
  for (const d of DIMENSIONS) {
    const w = limits.provider[d]
    if (w && w.limit !== null && w.limit > 0) take(d, w.remaining - w.reserved, w.limit)
  }
  const { rpm, tpm } = limits.declared
  if (rpm) take('requests', rpm.available, rpm.capacity)
  if (tpm) take('tokens', tpm.available, tpm.capacity)
  return out
}

/** Seconds as JSON: rounded to 0.1 s, and `"+Inf"` (Prometheus's spelling) for not being drawn down. */
export function jsonSeconds(s: number): number | '+Inf' {
  return Number.isFinite(s) ? Math.round(s * 10) / 10 : '+Inf'
}

/** A target's limits as `/metrics`, `/v1/routing/state`, `headroom status` and the alerts read them. */
export interface TargetForecast {
  /** Share of each limited dimension still available, 0..1 (`headroom_ratelimit_remaining_ratio`). */
  headroom: Partial<Record<Dimension, number>>
  /** Seconds until each limited dimension is exhausted at the recent rate; Infinity when it is not being drawn down (`headroom_ratelimit_runway_seconds`). */
  runway: Partial<Record<Dimension, number>>
  /** The recent rate, per second. */
  consumption: Rates
}

export function targetForecast(
  stateId: string,
  limits: LimitsSnapshot,
  meter: ConsumptionMeter,
  now: number,
): TargetForecast {
  const consumption = meter.rates(stateId, now)
  const headroom: Partial<Record<Dimension, number>> = {}
  const used = usedFractions(limits)
  for (const d of DIMENSIONS) if (used[d] !== undefined) headroom[d] = 1 - used[d]
  return { headroom, runway: targetRunway(limits, consumption, now), consumption }
}
