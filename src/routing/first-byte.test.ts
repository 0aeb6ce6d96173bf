import { beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../lib/manual-clock.ts'
import { unreachable } from '../providers/provider-errors.ts'
import type { ProviderError, Target } from '../providers/types.ts'
import { withFirstByteTimeout } from './first-byte.ts'

const target = { provider: 'openai' } as Target

/** A call that settles only when its signal aborts, rejecting the way an adapter might (a connection error). */
function stalled(seen: AbortSignal[]) {
  return (signal: AbortSignal) =>
    new Promise<string>((_resolve, reject) => {
      seen.push(signal)
      signal.addEventListener('abort', () => reject(unreachable('openai', 'socket closed')))
    })
}

let clock: ManualClock
beforeEach(() => {
  clock = new ManualClock()
})

describe('withFirstByteTimeout', () => {
  it('a call without a first byte in time is aborted and becomes a timeout (a fault)', async () => {
    const seen: AbortSignal[] = []
    const p = withFirstByteTimeout(new AbortController().signal, 500, target, clock, stalled(seen)).catch(
      (e: unknown) => e,
    )
    await clock.advance(499)
    expect(seen[0]!.aborted).toBe(false)
    await clock.advance(1)
    const err = (await p) as ProviderError
    expect(seen[0]!.aborted).toBe(true)
    expect([err.kind, err.status, err.message]).toEqual([
      'timeout',
      504,
      'openai sent no first content within first_byte_timeout_ms (500 ms)',
    ])
  })

  it("an abort of the request's signal is a cancel, with or without a limit, whatever the adapter threw", async () => {
    for (const limit of [500, null]) {
      const parent = new AbortController()
      const seen: AbortSignal[] = []
      const p = withFirstByteTimeout(parent.signal, limit, target, clock, stalled(seen)).catch((e: unknown) => e)
      parent.abort(new Error('the route deadline passed'))
      expect(((await p) as ProviderError).kind).toBe('cancelled')
      expect(seen[0]!.aborted).toBe(true)
    }
  })

  it('once the call resolved the limit is off, and the signal still follows the request (a stream read later)', async () => {
    const parent = new AbortController()
    let signal: AbortSignal | undefined
    const result = await withFirstByteTimeout(parent.signal, 500, target, clock, async (s) => {
      signal = s
      return 'first content'
    })
    expect(result).toBe('first content')
    await clock.advance(10_000)
    expect(signal!.aborted).toBe(false)
    parent.abort()
    expect(signal!.aborted).toBe(true)
  })

  it('other failures pass through untouched', async () => {
    const err = unreachable('openai', 'ECONNRESET')
    await expect(
      withFirstByteTimeout(new AbortController().signal, 500, target, clock, () => Promise.reject(err)),
    ).rejects.toBe(err)
    expect(clock.pendingTimers).toBe(0)
  })
})
