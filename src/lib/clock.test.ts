import { afterEach, describe, expect, it, vi } from 'vitest'
import { systemClock } from './clock.ts'
import { ManualClock } from './manual-clock.ts'

const settled = (p: Promise<void>) => {
  let done = false
  void p.then(() => (done = true))
  return () => done
}

describe('sleep', () => {
  it('resolves once the time has passed, not before', async () => {
    const clock = new ManualClock()
    const done = settled(clock.sleep(1_000, new AbortController().signal))
    await clock.advance(999)
    expect(done()).toBe(false)
    await clock.advance(1)
    expect(done()).toBe(true)
  })

  it('resolves at the abort, and leaves no timer behind', async () => {
    const clock = new ManualClock()
    const ac = new AbortController()
    const done = settled(clock.sleep(60_000, ac.signal))
    ac.abort()
    await clock.advance(0)
    expect(done()).toBe(true)
    expect(clock.pendingTimers).toBe(0)
  })

  it('resolves at once when the signal is already aborted', async () => {
    const clock = new ManualClock()
    const ac = new AbortController()
    ac.abort()
    const done = settled(clock.sleep(60_000, ac.signal))
    await clock.advance(0)
    expect(done()).toBe(true)
    expect(clock.pendingTimers).toBe(0)
  })
})

describe('ManualClock', () => {
  it('fires due timers in time order, each at its own time, and not the others', async () => {
    const clock = new ManualClock(1_000)
    const fired: Array<[string, number]> = []
    clock.setTimer(() => fired.push(['b', clock.now()]), 200)
    clock.setTimer(() => fired.push(['a', clock.now()]), 100)
    clock.setTimer(() => fired.push(['c', clock.now()]), 301)
    clock.clearTimer(clock.setTimer(() => fired.push(['cancelled', clock.now()]), 50))
    await clock.advance(300)
    expect(fired).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ])
    expect(clock.now()).toBe(1_300)
    expect(clock.pendingTimers).toBe(1)
  })

  it('fires a timer set by another within the same advance', async () => {
    const clock = new ManualClock()
    const fired: number[] = []
    clock.setTimer(() => clock.setTimer(() => fired.push(clock.now()), 10), 10)
    await clock.advance(20)
    expect(fired).toEqual([20])
  })
})

describe('systemClock', () => {
  afterEach(() => void vi.useRealTimers())

  it("sets Node's timers, and cancels them", async () => {
    vi.useFakeTimers()
    const fired: string[] = []
    systemClock.setTimer(() => fired.push('kept'), 100)
    systemClock.clearTimer(systemClock.setTimer(() => fired.push('cancelled'), 100))
    await vi.advanceTimersByTimeAsync(100)
    expect(fired).toEqual(['kept'])
    expect(vi.getTimerCount()).toBe(0)
  })
})
