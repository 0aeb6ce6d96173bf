/**
 * Anthropic Messages requests passed through (../http-native.ts): the client's body with the target's model,
 * to the same `/v1/messages` with the same key and headers as translated calls, plus the client's own
 * `anthropic-version` (it wins: the body is written for it) and `anthropic-beta` (joined to the target's, if
 * it has any: both are lists of features). The answer goes back as it came; read along the way are its
 * usage (https://docs.claude.com/en/api/messages#response-usage), its model and, in a stream, the first
 * content, the cumulative usage of `message_delta`, the end mark `message_stop` and any `error` event
 * (https://docs.claude.com/en/docs/build-with-claude/streaming#event-types).
 */

import { endpoint } from '../http.ts'
import type { PreparedTarget } from '../http-call.ts'
import { type NativeDecoded, type NativeSpec, type NativeStreamDecoder, withModel } from '../http-native.ts'
import { badResponse } from '../provider-errors.ts'
import type { NativeRequest, ProviderUsage, Target } from '../types.ts'
import { type AnthropicUsageLike, toProviderUsage } from './convert-response.ts'
import { invalidRequest, streamBroken, streamErrorEvent } from './errors.ts'
import { type AnthropicStreamEvent, mergeUsage, parseEvent } from './stream-transform.ts'

const APIS = new Set(['anthropic-messages'] as const)

/** `prepare`: the adapter's calls for a target (the same URL and headers as translated calls). */
export function anthropicNative(prepare: (target: Target) => PreparedTarget): NativeSpec {
  return {
    apis: APIS,
    prepare: (_api, target) => prepare(target),
    headers: clientHeaders,
    encode: (req, target) => withModel(req.body, target),
    decode: (_api, text, target) => decodeMessage(text, target),
    streamDecoder: (_api, target) => new AnthropicNativeStream(target.provider),
    // https://docs.claude.com/en/api/messages-count-tokens: the same key and headers, JSON only.
    counts: {
      apis: APIS,
      call(_api, target) {
        const { url, headers } = prepare(target).json
        return { url: endpoint(`${url.origin}${url.path}/count_tokens`), headers }
      },
    },
  }
}

/** The client's `anthropic-version` replaces the call's; its `anthropic-beta` joins the call's. */
function clientHeaders(
  base: Readonly<Record<string, string>>,
  req: Pick<NativeRequest, 'headers'>,
  provider: string,
): Readonly<Record<string, string>> {
  const beta = checked(req.headers, 'anthropic-beta', provider)
  let version = checked(req.headers, 'anthropic-version', provider)
  // The common case (the SDKs send the version the call already has): nothing to build.
  if (version === base['anthropic-version']) version = undefined
  if (version === undefined && beta === undefined) return base
  const out: Record<string, string> = { ...base }
  if (version !== undefined) out['anthropic-version'] = version
  if (beta !== undefined) {
    const own = base['anthropic-beta']
    out['anthropic-beta'] = own ? joinLists(own, beta) : beta
  }
  return out
}

/** Visible ASCII and spaces only: what else a client sends could not go into a header (RFC 9110 §5.5). */
const HEADER_VALUE = /^[\x20-\x7e]*$/

function checked(h: Readonly<Record<string, string>>, name: string, provider: string): string | undefined {
  const v = h[name]
  if (v === undefined || HEADER_VALUE.test(v)) return v
  throw invalidRequest(provider, `the ${name} header holds characters a header cannot carry`, name, 'invalid_header')
}

function joinLists(a: string, b: string): string {
  const seen = new Set(a.split(',').map((s) => s.trim()))
  const more = b
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && !seen.has(s))
  return more.length ? `${a},${more.join(',')}` : a
}

interface MessageLike {
  model?: unknown
  usage?: AnthropicUsageLike | null
  content?: unknown
  stop_reason?: unknown
}

function decodeMessage(text: string, target: Target): NativeDecoded {
  let msg: MessageLike
  try {
    msg = JSON.parse(text) as MessageLike
  } catch (err) {
    throw badResponse(target.provider, `the body is not valid JSON (${(err as Error).message})`)
  }
  if (typeof msg !== 'object' || msg === null) throw badResponse(target.provider, 'the body is not a JSON object')
  const usage = msg.usage ? toProviderUsage(msg.usage) : null
  return {
    usage,
    usageFinal: usage !== null,
    model: typeof msg.model === 'string' ? msg.model : null,
    finishReasons: typeof msg.stop_reason === 'string' ? [msg.stop_reason] : [],
    text: () => contentText(msg.content),
  }
}

