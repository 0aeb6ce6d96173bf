import { describe, expect, it } from 'vitest'
import { createCatalog } from '../catalog/catalog.ts'
import type { Target } from '../providers/types.ts'
import type { AttemptEvent } from '../routing/events.ts'
import { attemptRow, spendListener } from './attempt-row.ts'
import type { SpendRow } from './types.ts'

const target: Target = {
  id: 'openai/gpt-4.1-mini',
  provider: 'openai',
  type: 'openai',
  model: 'gpt-4.1-mini',
  keyAlias: 'openai#2',
  stateId: 'openai#2/gpt-4.1-mini',
  apiKey: 'sk-secret-key-1234567890',
  baseUrl: 'https://api.openai.com/v1',
  timeoutMs: 60_000,
}
const ctx = {
  requestId: 'req-1',
  clientRequestId: 'client-1',
  virtualKey: 'team-a',
  endUser: 'u-7',
  modelRequested: 'fast',
  priority: 'normal' as const,
  queuedMs: 12,
}
const model = createCatalog().lookup({ provider: 'openai', family: 'openai', model: 'gpt-4.1-mini' })

const event = (over: Partial<AttemptEvent> = {}): AttemptEvent => ({
  ctx,
  route: 'fast',
  stream: true,
  target,
  model,
  attempt: 2,
  outcome: 'ok',
  status: 200,
  errorCode: null,
  usage: {
    promptTokens: 1_000_000,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    completionTokens: 1_000_000,
    reasoningTokens: 0,
  },
  usageSource: 'provider',
  startedAt: 1_700_000_000_000,
  latencyMs: 1234.4,
  ttftMs: 210.6,
  modelServed: 'gpt-4.1-mini-2025-04-14',
  finishReasons: ['stop'],
  ...over,
})

describe('attemptRow', () => {
  it('an answered attempt: who asked, where it went, its tokens priced from the event’s catalog entry', () => {
    expect(attemptRow(event())).toEqual({
      ts: 1_700_000_000_000,
      requestId: 'req-1',
      clientRequestId: 'client-1',
      virtualKey: 'team-a',
      endUser: 'u-7',
      route: 'fast',
      provider: 'openai',
      keyAlias: 'openai#2',
      modelRequested: 'fast',
      modelServed: 'gpt-4.1-mini-2025-04-14',
      stream: true,
      outcome: 'ok',
      httpStatus: 200,
      errorCode: null,
      attempt: 2,
      promptTokens: 1_000_000,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      completionTokens: 1_000_000,
      reasoningTokens: 0,
      // $0.40 + $1.60 per 1M tokens, in micro-cents
      costMicrocents: 200_000_000,
      latencyMs: 1234,
      ttftMs: 211,
      usageSource: 'provider',
      priceEntry: 'gpt-4.1-mini',
      queuedMs: 12,
    } satisfies SpendRow)
  })

  it('a failed attempt: its status and code, no tokens, no cost, the target’s own model', () => {
    const row = attemptRow(
      event({
        outcome: 'failed_over',
        status: 429,
        errorCode: 'rate_limit_exceeded',
        usage: null,
        usageSource: 'none',
        ttftMs: null,
        modelServed: null,
      }),
    )
    expect(row).toMatchObject({
      outcome: 'failed_over',
      httpStatus: 429,
      errorCode: 'rate_limit_exceeded',
      promptTokens: 0,
      completionTokens: 0,
      costMicrocents: 0,
      priceEntry: null,
      usageSource: 'none',
      ttftMs: null,
      modelServed: 'gpt-4.1-mini',
    })
  })

  it('an unknown model costs 0 and names no price entry', () => {
    expect(attemptRow(event({ model: null }))).toMatchObject({
      costMicrocents: 0,
      priceEntry: null,
      promptTokens: 1_000_000,
    })
  })

  it('scrubs the key out of the model name the provider reported', () => {
    expect(attemptRow(event({ modelServed: `echo-${target.apiKey}` })).modelServed).not.toContain(target.apiKey)
  })
})

describe('spendListener', () => {
  it('hands each attempt’s row to the sink', () => {
    const rows: SpendRow[] = []
    spendListener({ write: (r) => rows.push(r) }).onAttempt(event())
    expect(rows).toEqual([attemptRow(event())])
  })
})
