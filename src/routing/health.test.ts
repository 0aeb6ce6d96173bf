import { afterEach, describe, expect, it, vi } from 'vitest'
import { ProviderError, type ProviderErrorKind } from '../providers/types.ts'
import { BreakerOpenError, type HealthOptions, isFault, TargetHealth } from './health.ts'

const T0 = 1_700_000_000_000
const STATUS: Record<ProviderErrorKind, number> = {
  bad_request: 400,
  auth: 401,
  unsupported: 404,
  rate_limit: 429,
  quota: 429,
  overloaded: 503,
  server: 500,
  timeout: 504,
  connection: 502,
  stream: 502,
  cancelled: 499,
}
const err = (kind: ProviderErrorKind) =>
  new ProviderError({ provider: 'openai', status: STATUS[kind], kind, message: kind })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const live: TargetHealth[] = []
function health(opts: HealthOptions = {}): TargetHealth {
  const h = new TargetHealth({
    ...opts,
    breaker: { volumeThreshold: 3, resetTimeout: 60, rollingCountTimeout: 1_000, ...opts.breaker },
  })
  live.push(h)
  return h
}
afterEach(() => {
  for (const h of live.splice(0)) h.shutdown()
})

async function fail(h: TargetHealth, kind: ProviderErrorKind, times = 1): Promise<void> {
  for (let i = 0; i < times; i++)
    await expect(h.run(() => Promise.reject(err(kind)))).rejects.toBeInstanceOf(ProviderError)
}

/** A call that stays in flight until settled from outside. */
function pending(): { fn: () => Promise<string>; resolve: (v: string) => void; reject: (e: unknown) => void } {
  const d = { resolve: (_: string) => {}, reject: (_: unknown) => {} }
  const promise = new Promise<string>((res, rej) => Object.assign(d, { resolve: res, reject: rej }))
  return { fn: () => promise, ...d }
}

async function openThenHalfOpen(h: TargetHealth): Promise<void> {
  await fail(h, 'server', 3)
  expect(h.breakerState()).toBe('open')
  await sleep(90)
  expect(h.breakerState()).toBe('half-open')
}

describe('cooldown', () => {
  it('extends to the latest time seen and never shortens', () => {
    const h = health()
    expect(h.isCooling(T0)).toBe(false)
    h.coolUntil(T0 + 5_000)
    h.coolUntil(T0 + 2_000)
    expect(h.coolingUntil(T0)).toBe(T0 + 5_000)
    h.coolUntil(T0 + 9_000)
    expect(h.coolingUntil(T0 + 6_000)).toBe(T0 + 9_000)
    expect(h.isCooling(T0 + 9_000)).toBe(false)
    expect(h.coolingUntil(T0 + 9_000)).toBeNull()
  })
})