/** The output in a Message's content blocks: text, tool calls (name + input), thinking. */
function contentText(content: unknown): string {
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const b of content as Array<Record<string, unknown>>) {
    if (typeof b !== 'object' || b === null) continue
    if (typeof b['text'] === 'string') text += b['text']
    if (typeof b['thinking'] === 'string') text += b['thinking']
    if (typeof b['name'] === 'string') text += b['name'] + JSON.stringify(b['input'] ?? {})
  }
  return text
}

/** Raw deltas kept unread up to this many characters; past it they are read (the memory a stream holds stays bounded). */
const PENDING_MAX = 256 * 1024

/**
 * One stream's facts, read as its events pass. A `content_block_delta` event, named so (as Anthropic names
 * every event), is output by its name alone: its data is kept as it came and read only if the output text
 * is asked for (an estimate, when the stream ends without its usage) — JSON.parse of every delta was the
 * largest cost of Headroom's own on a passed-through stream (docs/benchmarks.md).
 */
class AnthropicNativeStream implements NativeStreamDecoder {
  done = false
  model: string | null = null
  /** `message_delta`'s `stop_reason`. */
  finishReasons: string[] = []
  private usageSoFar: AnthropicUsageLike | null = null
  private closing = false
  private output = ''
  /** Deltas' data not yet read, in order, after `output`; and their length. */
  private pending: string[] = []
  private pendingChars = 0

  constructor(private readonly provider: string) {}

  get usage(): ProviderUsage | null {
    return this.usageSoFar ? toProviderUsage(this.usageSoFar) : null
  }

  /** `message_delta`'s cumulative count, confirmed by `message_stop`. */
  get usageFinal(): boolean {
    return this.done && this.closing
  }

  onEvent(event: string | undefined, data: string): boolean {
    if (event === 'ping' || event === 'content_block_stop') return false
    if (event === 'content_block_delta') {
      this.pending.push(data)
      this.pendingChars += data.length
      if (this.pendingChars > PENDING_MAX) this.readPending()
      return true
    }
    const ev = parseEvent(event, data, this.provider)
    switch (ev.type) {
      case 'message_start': {
        const m = ev.message
        if (typeof m?.model === 'string') this.model = m.model
        if (m?.usage) this.usageSoFar = { ...m.usage }
        return false
      }
      case 'content_block_start': {
        this.readPending()
        const b = ev.content_block
        // An opening text or thinking block is empty; a tool call's names the tool.
        if (b.type === 'text') return this.add(b.text)
        if (b.type === 'thinking') return this.add(b.thinking)
        if ('name' in b && typeof b.name === 'string') this.output += b.name
        return true
      }
      case 'content_block_delta':
        this.readPending()
        this.addDelta(ev.delta)
        return true
      case 'message_delta':
        if (typeof ev.delta?.stop_reason === 'string') this.finishReasons = [ev.delta.stop_reason]
        if (ev.usage) {
          this.usageSoFar = mergeUsage(this.usageSoFar, ev.usage)
          this.closing = true
        }
        return false
      case 'message_stop':
        this.done = true
        return false
      case 'error':
        throw streamErrorEvent(this.provider, ev)
      default:
        return false
    }
  }

  private addDelta(d: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta']): void {
    if (d.type === 'text_delta') this.output += d.text
    else if (d.type === 'input_json_delta') this.output += d.partial_json
    else if (d.type === 'thinking_delta') this.output += d.thinking
  }

  /** The kept deltas into `output` (one that is not an event after all adds nothing). */
  private readPending(): void {
    if (this.pending.length === 0) return
    for (const data of this.pending) {
      try {
        const ev = parseEvent('content_block_delta', data, this.provider)
        if (ev.type === 'content_block_delta' && ev.delta) this.addDelta(ev.delta)
      } catch {
        // Not JSON: the client got its bytes as they came; there is no text in it to count.
      }
    }
    this.pending = []
    this.pendingChars = 0
  }

  private add(text: string | undefined): boolean {
    if (!text) return false
    this.output += text
    return true
  }

  onEnd(): void {
    if (!this.done) throw streamBroken(this.provider, 'the body ended before message_stop')
  }

  text(): string {
    this.readPending()
    return this.output
  }
}
