/**
 * OpenAI SSE events → ChatChunk. The upstream already speaks chunks; this checks each event, maps
 * non-OpenAI finish reasons, recognises `[DONE]`, and turns an in-band `{"error":…}` (how OpenAI reports
 * a failure after HTTP 200) into a ProviderError. OpenAIStreamTransform adds what the stream tells about
 * the call as a whole: the model, the usage, and whether that usage is the closing count.
 * https://platform.openai.com/docs/api-reference/chat-streaming
 *
 * Most of a stream's chunks are one choice's text delta, and their `JSON.parse` was the largest cost of
 * Headroom's own on a chat stream (~6% of its CPU, docs/benchmarks.md): after the first chunk is parsed, a
 * chunk that has its exact fields before `choices` and one plain text delta is read by a scan instead
 * (textDelta), into the object that parsing it would give.
 */
import type { StreamDecoder } from '../http-adapter.ts'
import { type ChatChunk, RAW_JSON } from '../openai-schema.ts'
import { fromOpenAIUsage } from '../shapes.ts'
import type { SseEvent } from '../sse.ts'
import { ProviderError, type ProviderUsage } from '../types.ts'
import { parseErrorBody } from './errors.ts'
import { mapFinishReason } from './map-finish-reason.ts'

export type OpenAIStreamItem = { kind: 'chunk'; chunk: ChatChunk } | { kind: 'done' } | { kind: 'skip' }

export function transformOpenAIEvent(provider: string, data: string): OpenAIStreamItem {
  if (data === '[DONE]') return { kind: 'done' }
  let obj: unknown
  try {
    obj = JSON.parse(data)
  } catch {
    throw new ProviderError({
      provider,
      status: 502,
      kind: 'stream',
      message: `${provider} sent a malformed stream event`,
      code: 'stream_error',
    })
  }
  if (typeof obj !== 'object' || obj === null) return { kind: 'skip' }
  const rec = obj as Record<string, unknown>
  if (rec['error'] !== undefined && rec['error'] !== null) {
    const parsed = parseErrorBody(data)
    throw new ProviderError({
      provider,
      status: 502,
      kind: 'stream',
      message: parsed?.message ?? `${provider} reported an error mid-stream`,
      type: parsed?.type ?? 'server_error',
      code: parsed?.code ?? 'stream_error',
      raw: data.slice(0, 2000),
    })
  }
  if (!Array.isArray(rec['choices'])) return { kind: 'skip' }
  const chunk = obj as ChatChunk
  let changed = false
  for (const ch of chunk.choices) {
    if (ch.finish_reason != null) {
      const mapped = mapFinishReason(ch.finish_reason)
      if (mapped !== ch.finish_reason) {
        ch.finish_reason = mapped
        changed = true
      }
    }
  }
  if (!changed) chunk[RAW_JSON] = data
  return { kind: 'chunk', chunk }
}

/** One stream's events, in order (stateful: one instance per stream). */
export class OpenAIStreamTransform implements StreamDecoder {
  usage: ProviderUsage | null = null
  /** Whether `usage` is the closing count (see `push`). */
  usageFinal = false
  model: string | null = null
  /** True once `[DONE]` arrived. */
  done = false
  /** Choices seen, and those that have their finish_reason. */
  private readonly seen = new Set<number>()
  private readonly finished = new Set<number>()
  /** What the stream's chunks share before their choices (see sharedPrefix), from the first chunk parsed. */
  private shared: Shared | null = null
  private sharedRead = false

  constructor(private readonly provider: string) {}

  onEvent(ev: SseEvent, out: ChatChunk[]): void {
    const item = this.push(ev.data)
    if (item.kind === 'chunk') out.push(item.chunk)
  }

  onEnd(): void {
    if (this.done) return
    const provider = this.provider
    const message = `${provider} stream ended before [DONE]`
    throw new ProviderError({ provider, status: 502, kind: 'stream', message, code: 'stream_error' })
  }

  push(data: string): OpenAIStreamItem {
    if (this.shared !== null) {
      // The same fields as a chunk already parsed (model included), no usage, no finish: only its choice is new.
      const chunk = textDelta(data, this.shared)
      if (chunk !== null) {
        this.seen.add((chunk.choices[0] as { index: number }).index)
        return { kind: 'chunk', chunk }
      }
    }
    const item = transformOpenAIEvent(this.provider, data)
    if (item.kind === 'done') this.done = true
    if (item.kind !== 'chunk') return item
    if (!this.sharedRead) {
      this.sharedRead = true
      this.shared = sharedPrefix(data)
    }
    const c = item.chunk
    for (const ch of c.choices) {
      this.seen.add(ch.index)
      if (ch.finish_reason != null) this.finished.add(ch.index)
    }
    if (this.model === null && typeof c.model === 'string') this.model = c.model
    const usage = c.usage ? fromOpenAIUsage(c.usage) : null
    if (usage) {
      this.usage = usage
      // The closing count is the `choices: []` chunk after the last finish (include_usage), or, from some
      // compatible servers, usage on the finish chunk itself. vLLM's `continuous_usage_stats` puts a
      // running count on every chunk: partial until every choice has finished.
      this.usageFinal =
        this.seen.size > 0 && this.finished.size === this.seen.size && typeof c.usage?.completion_tokens === 'number'
    }
    return item
  }
}

