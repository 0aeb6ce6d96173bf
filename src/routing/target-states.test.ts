import { afterEach, describe, expect, it } from 'vitest'
import type { TargetStateConfig } from '../config/types.ts'
import { ProviderError } from '../providers/types.ts'
import { TargetStates, targetStateId } from './target-states.ts'

const T0 = 1_700_000_000_000
const keyA = { keyAlias: 'openai#1', model: 'gpt-4.1-mini' }
const keyB = { keyAlias: 'openai#2', model: 'gpt-4.1-mini' }
const claude = { keyAlias: 'anthropic', model: 'claude-haiku-4-5' }
const cfg: TargetStateConfig = {
  breaker: { volumeThreshold: 2, resetTimeout: 5_000, rollingCountTimeout: 1_000 },
  limits: { rpm: 10 },
}
const need = { tokens: 20, inputTokens: 10, outputTokens: 10 }
const fault = () => new ProviderError({ provider: 'openai', status: 500, kind: 'server', message: 'boom' })

const live: TargetStates[] = []
function states(): TargetStates {
  const s = new TargetStates()
  live.push(s)
  return s
}
afterEach(() => {
  for (const s of live.splice(0)) s.close()
})

describe('TargetStates', () => {
  it('tells its listener each state’s own cooldowns and openings by id, not what applyRemote applied', async () => {
    const s = states()
    const heard: string[] = []
    s.get(keyA, cfg, T0) // made before the listener: heard all the same
    s.listen({
      onCooldown: (id, until) => heard.push(`${id} cool ${until - T0}`),
      onBreakerOpen: (id) => heard.push(`${id} open`),
    })
    s.get(keyA, cfg, T0).health.coolUntil(T0 + 1_000)
    for (let i = 0; i < 2; i++)
      await s
        .get(keyB, cfg, T0)
        .health.run(() => Promise.reject(fault()))
        .catch(() => {})
    expect(s.applyRemote(claude, cfg, { kind: 'open', forMs: 1_000 }, T0)).toBe(true) // created on the way
    expect(s.applyRemote(keyA, cfg, { kind: 'cooldown', untilMs: T0 + 9_000 }, T0)).toBe(true)
    expect(s.get(claude, cfg, T0).health.breakerState()).toBe('open')
    expect(s.get(keyA, cfg, T0).health.coolingUntil(T0)).toBe(T0 + 9_000)
    s.listen(null)
    s.get(keyA, cfg, T0).health.coolUntil(T0 + 20_000)
    expect(heard).toEqual(['openai#1/gpt-4.1-mini cool 1000', 'openai#2/gpt-4.1-mini open'])
  })

  it('creates one state per key × model, on first use, and returns it afterwards', () => {
    const s = states()
    const a = s.get(keyA, cfg, T0)
    expect(a.id).toBe('openai#1/gpt-4.1-mini')
    expect(targetStateId(keyA)).toBe(a.id)
    expect(s.get(keyA, cfg, T0)).toBe(a)
    const b = s.get(keyB, cfg, T0)
    expect(b).not.toBe(a)
    a.limits.reserve(need, T0)
    expect(b.limits.inFlight).toBe(0)
    expect(s.ids().sort()).toEqual(['openai#1/gpt-4.1-mini', 'openai#2/gpt-4.1-mini'])
  })

  it('applies the declared limits and breaker options it was created with', async () => {
    const s = states()
    const a = s.get(keyA, { limits: { concurrency: 1 } }, T0)
    a.limits.reserve(need, T0)
    expect(a.limits.fits(need, T0)).toBe(false)
    const b = s.get(keyB, cfg, T0)
    for (let i = 0; i < 2; i++) await b.health.run(() => Promise.reject(fault())).catch(() => undefined)
    expect(b.health.breakerState()).toBe('open')
  })

  it('retain keeps the state of targets still configured and shuts down the rest', async () => {
    const s = states()
    const a = s.get(keyA, cfg, T0)
    const c = s.get(claude, cfg, T0)
    a.health.coolUntil(T0 + 30_000)
    a.health.observeLatency('ttft', 250, T0)
    a.limits.reserve(need, T0)
    for (let i = 0; i < 2; i++) await a.health.run(() => Promise.reject(fault())).catch(() => undefined)

    s.retain(new Set([a.id]))

    const again = s.get(keyA, cfg, T0 + 1)
    expect(again).toBe(a)
    expect(again.health.coolingUntil(T0 + 1)).toBe(T0 + 30_000)
    expect(again.health.latency('ttft').ewmaMs).toBe(250)
    expect(again.health.breakerState()).toBe('open')
    expect(again.limits.inFlight).toBe(1)
    expect(s.peek(c.id)).toBeUndefined()
    await expect(c.health.run(async () => 1)).rejects.toMatchObject({ reason: 'shutdown' })
    const fresh = s.get(claude, cfg, T0 + 1)
    expect(fresh).not.toBe(c)
    expect(fresh.health.breakerState()).toBe('closed')
  })

  it('a changed config is applied, keeping latency, cooldown, breaker state and what was counted', async () => {
    const s = states()
    const a = s.get(keyA, cfg, T0)
    a.health.observeLatency('total', 900, T0)
    a.health.coolUntil(T0 + 10_000)
    a.limits.reserve(need, T0)
    for (let i = 0; i < 2; i++) await a.health.run(() => Promise.reject(fault())).catch(() => undefined)

    const next: TargetStateConfig = {
      breaker: { volumeThreshold: 20, resetTimeout: 5_000 },
      limits: { rpm: 1, concurrency: 5 },
    }
    const b = s.get(keyA, next, T0 + 1)
    expect(b).toBe(a)
    expect(b.limits.concurrency).toBe(5)
    expect(b.limits.fits(need, T0 + 1)).toBe(false) // rpm 1, one request already counted
    expect(b.limits.inFlight).toBe(1)
    expect(b.health.latency('total')).toMatchObject({ ewmaMs: 900, samples: 1 })
    expect(b.health.coolingUntil(T0 + 1)).toBe(T0 + 10_000)
    expect(b.health.breakerState()).toBe('open')
  })

  it('snapshot lists every state as plain JSON', () => {
    const s = states()
    s.get(keyA, cfg, T0).limits.reserve(need, T0)
    s.get(claude, {}, T0)
    const snap = s.snapshot(T0)
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap)
    expect(snap.map((x) => x.id).sort()).toEqual(['anthropic/claude-haiku-4-5', 'openai#1/gpt-4.1-mini'])
    expect(snap.find((x) => x.id === 'openai#1/gpt-4.1-mini')?.limits.inFlight).toBe(1)
  })

  it('close shuts every state down', async () => {
    const s = states()
    const a = s.get(keyA, cfg, T0)
    s.close()
    expect(s.ids()).toEqual([])
    await expect(a.health.run(async () => 1)).rejects.toMatchObject({ reason: 'shutdown' })
  })
})

