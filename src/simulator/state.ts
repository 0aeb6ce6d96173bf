/**
 * Everything one simulator instance remembers: models and their configuration, rate-limit buckets,
 * prompt caches, stored responses, fault scripts, the request log and the per-status counters.
 */
import { PromptCache } from './cache.ts'
import { FaultPlanner } from './faults.ts'
import { RateLimiter } from './limits.ts'
import { ModelRegistry } from './models.ts'
import { ResponseStore } from './responses-store.ts'
import type { Api, SimRequestLog, SimulatorOptions, StatsFilter } from './types.ts'

const LOG_SIZE = 200
/** Distinct (api, model, status) counters kept; further model ids are counted by api and status only. */
export const MAX_COUNTERS = 10_000

export class SimState {
  readonly seed: number
  readonly models: ModelRegistry
  readonly limiter = new RateLimiter()
  readonly cache = new PromptCache()
  /** Stored Responses API responses, for `previous_response_id`. */
  readonly responses = new ResponseStore()
  readonly faults: FaultPlanner
  readonly validKeys: ReadonlySet<string> | null
  /** Ring of the last LOG_SIZE requests, oldest first once read through `log`. */
  private ring: SimRequestLog[] = []
  private ringStart = 0
  private readonly counts = new Map<string, { api: Api; model: string; status: number; n: number }>()

  constructor(opts: SimulatorOptions) {
    this.seed = (opts.seed ?? 42) >>> 0
    this.models = new ModelRegistry(opts)
    this.faults = new FaultPlanner(this.seed, this.models)
    this.validKeys = opts.validKeys ? new Set(opts.validKeys) : null
  }

  record(entry: SimRequestLog): void {
    if (this.ring.length < LOG_SIZE) this.ring.push(entry)
    else {
      this.ring[this.ringStart] = entry
      this.ringStart = (this.ringStart + 1) % LOG_SIZE
    }
    let k = `${entry.api}\u0000${entry.model}\u0000${entry.status}`
    let c = this.counts.get(k)
    if (!c && this.counts.size >= MAX_COUNTERS) {
      // Model ids come from clients: past the cap, one counter per api and status (model '*').
      k = `${entry.api}\u0000*\u0000${entry.status}`
      c = this.counts.get(k)
      if (!c) this.counts.set(k, (c = { api: entry.api, model: '*', status: entry.status, n: 0 }))
    }
    if (c) c.n++
    else this.counts.set(k, { api: entry.api, model: entry.model, status: entry.status, n: 1 })
  }

  get log(): SimRequestLog[] {
    return this.ring.slice(this.ringStart).concat(this.ring.slice(0, this.ringStart))
  }

  stats(f: StatsFilter = {}): number {
    let n = 0
    for (const c of this.counts.values()) {
      if (f.api !== undefined && c.api !== f.api) continue
      if (f.status !== undefined && c.status !== f.status) continue
      if (f.model !== undefined && !this.models.same(c.api, f.model, c.model)) continue
      n += c.n
    }
    return n
  }

  reset(): void {
    this.ring = []
    this.ringStart = 0
    this.counts.clear()
    this.limiter.clear()
    this.cache.clear()
    this.responses.clear()
    this.faults.reset()
  }
}

/** A short, non-secret prefix of a key for the log. */
export function keyHint(key: string): string {
  if (key === '') return ''
  return key.length <= 8 ? `${key.slice(0, 3)}…` : `${key.slice(0, 6)}…`
}
