import { afterEach, describe, expect, it } from 'vitest'
import type { ChatChunk } from '../providers/openai-schema.ts'
import { timedOut } from '../providers/provider-errors.ts'
import { ProviderError, type ProviderErrorKind } from '../providers/types.ts'
import {
  ScriptedAdapter,
  scriptedConfig,
  scriptedJob,
  type TestRuntime,
  testRuntime,
} from './__fixtures__/scripted-adapter.ts'
import { executeComplete, executeStream } from './execute.ts'
import type { Job } from './runtime.ts'

const cfg = scriptedConfig(`routes:
  three: { strategy: ordered, targets: [openai/gpt-4.1-mini, openai/gpt-4.1-nano, openai/gpt-4o-mini] }
  one: { targets: [openai/gpt-4.1-mini] }
  stalls: { strategy: ordered, first_byte_timeout_ms: 1000, targets: [openai/gpt-4.1-mini, openai/gpt-4.1-nano] }
  short: { timeout_ms: 5000, targets: [openai/gpt-4.1-mini] }
`)

const MINI = 'openai/gpt-4.1-mini'
const NANO = 'openai/gpt-4.1-nano'
const FOUR_O = 'openai/gpt-4o-mini'

let t: TestRuntime
afterEach(() => t.rt.states.close())

function job(route: string, stream = false): Job {
  return scriptedJob(cfg, route, stream)
}

function upstreamError(status: number, kind: ProviderErrorKind, retryAfterMs: number | null = null): ProviderError {
  return new ProviderError({
    provider: 'openai',
    status,
    upstreamStatus: status,
    kind,
    message: `upstream ${status}`,
    retryAfterMs,
  })
}

/** Each attempt event as [attempt, target, outcome, status]. */
function attempts(): Array<[number, string, string, number]> {
  return t.events.map((e) => [e.attempt, e.target.id, e.outcome, e.status])
}

