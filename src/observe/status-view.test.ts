import { describe, expect, it } from 'vitest'
import { duration, formatStatus, parseRoutingState } from './status-view.ts'

const NOW = '2026-11-28T12:00:00.000Z'
const health = (over: Record<string, unknown> = {}) => ({
  coolingUntil: null,
  breaker: 'closed',
  errorRate: 0,
  latency: { ttft: { ewmaMs: null }, total: { ewmaMs: 1234 } },
  ...over,
})

describe('formatStatus', () => {
  it('shows the tightest headroom and the shortest runway, a cooldown left, the breaker and the latency', () => {
    const state = parseRoutingState({
      now: NOW,
      targets: [
        {
          id: 'openai#1/gpt-4.1-mini',
          state: health({ coolingUntil: Date.parse(NOW) + 12_000, breaker: 'open' }),
          headroom: { requests: 0.5, tokens: 0.12 },
          runway: { requests: '+Inf', tokens: 192.4 },
        },
        { id: 'anthropic#1/claude-haiku-4-5', state: 'not used yet', headroom: {}, runway: {} },
        {
          id: 'evil\u001b]0;owned\u0007',
          state: health({ latency: { ttft: { ewmaMs: 310 }, total: { ewmaMs: 900 } } }),
        },
      ],
    })
    expect(state).not.toBeNull()
    expect(formatStatus(state!)).toBe(
      [
        'TARGET                        STATE         HEADROOM    RUNWAY         BREAKER  LATENCY',
        'openai#1/gpt-4.1-mini         cooling 12s   12% tokens  3m 12s tokens  open     1.2s',
        'anthropic#1/claude-haiku-4-5  not used yet  -           -              -        -',
        'evil?]0;owned?                ok            -           -              closed   ttft 310ms',
        '',
      ].join('\n'),
    )
  })

  it('is null for what is not a routing state', () => {
    expect(parseRoutingState({ data: [] })).toBeNull()
    expect(parseRoutingState(null)).toBeNull()
  })
})

describe('duration', () => {
  it.each([
    [0.4, '0s'],
    [42, '42s'],
    [192, '3m 12s'],
    [7_500, '2h 05m'],
    ['+Inf' as const, '∞'],
  ])('%s → %s', (s, text) => {
    expect(duration(s)).toBe(text)
  })
})
