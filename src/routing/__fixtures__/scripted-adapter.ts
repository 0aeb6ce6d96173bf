/**
 * A provider adapter that plays a script instead of calling anyone, and a Runtime built around it on a
 * ManualClock: for tests of the attempt loop and of the server in-process, with no sockets and no waits.
 * Each target (by id, `openai/gpt-4.1-mini`) has its list of steps, one per call, in order.
 */
import { compileConfig } from '../../config/compile.ts'
import { parseConfig } from '../../config/load.ts'
import type { CompiledConfig } from '../../config/types.ts'
import { silentLogger } from '../../lib/logger.ts'
import { ManualClock } from '../../lib/manual-clock.ts'
import type { ChatChunk, ChatCompletion, ChatRequest } from '../../providers/openai-schema.ts'
import { cancelled } from '../../providers/provider-errors.ts'
import type {
  NativeAnswer,
  NativeApi,
  NativeFrame,
  NativeRequest,
  ProviderAdapter,
  ProviderError,
  ProviderUsage,
  Target,
  Upstream,
  UpstreamMeta,
} from '../../providers/types.ts'
import type { AttemptEvent, AttemptListener } from '../events.ts'
import { buildProfile } from '../profile.ts'
import { type HeadroomQueue, type Job, QueueFullError, type Runtime } from '../runtime.ts'
import { TargetStates } from '../target-states.ts'

/** What one call to a target does. */
export type Step =
  /** Answers with this text (streamed, word by word, when the call is a stream). */
  | { readonly answer: string }
  /** Fails before answering. */
  | { readonly fail: ProviderError }
  /** Never answers: it fails as a cancel once its signal is aborted (a timeout, the client, a deadline). */
  | { readonly hang: true }
  /** Streams these words, then breaks with this error. */
  | { readonly words: readonly string[]; readonly breakWith: ProviderError }

export interface ScriptedCall {
  readonly target: string
  readonly stream: boolean
  readonly signal: AbortSignal
  /** A passthrough call's request. */
  readonly native?: NativeRequest
}

const PROMPT_TOKENS = 10

function usageOf(text: string): ProviderUsage {
  const words = text.split(' ').filter(Boolean).length
  return {
    promptTokens: PROMPT_TOKENS,
    completionTokens: words,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  }
}

function meta(target: Target, usage: ProviderUsage | null): UpstreamMeta {
  return { usage, usageFinal: usage !== null, model: target.model, requestId: null, warnings: [] }
}

/** The completion a step `{ answer }` gives, as the adapter returns it. */
export function scriptedCompletion(target: Target, text: string): ChatCompletion {
  const u = usageOf(text)
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: target.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage: {
      prompt_tokens: u.promptTokens,
      completion_tokens: u.completionTokens,
      total_tokens: u.promptTokens + u.completionTokens,
    },
  }
}

function chunk(target: Target, delta: ChatChunk['choices'][number]['delta'], finish: 'stop' | null = null): ChatChunk {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: target.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  }
}

/** The words as chunks; a complete stream ends with its finish chunk and a usage chunk, as adapters do. */
async function* streamOf(
  target: Target,
  words: readonly string[],
  m: UpstreamMeta,
  end: ProviderError | null,
  signal: AbortSignal,
): AsyncGenerator<ChatChunk> {
  for (const [i, w] of words.entries()) {
    if (signal.aborted) throw cancelled(target.provider)
    yield chunk(target, i === 0 ? { role: 'assistant', content: w } : { content: ` ${w}` })
  }
  if (end) throw end
  const u = usageOf(words.join(' '))
  m.usage = u
  m.usageFinal = true
  yield chunk(target, {}, 'stop')
  yield {
    ...chunk(target, {}),
    choices: [],
    usage: {
      prompt_tokens: u.promptTokens,
      completion_tokens: u.completionTokens,
      total_tokens: u.promptTokens + u.completionTokens,
    },
  }
}

/**
 * A passthrough stream in Anthropic's events: an opening frame without output, a frame per word, then the
 * closing frame (a complete stream sets the usage, as adapters do when the end mark arrives).
 */
async function* framesOf(
  target: Target,
  words: readonly string[],
  m: UpstreamMeta,
  end: ProviderError | null,
  signal: AbortSignal,
): AsyncGenerator<NativeFrame> {
  yield { data: scriptedFrame('message_start', { model: target.model }), content: false }
  for (const [i, w] of words.entries()) {
    if (signal.aborted) throw cancelled(target.provider)
    yield { data: scriptedFrame('content_block_delta', { text: i === 0 ? w : ` ${w}` }), content: true }
  }
  if (end) throw end
  m.usage = usageOf(words.join(' '))
  m.usageFinal = true
  m.finishReasons = ['end_turn']
  yield { data: scriptedFrame('message_stop', {}), content: false }
}