describe('TargetStates: bounded for unconfigured targets', () => {
  it('evicts the oldest idle unpinned state past the cap, never a pinned one', () => {
    const states = new TargetStates({ maxUnpinned: 3 })
    const t = (model: string) => ({ keyAlias: 'openai#1', model })
    states.get(t('pinned'), {}, 0)
    states.retain(new Set(['openai#1/pinned']))
    for (const m of ['a', 'b', 'c', 'd', 'e']) states.get(t(m), {}, 0)
    expect(states.ids().sort()).toEqual(['openai#1/c', 'openai#1/d', 'openai#1/e', 'openai#1/pinned'])
    states.close()
  })

  it('keeps a hot unpinned state (least recently used out) and stays at its cap through 5,000 one-off ids', () => {
    const states = new TargetStates({ maxUnpinned: 100 })
    const t = (model: string) => ({ keyAlias: 'google#1', model })
    states.retain(new Set(['google#1/pinned']))
    const pinned = states.get(t('pinned'), {}, 0)
    const hot = states.get(t('gemini-2.5-flash'), {}, 0)
    const busy = states.get(t('busy'), {}, 0)
    busy.limits.reserve({ tokens: 1, inputTokens: 1, outputTokens: 0 }, 0) // a call in flight: not evictable
    for (let i = 0; i < 5_000; i++) {
      states.get(t(`gemini-2.5-flash-u${i}`), {}, 0)
      expect(states.get(t('gemini-2.5-flash'), {}, 0)).toBe(hot)
    }
    expect(states.ids().length).toBe(101) // 100 unpinned + the pinned one
    expect(states.peek('google#1/pinned')).toBe(pinned)
    expect(states.peek('google#1/busy')).toBe(busy)
    states.close()
  })
})