describe('breaker', () => {
  it('classifies faults', () => {
    expect(
      ['server', 'overloaded', 'timeout', 'connection', 'stream'].every((k) => isFault(err(k as ProviderErrorKind))),
    ).toBe(true)
    expect(
      ['bad_request', 'auth', 'unsupported', 'rate_limit', 'quota', 'cancelled'].some((k) =>
        isFault(err(k as ProviderErrorKind)),
      ),
    ).toBe(false)
    expect(isFault(new Error('bug'))).toBe(false)
  })

  it('passes results and errors through while closed', async () => {
    const h = health()
    await expect(h.run(async () => 42)).resolves.toBe(42)
    const e = err('server')
    await expect(h.run(() => Promise.reject(e))).rejects.toBe(e)
  })

  it('opens after the threshold of faults and then rejects fast without calling the target', async () => {
    const h = health()
    await fail(h, 'server', 2)
    expect(h.breakerState()).toBe('closed')
    await fail(h, 'overloaded')
    expect(h.breakerState()).toBe('open')
    const halfOpenAt = h.halfOpenAt()!
    expect(halfOpenAt).toBeGreaterThan(Date.now())
    expect(halfOpenAt).toBeLessThanOrEqual(Date.now() + 60)
    const fn = vi.fn(async () => 'never')
    const rejected = await h.run(fn).catch((e: unknown) => e)
    expect(rejected).toBeInstanceOf(BreakerOpenError)
    expect(rejected).toMatchObject({ reason: 'open', halfOpenAt })
    expect(fn).not.toHaveBeenCalled()
  })

  it('does not trip on 400, 401, 404, 429, quota, cancelled or non-provider errors', async () => {
    const h = health()
    for (const kind of ['bad_request', 'auth', 'unsupported', 'rate_limit', 'quota', 'cancelled'] as const)
      await fail(h, kind, 3)
    await expect(h.run(() => Promise.reject(new TypeError('bug')))).rejects.toBeInstanceOf(TypeError)
    expect(h.breakerState()).toBe('closed')
    expect(h.errorRate()).toBe(0)
  })

  it('half-opens after resetTimeout and lets exactly one probe through; its success closes', async () => {
    const h = health()
    await openThenHalfOpen(h)
    const probe = pending()
    const running = h.run(probe.fn)
    expect(h.breakerState()).toBe('probing')
    const second = vi.fn(async () => 'second')
    await expect(h.run(second)).rejects.toMatchObject({ name: 'BreakerOpenError', reason: 'probing' })
    expect(second).not.toHaveBeenCalled()
    probe.resolve('ok')
    await expect(running).resolves.toBe('ok')
    expect(h.breakerState()).toBe('closed')
    await expect(h.run(second)).resolves.toBe('second')
  })

  it('reopens when the probe faults, for another resetTimeout', async () => {
    const h = health()
    await openThenHalfOpen(h)
    const before = Date.now()
    await fail(h, 'connection')
    expect(h.breakerState()).toBe('open')
    expect(h.halfOpenAt()!).toBeGreaterThanOrEqual(before + 60)
    await sleep(90)
    expect(h.breakerState()).toBe('half-open')
  })

  it('a cancelled probe proves nothing: the breaker reopens and the caller sees the cancellation', async () => {
    const h = health()
    await openThenHalfOpen(h)
    const cancelled = err('cancelled')
    await expect(h.run(() => Promise.reject(cancelled))).rejects.toBe(cancelled)
    expect(h.breakerState()).toBe('open')
  })

  it('a probe answered with a non-fault (429) closes: the target is up', async () => {
    const h = health()
    await openThenHalfOpen(h)
    await fail(h, 'rate_limit')
    expect(h.breakerState()).toBe('closed')
  })

  it('recordFault counts a late stream break as a failure, without a new fire, and opens past the threshold', async () => {
    const h = health()
    for (let i = 0; i < 3; i++) await h.run(async () => 'first token')
    h.recordFault(err('stream'))
    expect(h.breakerState()).toBe('closed') // 1 failure in 3 calls
    h.recordFault(err('stream'))
    // 2 failures in 3 calls (66% > 50%). Had recordFault fired a call of its own, it would be 2 in 5.
    expect(h.breakerState()).toBe('open')
  })

  it('recordFault ignores non-faults and never uses up the half-open probe', async () => {
    const h = health()
    h.recordFault(err('bad_request'))
    h.recordFault(new Error('bug'))
    expect(h.errorRate()).toBe(0)
    await openThenHalfOpen(h)
    h.recordFault(err('stream'))
    expect(h.breakerState()).toBe('half-open')
    await expect(h.run(async () => 'probe')).resolves.toBe('probe')
    expect(h.breakerState()).toBe('closed')
  })

  it('shutdown releases the breaker; later calls reject as shut down', async () => {
    const h = health()
    h.shutdown()
    await expect(h.run(async () => 1)).rejects.toMatchObject({ name: 'BreakerOpenError', reason: 'shutdown' })
  })

  it('reconfigure keeps an open breaker open under the new thresholds, and keeps latency', async () => {
    const h = health()
    h.observeLatency('ttft', 200, T0)
    await fail(h, 'server', 3)
    h.reconfigure({ volumeThreshold: 10, resetTimeout: 60, rollingCountTimeout: 1_000 })
    expect(h.breakerState()).toBe('open')
    expect(h.latency('ttft')).toMatchObject({ ewmaMs: 200, samples: 1 })
    await sleep(90)
    expect(h.breakerState()).toBe('half-open')
    await h.run(async () => 'ok')
    await fail(h, 'server', 5)
    expect(h.breakerState()).toBe('closed') // the new volume threshold (10) applies
  })
})

