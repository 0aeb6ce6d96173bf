import { afterEach, describe, expect, it } from 'vitest'
import type { Priority } from '../config/schema.ts'
import { ManualClock } from '../lib/manual-clock.ts'
import { QueueFullError } from '../routing/runtime.ts'
import { AdmissionQueue } from './queue.ts'

const live: AdmissionQueue[] = []
afterEach(() => {
  while (live.length) live.pop()!.close()
})

/** A queue on a clock of its own, which starts at 0 and moves only when the test advances it. */
function admission(clock = new ManualClock(), agingMs = 5_000) {
  const a = new AdmissionQueue({ clock, agingMs })
  live.push(a)
  return a
}

const opts = (over: Partial<Parameters<AdmissionQueue['wait']>[2]> = {}) => ({
  maxLength: 100,
  giveUpAt: 5_000,
  wakeAt: null,
  signal: new AbortController().signal,
  ...over,
})

/** Whether `p` has settled, checked after the clock moved. */
function settledFlag(p: Promise<unknown>): () => boolean {
  let done = false
  void p.then(
    () => (done = true),
    () => (done = true),
  )
  return () => done
}

describe('AdmissionQueue', () => {
  it('wakes waiters one per pump, higher priority first, FIFO within a level', async () => {
    const a = admission()
    const order: string[] = []
    const join = (name: string, p: Priority) => a.wait('r', p, opts()).then(() => order.push(name))
    const all = [
      join('low1', 'low'),
      join('normal1', 'normal'),
      join('high1', 'high'),
      join('normal2', 'normal'),
      join('high2', 'high'),
    ]
    expect(a.size('r')).toBe(5)
    for (let i = 0; i < 5; i++) {
      a.pump('r')
      await Promise.resolve()
    }
    await Promise.all(all)
    expect(order).toEqual(['high1', 'high2', 'normal1', 'normal2', 'low1'])
    expect(a.size()).toBe(0)
  })

  it('ages waiters so that low priority is never starved', async () => {
    const clock = new ManualClock()
    const a = admission(clock, 1_000)
    const order: string[] = []
    const low = a.wait('r', 'low', opts({ giveUpAt: 1e9 })).then(() => order.push('low'))
    await clock.advance(2_500) // low has gained 2.5 levels: it outranks a fresh high (2)
    const high = a.wait('r', 'high', opts({ giveUpAt: 1e9 })).then(() => order.push('high'))
    a.pump('r')
    await low
    a.pump('r')
    await high
    expect(order).toEqual(['low', 'high'])
  })

  it('refuses a waiter beyond max_length, and one whose headroom comes back after its give-up time', async () => {
    const a = admission()
    void a.wait('r', 'normal', opts({ maxLength: 1 })).catch(() => {})
    await expect(a.wait('r', 'normal', opts({ maxLength: 1 }))).rejects.toMatchObject({ reason: 'length' })
    await expect(a.wait('r2', 'normal', opts({ wakeAt: 10_000, giveUpAt: 1_000 }))).rejects.toBeInstanceOf(
      QueueFullError,
    )
  })

  it('gives up at its give-up time', async () => {
    const clock = new ManualClock()
    const a = admission(clock)
    const p = a.wait('r', 'normal', opts({ giveUpAt: 50 }))
    const settled = settledFlag(p)
    await clock.advance(49)
    expect(settled()).toBe(false)
    await clock.advance(1)
    await expect(p).rejects.toMatchObject({ reason: 'wait' })
    expect(a.size('r')).toBe(0)
  })

  it('wakes by itself when the expected recovery time passes', async () => {
    const clock = new ManualClock()
    const a = admission(clock)
    const p = a.wait('r', 'normal', opts({ wakeAt: 60 }))
    const settled = settledFlag(p)
    await clock.advance(59)
    expect(settled()).toBe(false)
    await clock.advance(1)
    await expect(p).resolves.toBeUndefined()
    expect(clock.pendingTimers).toBe(0)
  })

  it('a client that goes away leaves the queue at once', async () => {
    const a = admission()
    const ac = new AbortController()
    const p = a.wait('r', 'normal', opts({ signal: ac.signal }))
    expect(a.size('r')).toBe(1)
    ac.abort(new Error('gone'))
    await expect(p).rejects.toThrow('gone')
    expect(a.size('r')).toBe(0)
  })

  it('a re-queued waiter keeps its turn at the front of its level', async () => {
    const a = admission()
    const order: string[] = []
    const first = a.wait('r', 'normal', opts()).then(() => order.push('first'))
    const second = a.wait('r', 'normal', opts()).then(() => order.push('second'))
    a.pump('r')
    await first
    // `first` found no headroom after all: it waits again, with its original place.
    const again = a.wait('r', 'normal', opts({ since: -1000 })).then(() => order.push('first again'))
    a.pump('r')
    await again
    a.pump('r')
    await second
    expect(order).toEqual(['first', 'first again', 'second'])
  })

  it('keeps a queue only while someone waits in it: 5,000 one-off routes leave none behind', async () => {
    const clock = new ManualClock()
    const a = admission(clock)
    const settled: Array<Promise<unknown>> = []
    const aborts: AbortController[] = []
    for (let i = 0; i < 5_000; i++) {
      const route = `google/gemini-2.5-flash-u${i}`
      const ac = new AbortController()
      // Woken by a pump, gone with its client, or timed out on its wake timer, in turn.
      const p = a.wait(route, 'normal', opts({ signal: ac.signal, wakeAt: i % 3 === 2 ? 1 : null, giveUpAt: 1e9 }))
      settled.push(p.catch(() => undefined))
      aborts.push(ac)
      // Refused at once: full, or headroom not back in time. Neither leaves a queue.
      settled.push(a.wait(`refused-${i}`, 'normal', opts({ maxLength: 0 })).catch(() => undefined))
      settled.push(a.wait(`late-${i}`, 'normal', opts({ wakeAt: 2, giveUpAt: 1 })).catch(() => undefined))
    }
    expect(a.waitingRoutes).toBe(5_000)
    aborts.forEach((ac, i) => {
      if (i % 3 === 0) a.pump(`google/gemini-2.5-flash-u${i}`)
      if (i % 3 === 1) ac.abort(new Error('gone'))
    })
    await clock.advance(1)
    await Promise.all(settled)
    expect(a.size()).toBe(0)
    expect(a.waitingRoutes).toBe(0)
  })

  it('a pump without a route wakes each waiting route, and only those have a queue', async () => {
    const a = admission()
    const woken: string[] = []
    const ps = ['a', 'b'].map((r) => a.wait(r, 'normal', opts()).then(() => woken.push(r)))
    void a.wait('c', 'normal', opts({ maxLength: 0 })).catch(() => undefined)
    expect(a.waitingRoutes).toBe(2)
    a.pump()
    await Promise.all(ps)
    expect(woken.sort()).toEqual(['a', 'b'])
    expect(a.waitingRoutes).toBe(0)
  })
})
