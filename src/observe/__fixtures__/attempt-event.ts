/** A made-up attempt event for the listeners' tests: answered, 1,000 prompt and 200 completion tokens. */
import type { Target } from '../../providers/types.ts'
import type { AttemptEvent } from '../../routing/events.ts'

export const T0 = Date.parse('2026-11-28T12:00:00Z')

export function targetOf(stateId = 'openai#1/gpt-4.1-mini'): Target {
  const [keyAlias = 'openai#1', model = 'gpt-4.1-mini'] = stateId.split('/')
  const provider = keyAlias.replace(/#\d+$/, '')
  return {
    id: `${provider}/${model}`,
    provider,
    type: 'openai',
    model,
    keyAlias,
    stateId,
    apiKey: 'sk-test-key-1234567890',
    baseUrl: 'http://127.0.0.1:9/v1',
    timeoutMs: 60_000,
  }
}

export function attemptEvent(over: Partial<AttemptEvent> = {}): AttemptEvent {
  return {
    ctx: {
      requestId: 'req-1',
      clientRequestId: null,
      virtualKey: null,
      endUser: null,
      modelRequested: 'fast',
      priority: 'normal',
      queuedMs: 0,
    },
    route: 'fast',
    stream: false,
    target: targetOf(),
    model: null,
    attempt: 1,
    outcome: 'ok',
    status: 200,
    errorCode: null,
    usage: { promptTokens: 1_000, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 200, reasoningTokens: 0 },
    usageSource: 'provider',
    startedAt: T0,
    latencyMs: 100,
    ttftMs: null,
    modelServed: null,
    finishReasons: ['stop'],
    ...over,
  }
}