/** One SSE event as the scripted passthrough stream sends it. */
export function scriptedFrame(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`
}

function hang(target: Target, signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const fail = () => reject(cancelled(target.provider))
    if (signal.aborted) fail()
    else signal.addEventListener('abort', fail, { once: true })
  })
}

export class ScriptedAdapter implements ProviderAdapter {
  readonly type = 'openai'
  readonly nativeApis: ReadonlySet<NativeApi> = new Set(['openai-chat', 'openai-responses', 'anthropic-messages'])
  /** Every call, in order. */
  readonly calls: ScriptedCall[] = []
  private readonly steps: Map<string, Step[]>

  constructor(script: Readonly<Record<string, readonly Step[]>> = {}) {
    this.steps = new Map(Object.entries(script).map(([k, v]) => [k, [...v]]))
  }

  /** More steps for a target, after those it has. */
  script(target: string, ...steps: Step[]): void {
    this.steps.set(target, [...(this.steps.get(target) ?? []), ...steps])
  }

  /** The targets called, in order. */
  get called(): string[] {
    return this.calls.map((c) => c.target)
  }

  private next(target: Target, stream: boolean, signal: AbortSignal, native?: NativeRequest): Step {
    this.calls.push(native ? { target: target.id, stream, signal, native } : { target: target.id, stream, signal })
    const step = this.steps.get(target.id)?.shift()
    if (!step) throw new Error(`no step scripted for call ${this.calls.length}, to ${target.id}`)
    return step
  }

  async complete(_req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<ChatCompletion>> {
    const step = this.next(target, false, signal)
    if ('fail' in step) throw step.fail
    if ('hang' in step) return hang(target, signal)
    if ('words' in step) throw new Error('a broken stream step in a call that is not a stream')
    return {
      body: scriptedCompletion(target, step.answer),
      limits: null,
      latency: {},
      meta: meta(target, usageOf(step.answer)),
    }
  }

  async stream(_req: ChatRequest, target: Target, signal: AbortSignal): Promise<Upstream<AsyncIterable<ChatChunk>>> {
    const step = this.next(target, true, signal)
    if ('fail' in step) throw step.fail
    if ('hang' in step) return hang(target, signal)
    const m = meta(target, null)
    const [words, end] = 'words' in step ? [step.words, step.breakWith] : [step.answer.split(' '), null]
    return { body: streamOf(target, words, m, end, signal), limits: null, latency: { ttftMs: 0 }, meta: m }
  }

  /** A passthrough call: a JSON body `{"text": …}`, or the words as Anthropic-like frames (see framesOf). */
  async native(req: NativeRequest, target: Target, signal: AbortSignal): Promise<Upstream<NativeAnswer>> {
    const step = this.next(target, req.stream, signal, req)
    if ('fail' in step) throw step.fail
    if ('hang' in step) return hang(target, signal)
    if (!req.stream) {
      if ('words' in step) throw new Error('a broken stream step in a call that is not a stream')
      const text = () => step.answer
      const body: NativeAnswer = { kind: 'json', body: JSON.stringify({ text: step.answer }), text }
      return {
        body,
        limits: null,
        latency: {},
        meta: { ...meta(target, usageOf(step.answer)), finishReasons: ['end_turn'] },
      }
    }
    const m = meta(target, null)
    const [words, end] = 'words' in step ? [step.words, step.breakWith] : [step.answer.split(' '), null]
    let sent = 0
    const frames = framesOf(target, words, m, end, signal)
    // The text so far: the words whose frames were pulled.
    const counted: AsyncIterable<NativeFrame> = {
      async *[Symbol.asyncIterator]() {
        for await (const f of frames) {
          if (f.content) sent++
          yield f
        }
      },
    }
    const answer: NativeAnswer = { kind: 'stream', frames: counted, text: () => words.slice(0, sent).join(' ') }
    return { body: answer, limits: null, latency: { ttftMs: 0 }, meta: m }
  }
}

/** A job for a route of `cfg`: one user message, a stream or not, nobody's key, a fresh controller. */
export function scriptedJob(cfg: CompiledConfig, route: string, stream = false): Job {
  const r = cfg.routes.get(route)!
  const req: ChatRequest = { model: route, messages: [{ role: 'user', content: 'Say hello.' }], stream }
  return {
    req,
    route: r,
    profile: buildProfile(req, { defaultExpectedOutput: r.expectedOutputTokens }),
    ctx: {
      requestId: 'req_test',
      clientRequestId: null,
      virtualKey: null,
      endUser: null,
      modelRequested: route,
      priority: 'normal',
      queuedMs: 0,
    },
    report: { attempts: 0, target: null, decision: '', events: [] },
    controller: new AbortController(),
  }
}

/** A compiled routes.yaml with one provider, `openai` (the scripted adapter plays it), then `rest`: routes, keys… */
export function scriptedConfig(rest: string): CompiledConfig {
  return compileConfig(
    parseConfig(`providers:\n  openai: { type: openai, api_key: sk-test-123456 }\n${rest}`, 'routes.yaml', {}),
  )
}

/** No queue: a request that finds no target with headroom is refused at once (as with max_wait_ms 0). */
const noQueue: HeadroomQueue = {
  size: () => 0,
  wait: () => Promise.reject(new QueueFullError('length', 'this test has no queue')),
  pump: () => {},
}

export interface TestRuntime {
  readonly rt: Runtime
  readonly clock: ManualClock
  readonly adapter: ScriptedAdapter
  /** Every attempt event, in the order emitted. */
  readonly events: AttemptEvent[]
}

/**
 * A Runtime on a ManualClock (starting at `start`), the scripted adapter for every provider type, random
 * fixed at 0.5; attempt events are recorded in `events`, then handed to `listeners`.
 */
export function testRuntime(
  adapter = new ScriptedAdapter(),
  opts: { queue?: HeadroomQueue; start?: number; listeners?: readonly AttemptListener[] } = {},
): TestRuntime {
  const clock = new ManualClock(opts.start ?? Date.UTC(2026, 0, 15, 12))
  const events: AttemptEvent[] = []
  const rt: Runtime = {
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    sleep: clock.sleep,
    states: new TargetStates(),
    adapters: () => adapter,
    random: () => 0.5,
    log: silentLogger,
    listeners: [{ onAttempt: (e) => events.push(e) }, ...(opts.listeners ?? [])],
    queue: opts.queue ?? noQueue,
  }
  return { rt, clock, adapter, events }
}
