/**
 * executeEither: one attempt loop in which each candidate is passed the client's request as it is (its
 * adapter takes the API) or the canonical translation (it does not), failover crossing between the two,
 * and a request only a passthrough can serve passing the others over without an attempt.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ChatChunk } from '../providers/openai-schema.ts'
import { type NativeApi, type NativeRequest, ProviderError } from '../providers/types.ts'
import {
  ScriptedAdapter,
  type Step,
  scriptedConfig,
  scriptedJob,
  type TestRuntime,
  testRuntime,
} from './__fixtures__/scripted-adapter.ts'
import { type EitherAnswer, executeEither } from './execute.ts'
import type { Runtime } from './runtime.ts'

const cfg = scriptedConfig(`  anthropic: { type: anthropic, api_key: sk-ant-test-123456 }
routes:
  native-first: { strategy: ordered, targets: [anthropic/claude-haiku-4-5, openai/gpt-4.1-mini] }
  translated-first: { strategy: ordered, targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
  translated-only: { targets: [openai/gpt-4.1-mini] }
`)
const CLAUDE = 'anthropic/claude-haiku-4-5'
const MINI = 'openai/gpt-4.1-mini'

/** The scripted adapter without passthrough: the type `openai` here, which gets the translation. */
class TranslatingAdapter extends ScriptedAdapter {
  override readonly nativeApis: ReadonlySet<NativeApi> = new Set()
}

let t: TestRuntime
let speaking: ScriptedAdapter
let translating: TranslatingAdapter
let rt: Runtime
afterEach(() => t.rt.states.close())

/** Anthropic's target on an adapter that takes its API, OpenAI's on one that does not. */
function setUp(script: Partial<Record<typeof CLAUDE | typeof MINI, Step[]>>) {
  speaking = new ScriptedAdapter({ [CLAUDE]: script[CLAUDE] ?? [] })
  translating = new TranslatingAdapter({ [MINI]: script[MINI] ?? [] })
  t = testRuntime(speaking)
  rt = { ...t.rt, adapters: (type) => (type === 'anthropic' ? speaking : translating) }
}

const native = (stream: boolean): NativeRequest => ({
  api: 'anthropic-messages',
  body: { model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'Say hello.' }], stream },
  stream,
  headers: {},
})

const down = () => new ProviderError({ provider: 'p', status: 503, kind: 'overloaded', message: 'overloaded' })

function outcomes(): Array<[string, string]> {
  return t.events.map((e) => [e.target.id, e.outcome])
}

async function text(a: EitherAnswer): Promise<string> {
  if (a.via === 'translated') return a.completion.choices[0]?.message.content ?? ''
  if (a.via === 'native') {
    if (a.answer.kind === 'json') return a.answer.body
    let out = ''
    for await (const f of a.answer.frames) out += f.data
    return out
  }
  let out = ''
  for await (const c of a.chunks as AsyncIterable<ChatChunk>) out += c.choices[0]?.delta.content ?? ''
  return out
}

describe('executeEither', () => {
  it('a passthrough that fails moves on to a translated call in the same loop', async () => {
    setUp({ [CLAUDE]: [{ fail: down() }], [MINI]: [{ answer: 'hello there' }] })
    const ex = await executeEither(scriptedJob(cfg, 'native-first'), rt, native(false), null)
    expect(ex.target.id).toBe(MINI)
    expect(ex.upstream.body.via).toBe('translated')
    expect(await text(ex.upstream.body)).toBe('hello there')
    expect(outcomes()).toEqual([
      [CLAUDE, 'failed_over'],
      [MINI, 'ok'],
    ])
    expect(speaking.calls[0]?.native).toEqual(native(false))
    expect(translating.calls[0]?.native).toBeUndefined()
  })

  it('a translated stream that fails before its first content moves on to a passed-through stream', async () => {
    setUp({ [MINI]: [{ words: [], breakWith: down() }], [CLAUDE]: [{ answer: 'one two' }] })
    const ex = await executeEither(scriptedJob(cfg, 'translated-first', true), rt, native(true), null)
    expect(ex.target.id).toBe(CLAUDE)
    expect(ex.upstream.body.via).toBe('native')
    expect(await text(ex.upstream.body)).toContain('"text":" two"')
    expect(outcomes()).toEqual([
      [MINI, 'failed_over'],
      [CLAUDE, 'ok'],
    ])
    expect(ex.usage()).toMatchObject({ completionTokens: 2 })
  })

  it('a translated stream: chunks, settled when they end', async () => {
    setUp({ [MINI]: [{ answer: 'a b c' }] })
    const ex = await executeEither(scriptedJob(cfg, 'translated-only', true), rt, native(true), null)
    expect(ex.upstream.body.via).toBe('translated-stream')
    expect(await text(ex.upstream.body)).toBe('a b c')
    expect(outcomes()).toEqual([[MINI, 'ok']])
  })

  it('untranslatable: the others are passed over without an attempt, and the decision says why', async () => {
    setUp({ [CLAUDE]: [{ answer: 'searched' }] })
    const job = scriptedJob(cfg, 'translated-first')
    const ex = await executeEither(job, rt, native(false), { param: 'tools.0', why: null })
    expect(ex.target.id).toBe(CLAUDE)
    expect(ex.attempts).toBe(1)
    expect(outcomes()).toEqual([[CLAUDE, 'ok']])
    expect(translating.calls).toHaveLength(0)
    expect(job.report.decision).toContain(
      'openai#1/gpt-4.1-mini (tools.0 needs a target that takes anthropic-messages as sent)',
    )
  })

  it('untranslatable on a route with no passthrough target: 400 no_capable_target, nothing called', async () => {
    setUp({})
    const job = scriptedJob(cfg, 'translated-only')
    const why = 'tools.0: the web_search tool can only be served by an Anthropic target: others have none'
    const err = await executeEither(job, rt, native(false), { param: 'tools.0', why }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderError)
    expect(err).toMatchObject({ status: 400, code: 'no_capable_target', param: 'tools.0' })
    // The refusal's why leads, then each target passed over.
    expect((err as Error).message).toBe(
      `${why}. No target of route "translated-only" takes anthropic-messages as sent: ` +
        'openai#1/gpt-4.1-mini: tools.0 needs a target that takes anthropic-messages as sent.',
    )
    expect(t.events).toHaveLength(0)
    expect(translating.calls).toHaveLength(0)
  })
})
