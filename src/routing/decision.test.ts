import { describe, expect, it } from 'vitest'
import type { Target } from '../providers/types.ts'
import { describeSkip, noTargetError, type Skipped, waitFor } from './decision.ts'
import type { SkipReason } from './types.ts'

const NOW = 1_700_000_000_000
const skip = (name: string, reason: SkipReason): Skipped => ({
  target: { keyAlias: `${name}#1`, model: 'm' } as Target,
  reason,
})
const open = (name: string, inMs: number) => skip(name, { kind: 'breaker_open', untilMs: NOW + inMs })
const cooling = (name: string, inMs: number) => skip(name, { kind: 'cooling', untilMs: NOW + inMs })
const tooLarge: SkipReason = { kind: 'too_large', dimension: 'tokens', need: 50_012, limit: 30_000 }
const answer = (skipped: Skipped[]) => {
  const e = noTargetError('r', skipped, NOW)
  return { status: e.status, code: e.code, retryAfterMs: e.retryAfterMs }
}

describe('noTargetError', () => {
  it('every target broken (breaker open or its probe in flight): 503 with Retry-After at the soonest half-open', () => {
    expect(answer([open('a', 8000), open('b', 3000), skip('c', { kind: 'probing' })])).toEqual({
      status: 503,
      code: 'no_available_target',
      retryAfterMs: 1000,
    })
    expect(answer([open('a', 8000), open('b', 3000)])).toEqual({
      status: 503,
      code: 'no_available_target',
      retryAfterMs: 3000,
    })
  })

  it('every target rate-limited: 429 with Retry-After at the soonest recovery', () => {
    expect(answer([cooling('a', 12_000), skip('b', { kind: 'no_headroom', untilMs: NOW + 4000 })])).toEqual({
      status: 429,
      code: 'rate_limit_exceeded',
      retryAfterMs: 4000,
    })
    expect(answer([skip('a', { kind: 'concurrency' })])).toEqual({
      status: 429,
      code: 'rate_limit_exceeded',
      retryAfterMs: 1000,
    })
  })

  it('a mix answers with what clears first: a rate limit → 429, a half-open → 503', () => {
    expect(answer([open('a', 30_000), cooling('b', 20_000)])).toEqual({
      status: 429,
      code: 'rate_limit_exceeded',
      retryAfterMs: 20_000,
    })
    expect(answer([open('a', 5000), cooling('b', 20_000)])).toEqual({
      status: 503,
      code: 'no_available_target',
      retryAfterMs: 5000,
    })
  })

  it('targets that could never serve the request are not waited for: 400 when none could, else they are left out', () => {
    expect(answer([skip('a', { kind: 'capability', missing: 'vision' })])).toEqual({
      status: 400,
      code: 'no_capable_target',
      retryAfterMs: null,
    })
    expect(answer([skip('a', tooLarge)])).toEqual({ status: 400, code: 'no_capable_target', retryAfterMs: null })
    expect(answer([skip('a', tooLarge), cooling('b', 2000)])).toEqual({
      status: 429,
      code: 'rate_limit_exceeded',
      retryAfterMs: 2000,
    })
    expect(answer([skip('a', { kind: 'context', need: 9, limit: 1 }), open('b', 2000)])).toEqual({
      status: 503,
      code: 'no_available_target',
      retryAfterMs: 2000,
    })
  })
})

describe('waitFor: what a request without a target waits for', () => {
  const giveUpAt = NOW + 10_000

  it('a rate limit that clears within the wait: until then; a slot held by a request in flight: until it ends (null)', () => {
    expect(waitFor([cooling('a', 4000), cooling('b', 2000)], giveUpAt)).toBe(NOW + 2000)
    expect(waitFor([skip('a', { kind: 'concurrency' })], giveUpAt)).toBeNull()
    expect(waitFor([skip('a', { kind: 'concurrency' }), cooling('b', 2000)], giveUpAt)).toBe(NOW + 2000)
  })

  it('never a target the request is too large for: no wait would make it fit', () => {
    expect(waitFor([skip('a', tooLarge)], giveUpAt)).toBeUndefined()
    expect(waitFor([skip('a', tooLarge), cooling('b', 2000)], giveUpAt)).toBe(NOW + 2000)
  })

  it('never a broken target, however soon its half-open; nor a rate limit that outlasts the wait', () => {
    expect(waitFor([open('a', 1000), skip('b', { kind: 'probing' })], giveUpAt)).toBeUndefined()
    expect(waitFor([cooling('a', 60_000)], giveUpAt)).toBeUndefined()
    expect(waitFor([open('a', 1000), cooling('b', 60_000)], giveUpAt)).toBeUndefined()
    expect(waitFor([open('a', 1000), cooling('b', 3000)], giveUpAt)).toBe(NOW + 3000)
  })
})

describe('describeSkip: a request too large for a limit', () => {
  it('names what it needs and the limit; the prompt part is an estimate (~)', () => {
    expect(describeSkip(tooLarge, NOW)).toBe('needs ~50012 tokens, more than its limit of 30000 per minute')
    expect(describeSkip({ kind: 'too_large', dimension: 'outputTokens', need: 10_000, limit: 8000 }, NOW)).toBe(
      'needs 10000 output tokens, more than its limit of 8000 per minute',
    )
    expect(describeSkip({ kind: 'too_large', dimension: 'inputTokens', need: 41_000, limit: 40_000 }, NOW)).toBe(
      'needs ~41000 input tokens, more than its limit of 40000 per minute',
    )
  })
})
