import { afterEach, describe, expect, it } from 'vitest'
import type { DeclaredLimits } from '../config/types.ts'
import { ProviderError } from '../providers/types.ts'
import {
  ScriptedAdapter,
  scriptedConfig,
  scriptedJob,
  type TestRuntime,
  testRuntime,
} from './__fixtures__/scripted-adapter.ts'
import { executeComplete } from './execute.ts'
import type { ActualUsage, Need, SharedClaim, SharedLimitStore } from './limit-store.ts'
import type { HeadroomQueue, Runtime, WaitOptions } from './runtime.ts'

const cfg = scriptedConfig(`routes:
  two: { strategy: ordered, targets: [openai/gpt-4.1-mini, openai/gpt-4.1-nano] }
  one: { targets: [openai/gpt-4.1-mini] }
`)
const MINI = 'openai/gpt-4.1-mini'
const NANO = 'openai/gpt-4.1-nano'

/** A shared store that answers from a script per target state id ('go' when the script has run out). */
class ScriptedShared implements SharedLimitStore {
  readonly asked: string[] = []
  readonly told: string[] = []
  constructor(private readonly script: Record<string, Array<number | null>>) {}
  reserve(id: string, _need: Need, _limits: DeclaredLimits, _now: number): Promise<SharedClaim> {
    this.asked.push(id)
    const next = this.script[id]?.shift()
    if (next !== undefined) return Promise.resolve({ ok: false, retryAt: next })
    return Promise.resolve({
      ok: true,
      ticket: {
        observe: () => this.told.push(`observe ${id}`),
        release: (u: ActualUsage | null) => this.told.push(`release ${id} ${u ? 'usage' : 'null'}`),
      },
    })
  }
}

/** A queue whose wait moves the test clock to the wake-up time, or by 1 s when none is given. */
function clockQueue(t: () => TestRuntime): HeadroomQueue & { waits: WaitOptions[] } {
  const waits: WaitOptions[] = []
  return {
    waits,
    size: () => 0,
    pump: () => {},
    wait: async (_route, _priority, opts) => {
      waits.push(opts)
      const rt = t()
      await rt.clock.advance(Math.max(0, (opts.wakeAt ?? rt.clock.now() + 1000) - rt.clock.now()))
    },
  }
}

let t: TestRuntime
afterEach(() => t.rt.states.close())

function withShared(rt: Runtime, shared: SharedLimitStore): Runtime {
  return { ...rt, sharedLimits: shared }
}

describe('execution with headroom shared across replicas', () => {
  it('moves on when the shared view refuses the planned target, and holds it locally until then', async () => {
    t = testRuntime(new ScriptedAdapter({ [NANO]: [{ answer: 'hi' }] }))
    const now = t.clock.now()
    const shared = new ScriptedShared({ 'openai#1/gpt-4.1-mini': [now + 5_000] })
    const ex = await executeComplete(scriptedJob(cfg, 'two'), withShared(t.rt, shared))
    expect(ex.target.id).toBe(NANO)
    expect(t.adapter.called).toEqual([NANO])
    expect(shared.told).toEqual(['observe openai#1/gpt-4.1-nano', 'release openai#1/gpt-4.1-nano usage'])
    // The refused target's local reservation is taken back, and it fits nothing until the shared time.
    const mini = t.rt.states
      .ids()
      .map((id) => t.rt.states.peek(id)!)
      .find((s) => s.id.endsWith('gpt-4.1-mini'))!
    expect(mini.limits.inFlight).toBe(0)
    const need = { tokens: 10, inputTokens: 5, outputTokens: 5 }
    expect(mini.limits.fits(need, now + 4_999)).toBe(false)
    expect(mini.limits.fits(need, now + 5_000)).toBe(true)
  })

  it('waits in the queue when every candidate is refused, then plans again', async () => {
    const queue = clockQueue(() => t)
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ answer: 'hi' }] }), { queue })
    const now = t.clock.now()
    // Refused twice: until a time, then with no time (another replica's request must end first).
    const shared = new ScriptedShared({ 'openai#1/gpt-4.1-mini': [now + 2_000, null] })
    const ex = await executeComplete(scriptedJob(cfg, 'one'), withShared(t.rt, shared))
    expect(ex.target.id).toBe(MINI)
    expect(shared.asked).toHaveLength(3)
    expect(queue.waits.map((w) => (w.wakeAt === null ? null : w.wakeAt - now))).toEqual([2_000, 2_250])
  })

  it('answers 429 (rate limit) when the refusal outlasts what the request may wait', async () => {
    t = testRuntime(new ScriptedAdapter({}))
    const shared = new ScriptedShared({ 'openai#1/gpt-4.1-mini': [t.clock.now() + 30_000] })
    const err = await executeComplete(scriptedJob(cfg, 'one'), withShared(t.rt, shared)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderError)
    expect((err as ProviderError).status).toBe(429)
    expect(t.adapter.called).toEqual([])
  })
})
