import { afterEach, describe, expect, it } from 'vitest'
import { timedOut } from '../providers/provider-errors.ts'
import { type NativeAnswer, type NativeRequest, ProviderError, type Upstream } from '../providers/types.ts'
import {
  ScriptedAdapter,
  scriptedConfig,
  scriptedFrame,
  scriptedJob,
  type TestRuntime,
  testRuntime,
} from './__fixtures__/scripted-adapter.ts'
import { executeEither } from './execute.ts'

const cfg = scriptedConfig(`routes:
  three: { strategy: ordered, targets: [openai/gpt-4.1-mini, openai/gpt-4.1-nano, openai/gpt-4o-mini] }
  one: { targets: [openai/gpt-4.1-mini] }
`)

const MINI = 'openai/gpt-4.1-mini'
const NANO = 'openai/gpt-4.1-nano'

let t: TestRuntime
afterEach(() => t.rt.states.close())

const native = (stream: boolean): NativeRequest => ({
  api: 'anthropic-messages',
  body: { model: 'three', max_tokens: 100, messages: [{ role: 'user', content: 'Say hello.' }], stream },
  stream,
  headers: { 'anthropic-version': '2023-06-01' },
})

function attempts(): Array<[number, string, string, number, string]> {
  return t.events.map((e) => [e.attempt, e.target.id, e.outcome, e.status, e.usageSource])
}

async function drain(a: NativeAnswer): Promise<string> {
  if (a.kind !== 'stream') throw new Error('not a stream')
  let bytes = ''
  for await (const f of a.frames) bytes += f.data
  return bytes
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  )
  if (!(err instanceof ProviderError)) throw err
  return err
}

const words = (model: string, ...ws: string[]) =>
  scriptedFrame('message_start', { model }) +
  ws.map((w, i) => scriptedFrame('content_block_delta', { text: i === 0 ? w : ` ${w}` })).join('') +
  scriptedFrame('message_stop', {})

/** executeEither on a route whose targets all take the client's API: every attempt a passthrough. */
async function passedThrough(...args: Parameters<typeof executeEither>) {
  const ex = await executeEither(...args)
  const body = ex.upstream.body
  if (body.via !== 'native') throw new Error(`answered ${body.via}`)
  return { ...ex, upstream: { ...ex.upstream, body: body.answer } as Upstream<NativeAnswer> }
}

describe('executeEither, passed through', () => {
  it('a JSON answer: the body as the adapter gave it, one event with the provider’s usage', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ answer: 'hello there' }] }))
    const ex = await passedThrough(scriptedJob(cfg, 'one'), t.rt, native(false), null)
    expect(ex.upstream.body).toMatchObject({ kind: 'json', body: '{"text":"hello there"}' })
    expect(attempts()).toEqual([[1, MINI, 'ok', 200, 'provider']])
    expect(ex.usage()).toMatchObject({ promptTokens: 10, completionTokens: 2 })
    expect(t.adapter.calls[0]!.native).toEqual(native(false))
    // The provider's own stop reason, as it said it.
    expect(t.events[0]!.finishReasons).toEqual(['end_turn'])
  })

  it('fails over invisibly before the first content frame; the event goes out when the stream ends', async () => {
    t = testRuntime(
      new ScriptedAdapter({
        [MINI]: [{ words: [], breakWith: timedOut('openai', 'broke before content') }],
        [NANO]: [{ answer: 'one two three' }],
      }),
    )
    const ex = await passedThrough(scriptedJob(cfg, 'three', true), t.rt, native(true), null)
    expect(ex.target.id).toBe(NANO)
    expect(attempts()).toEqual([[1, MINI, 'failed_over', 504, 'none']])
    // The failed attempt's opening frame was held, never sent: the client gets one stream, from NANO.
    expect(await drain(ex.upstream.body)).toBe(words('gpt-4.1-nano', 'one', 'two', 'three'))
    expect(attempts()).toEqual([
      [1, MINI, 'failed_over', 504, 'none'],
      [2, NANO, 'ok', 200, 'provider'],
    ])
    expect(t.events.map((e) => e.finishReasons)).toEqual([null, ['end_turn']])
    expect(ex.usage()).toMatchObject({ promptTokens: 10, completionTokens: 3 })
  })

  it('a stream that breaks after its first content: the error from the iterator, one error event, estimated', async () => {
    const broke = new ProviderError({ provider: 'openai', status: 502, kind: 'stream', message: 'cut' })
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ words: ['partial', 'answer'], breakWith: broke }] }))
    const ex = await passedThrough(scriptedJob(cfg, 'one', true), t.rt, native(true), null)
    const err = await failure(drain(ex.upstream.body))
    expect(err.kind).toBe('stream')
    expect(attempts()).toEqual([[1, MINI, 'error', 502, 'estimated']])
    expect(t.events[0]!.finishReasons).toBeNull()
    // Estimated from text(): "partial answer", not from nothing.
    expect(ex.usage()!.completionTokens).toBeGreaterThan(0)
  })

  it('a client that stops reading: one cancelled event with the tokens so far', async () => {
    t = testRuntime(new ScriptedAdapter({ [MINI]: [{ answer: 'a b c d e f' }] }))
    const ex = await passedThrough(scriptedJob(cfg, 'one', true), t.rt, native(true), null)
    if (ex.upstream.body.kind !== 'stream') throw new Error('not a stream')
    const it = ex.upstream.body.frames[Symbol.asyncIterator]()
    await it.next()
    await it.next()
    await it.return!()
    expect(attempts()).toEqual([[1, MINI, 'cancelled', 200, 'estimated']])
  })
})
