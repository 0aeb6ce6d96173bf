/**
 * Which fault (if any) a request gets: the first matching script entry wins (scripts are consumed in
 * order), else one draw from the simulator's seeded random stream against the model's faultRates.
 */
import type { ModelRegistry } from './models.ts'
import { prng } from './rng.ts'
import { type Api, FAULT_KINDS, type Fault, type FaultKind, type SimModelConfig } from './types.ts'

/** Faults answered before admission (not charged against limits); the rest happen while answering. */
export const EARLY_FAULTS: ReadonlySet<FaultKind> = new Set([
  'server_error',
  'overloaded',
  'rate_limit',
  'stall',
  'custom',
  'wrong_content_type',
])

export const DEFAULT_AFTER_CHUNKS = 2
export const DEFAULT_RETRY_AFTER_MS = 1000

interface ScriptEntry {
  api: Api | '*'
  model: string
  faults: Fault[]
}

export class FaultPlanner {
  private scripts: ScriptEntry[] = []
  private random: () => number

  constructor(
    private readonly seed: number,
    private readonly models: ModelRegistry,
  ) {
    this.random = prng(seed ^ 0x5eed)
  }

  script(api: Api | '*', model: string, faults: Fault[]): void {
    if (faults.length > 0) this.scripts.push({ api, model, faults: faults.slice() })
  }

  reset(): void {
    this.scripts = []
    this.random = prng(this.seed ^ 0x5eed)
  }

  pick(api: Api, model: string, cfg: SimModelConfig): Fault | null {
    if (this.scripts.length > 0) {
      for (let i = 0; i < this.scripts.length; i++) {
        const s = this.scripts[i] as ScriptEntry
        if (s.api !== '*' && s.api !== api) continue
        if (s.model !== '*' && !this.models.same(api, s.model, model)) continue
        const f = s.faults.shift() as Fault
        if (s.faults.length === 0) this.scripts.splice(i, 1)
        return f
      }
    }
    const rates = cfg.faultRates
    if (!rates) return null
    const x = this.random()
    let acc = 0
    for (const kind of FAULT_KINDS) {
      acc += rates[kind] ?? 0
      if (x < acc) return { kind }
    }
    return null
  }
}