describe('what replicas share: the listener and applyRemote', () => {
  function heard() {
    const events: string[] = []
    const listener = {
      onCooldown: (until: number) => events.push(`cool ${until - T0}`),
      onBreakerOpen: () => events.push('open'),
    }
    return { events, listener }
  }

  it('tells its own cooldowns when they extend, and not what applyRemote applied', () => {
    const { events, listener } = heard()
    const h = health({ listener })
    h.coolUntil(T0 + 5_000)
    h.coolUntil(T0 + 2_000) // no extension: peers know the longer one already
    expect(h.applyRemote({ kind: 'cooldown', untilMs: T0 + 8_000 })).toBe(true)
    expect(h.applyRemote({ kind: 'cooldown', untilMs: T0 + 7_000 })).toBe(false) // never shortens
    expect(h.coolingUntil(T0)).toBe(T0 + 8_000)
    h.coolUntil(T0 + 6_000) // shorter than the peer's: nothing to tell
    h.coolUntil(T0 + 9_000)
    expect(events).toEqual(['cool 5000', 'cool 9000'])
  })

  it('tells its own breaker openings: by faults, by a late stream break, by a failed probe', async () => {
    const { events, listener } = heard()
    const h = health({ listener })
    await fail(h, 'server', 3)
    expect(events).toEqual(['open'])
    await sleep(90)
    await fail(h, 'server') // the probe
    expect(events).toEqual(['open', 'open'])
    const g = health({ listener })
    for (let i = 0; i < 3; i++) await g.run(async () => 'first token')
    g.recordFault(err('stream'))
    g.recordFault(err('stream'))
    expect(events).toEqual(['open', 'open', 'open'])
  })

  it('a peer’s opening opens a closed breaker for the rest of its window, counted as no evidence of its own', async () => {
    const { events, listener } = heard()
    const h = health({ listener, breaker: { resetTimeout: 5_000 } })
    const before = Date.now()
    expect(h.applyRemote({ kind: 'open', forMs: 80 })).toBe(true)
    expect(h.breakerState()).toBe('open')
    expect(h.halfOpenAt()).toBeGreaterThanOrEqual(before + 80)
    expect(h.halfOpenAt()).toBeLessThan(before + 5_000)
    const call = vi.fn(async () => 'x')
    await expect(h.run(call)).rejects.toMatchObject({ name: 'BreakerOpenError', reason: 'open' })
    expect(call).not.toHaveBeenCalled()
    expect(events).toEqual([]) // not told: no echo
    expect(h.errorRate()).toBe(0)
    // Half-open at the end of the peer's window (not after its own 5 s), and its own probe closes it.
    const deadline = Date.now() + 2_000
    while (h.breakerState() === 'open' && Date.now() < deadline) await sleep(10)
    expect(h.breakerState()).toBe('half-open')
    await expect(h.run(call)).resolves.toBe('x')
    expect(h.breakerState()).toBe('closed')
    // The next opening of its own waits its own full resetTimeout again.
    await fail(h, 'server', 3)
    expect(h.halfOpenAt()).toBeGreaterThanOrEqual(Date.now() + 4_000)
    expect(events).toEqual(['open'])
  })

  it('a peer’s window is capped at its own resetTimeout; an open or probing breaker keeps its own course', async () => {
    const h = health({ breaker: { resetTimeout: 1_000 } })
    expect(h.applyRemote({ kind: 'open', forMs: 3_600_000 })).toBe(true)
    expect(h.halfOpenAt()).toBeLessThanOrEqual(Date.now() + 1_000)
    expect(h.applyRemote({ kind: 'open', forMs: 500 })).toBe(false) // open already
    const g = health()
    await openThenHalfOpen(g)
    const probe = pending()
    const running = g.run(probe.fn)
    expect(g.applyRemote({ kind: 'open', forMs: 1_000 })).toBe(false) // its own probe decides
    probe.resolve('ok')
    await running
    expect(g.breakerState()).toBe('closed')
    expect(g.applyRemote({ kind: 'open', forMs: 0 })).toBe(false)
    expect(g.applyRemote({ kind: 'open', forMs: Number.NaN })).toBe(false)
    expect(g.breakerState()).toBe('closed')
  })

  it('a half-open breaker not yet probing takes a peer’s opening (the peer’s probe failed)', async () => {
    const h = health()
    await openThenHalfOpen(h)
    expect(h.applyRemote({ kind: 'open', forMs: 50 })).toBe(true)
    expect(h.breakerState()).toBe('open')
  })
})

describe('latency and error rate', () => {
  it('keeps EWMAs of ttft and total separately, with counts and last time', () => {
    const h = health({ alpha: 0.3 })
    expect(h.latency('ttft')).toEqual({ ewmaMs: null, samples: 0, lastAt: null })
    h.observeLatency('ttft', 100, T0)
    h.observeLatency('ttft', 200, T0 + 10)
    h.observeLatency('total', 1_000, T0 + 20)
    expect(h.latency('ttft').ewmaMs).toBeCloseTo(130)
    expect(h.latency('ttft')).toMatchObject({ samples: 2, lastAt: T0 + 10 })
    expect(h.latency('total')).toEqual({ ewmaMs: 1_000, samples: 1, lastAt: T0 + 20 })
  })

  it('error rate rises with faults, falls with successes, ignores cancellations', async () => {
    const h = health({ alpha: 0.5, breaker: { volumeThreshold: 100 } })
    await fail(h, 'server')
    expect(h.errorRate()).toBeCloseTo(0.5)
    await fail(h, 'cancelled')
    expect(h.errorRate()).toBeCloseTo(0.5)
    await h.run(async () => 1)
    expect(h.errorRate()).toBeCloseTo(0.25)
    h.recordFault(err('stream'))
    expect(h.errorRate()).toBeCloseTo(0.75)
  })

  it('snapshot is plain JSON', async () => {
    const h = health()
    h.coolUntil(T0 + 1_000)
    h.observeLatency('total', 300, T0)
    await fail(h, 'server', 3)
    const snap = h.snapshot(T0)
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap)
    expect(snap).toMatchObject({ coolingUntil: T0 + 1_000, breaker: 'open', latency: { total: { ewmaMs: 300 } } })
    expect(snap.halfOpenAt).toBeTypeOf('number')
  })
})
