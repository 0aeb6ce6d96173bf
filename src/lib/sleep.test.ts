import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { abortableSleep } from './sleep.ts'

describe('abortableSleep', () => {
  beforeEach(() => void vi.useFakeTimers())
  afterEach(() => void vi.useRealTimers())

  const settled = (p: Promise<void>) => {
    let done = false
    void p.then(() => (done = true))
    return () => done
  }

  it('resolves once the time has passed, not before', async () => {
    const done = settled(abortableSleep(1_000, new AbortController().signal))
    await vi.advanceTimersByTimeAsync(999)
    expect(done()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(done()).toBe(true)
  })

  it('resolves at the abort, and leaves no timer or listener behind', async () => {
    const ac = new AbortController()
    const done = settled(abortableSleep(60_000, ac.signal))
    ac.abort()
    await vi.advanceTimersByTimeAsync(0)
    expect(done()).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('resolves at once when the signal is already aborted', async () => {
    const ac = new AbortController()
    ac.abort()
    const done = settled(abortableSleep(60_000, ac.signal))
    await vi.advanceTimersByTimeAsync(0)
    expect(done()).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })
})