/** A parsed chunk's text up to and including `"choices":[`, its fields, and how a chunk's object is made. */
interface Shared {
  readonly text: string
  readonly fields: Readonly<ChatChunk>
  readonly build: Build
}

type Choices = ChatChunk['choices']
type Build = (f: Readonly<ChatChunk>, choices: Choices, usage: boolean, raw: string) => ChatChunk

/**
 * A chunk's object for the field orders OpenAI writes (with and without `service_tier` and
 * `system_fingerprint`), as an object literal: copying the fields by a spread cost more than the
 * JSON.parse saved (Node 20). The keys are the chunk's own before `choices`, in order.
 */
const BUILDERS: ReadonlyMap<string, Build> = new Map<string, Build>([
  [
    'id,object,created,model,service_tier,system_fingerprint,choices',
    ({ id, object, created, model, service_tier, system_fingerprint }, choices, usage, raw) =>
      usage
        ? { id, object, created, model, service_tier, system_fingerprint, choices, usage: null, [RAW_JSON]: raw }
        : { id, object, created, model, service_tier, system_fingerprint, choices, [RAW_JSON]: raw },
  ],
  [
    'id,object,created,model,system_fingerprint,choices',
    ({ id, object, created, model, system_fingerprint }, choices, usage, raw) =>
      usage
        ? { id, object, created, model, system_fingerprint, choices, usage: null, [RAW_JSON]: raw }
        : { id, object, created, model, system_fingerprint, choices, [RAW_JSON]: raw },
  ],
  [
    'id,object,created,model,choices',
    ({ id, object, created, model }, choices, usage, raw) =>
      usage
        ? { id, object, created, model, choices, usage: null, [RAW_JSON]: raw }
        : { id, object, created, model, choices, [RAW_JSON]: raw },
  ],
])

/**
 * A parsed chunk's fields before its choices, when `"choices":[` is its one `choices` key (`"choices"` in a
 * string would end with an escaped quote), nothing before it is an error or usage, and its fields are in
 * one of BUILDERS' orders. OpenAI's chunks of one stream share them (id, object, created, model,
 * fingerprint) (https://platform.openai.com/docs/api-reference/chat-streaming/streaming).
 */
function sharedPrefix(data: string): Shared | null {
  const at = data.indexOf('"choices"')
  if (at === -1 || !data.startsWith('"choices":[', at) || data.includes('"choices"', at + 9)) return null
  const text = data.slice(0, at + 11)
  if (text.includes('"error"') || text.includes('"usage"')) return null
  let fields: ChatChunk
  try {
    fields = JSON.parse(`${text}]}`) as ChatChunk
  } catch {
    return null
  }
  const build = BUILDERS.get(Object.keys(fields).join(','))
  return build ? { text, fields, build } : null
}

const OPEN = '{"index":'
const DELTA = ',"delta":{"content":"'
const CLOSE = '"},"logprobs":null,"finish_reason":null}]'
const USAGE_NULL = ',"usage":null}'
const HEX4 = /^[0-9a-fA-F]{4}$/
/** JSON's one-character escapes: `"` `\\` `/` b f n r t. */
const ESCAPES: ReadonlySet<number> = new Set([34, 92, 47, 98, 102, 110, 114, 116])

/**
 * The chunk `JSON.parse` would give for `data`, when it is the shared prefix (compared as a whole string:
 * `startsWith` is several times slower on Node 20), one choice
 * `{"index":N,"delta":{"content":"…"},"logprobs":null,"finish_reason":null}` whose content is a valid JSON
 * string, and `]}` or `],"usage":null}` (the `usage` OpenAI writes on every chunk of a stream that asked for
 * it). The text so checked is valid JSON, and the object is built in its key order, so that serialising it
 * again gives the same text. Null for anything else, which is parsed.
 */
function textDelta(data: string, shared: Shared): ChatChunk | null {
  let i = shared.text.length
  if (data.slice(0, i) !== shared.text || !data.startsWith(OPEN, i)) return null
  i += OPEN.length
  let index = data.charCodeAt(i) - 48
  if (!(index >= 0 && index <= 9)) return null
  i++
  if (index !== 0)
    for (let d = data.charCodeAt(i) - 48; d >= 0 && d <= 9 && index < 100; d = data.charCodeAt(i) - 48) {
      index = index * 10 + d
      i++
    }
  if (!data.startsWith(DELTA, i)) return null
  const start = i + DELTA.length
  let j = start
  let escaped = false
  for (;;) {
    const ch = data.charCodeAt(j)
    if (ch === 34) break // the closing quote
    if (!(ch >= 32)) return null // a control character, or the text's end (NaN)
    if (ch === 92) {
      const e = data.charCodeAt(j + 1)
      if (e === 117 ? !HEX4.test(data.slice(j + 2, j + 6)) : !ESCAPES.has(e)) return null
      j += e === 117 ? 6 : 2
      escaped = true
    } else j++
  }
  if (!data.startsWith(CLOSE, j)) return null
  const rest = data.length - j - CLOSE.length
  const usage = rest === USAGE_NULL.length && data.endsWith(USAGE_NULL)
  if (!usage && (rest !== 1 || data.charCodeAt(data.length - 1) !== 125)) return null
  const raw = data.slice(start, j)
  const content = escaped ? (JSON.parse(`"${raw}"`) as string) : raw
  return shared.build(shared.fields, [{ index, delta: { content }, logprobs: null, finish_reason: null }], usage, data)
}