/** `p`'s error (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  )
  if (!(err instanceof ProviderError)) throw err
  return err
}

async function drain(chunks: AsyncIterable<ChatChunk>): Promise<string> {
  let text = ''
  for await (const c of chunks) text += c.choices[0]?.delta.content ?? ''
  return text
}

describe('failover', () => {
  it('tries the targets in the route’s order until one answers; one event per attempt', async () => {
    t = testRuntime(
      new ScriptedAdapter({
        [MINI]: [{ fail: upstreamError(503, 'overloaded') }],
        [NANO]: [{ fail: upstreamError(401, 'auth') }],
        [FOUR_O]: [{ answer: 'hello there' }],
      }),
    )
    const j = job('three')
    const ex = await executeComplete(j, t.rt)
    expect(t.adapter.called).toEqual([MINI, NANO, FOUR_O])
    expect(ex.target.id).toBe(FOUR_O)
    expect([ex.attempts, j.report.attempts, j.report.target?.id]).toEqual([3, 3, FOUR_O])
    expect(ex.upstream.body.choices[0]!.message.content).toBe('hello there')
    expect(attempts()).toEqual([
      [1, MINI, 'failed_over', 503],
      [2, NANO, 'failed_over', 401],
      [3, FOUR_O, 'ok', 200],
    ])
    // The answer's finish_reasons; a failed attempt has none.
    expect(t.events.map((e) => e.finishReasons)).toEqual([null, null, ['stop']])
    expect(j.report.decision).toContain('failed: openai#1/gpt-4.1-mini 503 overloaded, openai#1/gpt-4.1-nano 401 auth')
  })

  it('a request the upstream refuses as bad goes back at once: no other target is tried', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ fail: upstreamError(400, 'bad_request') }] }))
    const err = await failure(executeComplete(job('three'), t.rt))
    expect([err.status, err.kind]).toEqual([400, 'bad_request'])
    expect(t.adapter.called).toEqual([MINI])
    expect(attempts()).toEqual([[1, MINI, 'error', 400]])
  })
})

describe('retries', () => {
  it('waits out the last target’s Retry-After, to the millisecond, then tries it again', async () => {
    t = testRuntime(
      new ScriptedAdapter({ [MINI]: [{ fail: upstreamError(429, 'rate_limit', 1_500) }, { answer: 'hi' }] }),
    )
    const p = executeComplete(job('one'), t.rt)
    await t.clock.advance(1_499)
    expect(t.adapter.called).toEqual([MINI])
    await t.clock.advance(1)
    const ex = await p
    expect(t.adapter.called).toEqual([MINI, MINI])
    expect(ex.attempts).toBe(2)
    expect(attempts()).toEqual([
      [1, MINI, 'failed_over', 429],
      [2, MINI, 'ok', 200],
    ])
  })

  it('does not wait for a Retry-After longer than max_retry_after_ms: the 429 is the answer', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ fail: upstreamError(429, 'rate_limit', 60_000) }] }))
    const err = await failure(executeComplete(job('one'), t.rt))
    expect([err.status, err.retryAfterMs]).toEqual([429, 60_000])
    expect(t.adapter.called).toEqual([MINI])
    expect(attempts()).toEqual([[1, MINI, 'error', 429]])
  })

  it('retries a 5xx on the same target after a jittered backoff (random 0.5 of base_ms 100)', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ fail: upstreamError(500, 'server') }, { answer: 'hi' }] }))
    const p = executeComplete(job('one'), t.rt)
    await t.clock.advance(49)
    expect(t.adapter.called).toEqual([MINI])
    await t.clock.advance(1)
    await p
    expect(attempts()).toEqual([
      [1, MINI, 'failed_over', 500],
      [2, MINI, 'ok', 200],
    ])
  })
})

describe('timeouts', () => {
  it('a target without a first byte within first_byte_timeout_ms fails over as a timeout', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ hang: true }], [NANO]: [{ answer: 'late but fine' }] }))
    const p = executeComplete(job('stalls'), t.rt)
    await t.clock.advance(999)
    expect(t.adapter.called).toEqual([MINI])
    expect(t.adapter.calls[0]!.signal.aborted).toBe(false)
    await t.clock.advance(1)
    const ex = await p
    expect(t.adapter.calls[0]!.signal.aborted).toBe(true)
    expect(ex.target.id).toBe(NANO)
    expect(t.events.map((e) => [e.attempt, e.outcome, e.status, e.errorCode])).toEqual([
      [1, 'failed_over', 504, 'timeout'],
      [2, 'ok', 200, null],
    ])
  })

  it('the route’s deadline aborts the attempt in flight: 504, and the attempt’s one event', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ hang: true }] }))
    const p = failure(executeComplete(job('short'), t.rt))
    await t.clock.advance(5_000)
    const err = await p
    expect([err.status, err.kind]).toEqual([504, 'timeout'])
    expect(err.message).toMatch(/deadline/)
    expect(attempts()).toEqual([[1, MINI, 'error', 504]])
    expect(t.clock.pendingTimers).toBe(0)
  })
})

describe('a client that goes away', () => {
  it('during an attempt: a cancel, its one event says so, nothing else is tried', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ hang: true }] }))
    const j = job('three')
    const p = failure(executeComplete(j, t.rt))
    await t.clock.advance(0)
    j.controller.abort()
    const err = await p
    expect([err.status, err.kind]).toEqual([499, 'cancelled'])
    expect(t.adapter.called).toEqual([MINI])
    expect(attempts()).toEqual([[1, MINI, 'cancelled', 499]])
  })

  it('between attempts (in a retry wait): the failed attempt still has its one event, no other is made', async () => {
    t = testRuntime(
      new ScriptedAdapter({ [MINI]: [{ fail: upstreamError(429, 'rate_limit', 2_000) }, { answer: 'never' }] }),
    )
    const j = job('one')
    const p = failure(executeComplete(j, t.rt))
    await t.clock.advance(1_000)
    j.controller.abort()
    const err = await p
    expect(err.kind).toBe('cancelled')
    expect(t.adapter.called).toEqual([MINI])
    expect(attempts()).toEqual([[1, MINI, 'cancelled', 429]])
    expect(t.clock.pendingTimers).toBe(0)
  })
})

describe('streams', () => {
  it('fail over invisibly before the first content; the stream’s event goes out when it ends, once', async () => {
    t = testRuntime(
      new ScriptedAdapter({
        [MINI]: [{ words: [], breakWith: timedOut('openai', 'broke before content') }],
        [NANO]: [{ answer: 'one two three' }],
      }),
    )
    const ex = await executeStream(job('three', true), t.rt)
    expect(attempts()).toEqual([[1, MINI, 'failed_over', 504]])
    expect(await drain(ex.upstream.body)).toBe('one two three')
    expect(attempts()).toEqual([
      [1, MINI, 'failed_over', 504],
      [2, NANO, 'ok', 200],
    ])
    // The stream's finish chunk's finish_reason.
    expect(t.events.map((e) => e.finishReasons)).toEqual([null, ['stop']])
    expect(ex.usage()).toMatchObject({ promptTokens: 10, completionTokens: 3 })
  })

  it('a stream the client stops reading: one cancelled event, with the tokens so far estimated', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ answer: 'a b c d e f' }] }))
    const ex = await executeStream(job('one', true), t.rt)
    const it = ex.upstream.body[Symbol.asyncIterator]()
    await it.next()
    await it.next()
    await it.return!()
    await it.return!()
    expect(t.events.map((e) => [e.outcome, e.usageSource, e.finishReasons])).toEqual([['cancelled', 'estimated', null]])
  })

  it('a stream that breaks after its first content: one error event, and the error from the iterator', async () => {
    t = testRuntime(
      new ScriptedAdapter({ [MINI]: [{ words: ['partial', 'answer'], breakWith: upstreamError(502, 'stream') }] }),
    )
    const ex = await executeStream(job('one', true), t.rt)
    const err = await failure(drain(ex.upstream.body))
    expect(err.kind).toBe('stream')
    expect(attempts()).toEqual([[1, MINI, 'error', 502]])
  })
})
