/**
 * OpenAI requests passed through (../http-native.ts), with the key and headers of translated calls:
 * - `openai-responses` → `POST {base_url}/responses` (https://platform.openai.com/docs/api-reference/responses),
 *   the client's body with the target's model. Usage from the Response's `usage`; in a stream, from
 *   `response.completed` / `response.incomplete`, the end marks, while `response.failed` and `error` events
 *   are errors (https://platform.openai.com/docs/api-reference/responses-streaming).
 * - `openai-chat` → `POST {base_url}/chat/completions`, the body built as for a translated call (./convert-request.ts):
 *   the client's fields with the target's model, and — the one change to what the client sent — a reasoning
 *   model's renames (`max_tokens` → `max_completion_tokens`, sampling parameters it refuses) and a compatible
 *   server's quirks, without which those targets would answer 400. A stream asks for
 *   `stream_options.include_usage` (spend needs the usage); when the client did not, the usage-only chunk is
 *   left out of what it gets (the other chunks then carry `"usage":null`, which OpenAI's clients ignore).
 */
import { carriesContent } from '../carries-content.ts'
import { endpoint } from '../http.ts'
import type { PreparedTarget } from '../http-call.ts'
import { type NativeDecoded, type NativeSpec, type NativeStreamDecoder, withModel } from '../http-native.ts'
import { type ChatRequest, choiceFinishReasons } from '../openai-schema.ts'
import { badResponse, streamBroken } from '../provider-errors.ts'
import { fromOpenAIUsage } from '../shapes.ts'
import { type NativeApi, ProviderError, type ProviderUsage, type Target } from '../types.ts'
import { type TargetQuirks, toOpenAIBody } from './convert-request.ts'
import { toChatCompletion } from './convert-response.ts'
import { OpenAIStreamTransform } from './stream-transform.ts'

export interface OpenAINativeOptions {
  /** The chat completions calls of a target (the adapter's own). */
  prepare(target: Target): PreparedTarget
  quirksOf(target: Target): TargetQuirks | undefined
  /** Whether the Responses API is served (OpenAI itself; not the compatible servers). */
  responses: boolean
}

const CHAT_ONLY: ReadonlySet<NativeApi> = new Set(['openai-chat'])
const CHAT_AND_RESPONSES: ReadonlySet<NativeApi> = new Set(['openai-chat', 'openai-responses'])
const RESPONSES: ReadonlySet<NativeApi> = new Set(['openai-responses'])
const NONE: ReadonlySet<NativeApi> = new Set()

export function openaiNative(o: OpenAINativeOptions): NativeSpec {
  return {
    apis: o.responses ? CHAT_AND_RESPONSES : CHAT_ONLY,
    // https://platform.openai.com/docs/api-reference/responses/input-tokens: OpenAI's own, the same key, JSON only.
    counts: {
      apis: o.responses ? RESPONSES : NONE,
      call: (_api, target) => ({
        url: endpoint(`${target.baseUrl}/responses/input_tokens`),
        headers: o.prepare(target).json.headers,
      }),
    },
    prepare(api, target) {
      const chat = o.prepare(target)
      if (api !== 'openai-responses') return chat
      const url = endpoint(`${target.baseUrl}/responses`)
      return { json: { url, headers: chat.json.headers }, sse: { url, headers: chat.sse.headers } }
    },
    encode(req, target, warnings) {
      if (req.api === 'openai-responses') return withModel(req.body, target)
      // The ingress validated the body as a chat request; its unknown fields are kept as they are.
      const body = req.body as unknown as ChatRequest
      return toOpenAIBody(body, target, req.stream, warnings, o.quirksOf(target))
    },
    decode: (api, text, target) =>
      api === 'openai-responses' ? decodeResponse(text, target) : decodeChat(text, target),
    streamDecoder(api, target, req) {
      if (api === 'openai-responses') return new ResponsesNativeStream(target.provider)
      const q = o.quirksOf(target)
      // Headroom asked for the usage chunk (see toOpenAIBody): the client gets it only if it asked too.
      const asked = (req.body['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true
      const dropUsage = !asked && (!q || q.quirks.streamUsage)
      return new ChatNativeStream(target.provider, dropUsage)
    },
  }
}

function decodeChat(text: string, target: Target): NativeDecoded {
  const c = toChatCompletion(target.provider, text)
  const usage = fromOpenAIUsage(c.usage)
  return {
    usage,
    usageFinal: usage !== null && typeof c.usage?.completion_tokens === 'number',
    model: typeof c.model === 'string' ? c.model : null,
    finishReasons: choiceFinishReasons(c.choices),
    text: () => {
      let out = ''
      for (const ch of c.choices) {
        out += ch.message.content ?? ''
        for (const t of ch.message.tool_calls ?? []) out += t.function.name + t.function.arguments
      }
      return out
    },
  }
}

/** A chat stream's chunks, read by the translated path's decoder; the usage chunk dropped if only Headroom asked. */
class ChatNativeStream implements NativeStreamDecoder {
  private readonly t: OpenAIStreamTransform
  private output = ''
  readonly finishReasons: string[] = []

  constructor(
    provider: string,
    private readonly dropUsage: boolean,
  ) {
    this.t = new OpenAIStreamTransform(provider)
  }

  get done(): boolean {
    return this.t.done
  }
  get usage(): ProviderUsage | null {
    return this.t.usage
  }
  get usageFinal(): boolean {
    return this.t.usageFinal
  }
  get model(): string | null {
    return this.t.model
  }

  onEvent(_event: string | undefined, data: string): boolean | 'drop' {
    const item = this.t.push(data)
    if (item.kind !== 'chunk') return false
    const c = item.chunk
    if (this.dropUsage && c.choices.length === 0 && c.usage) return 'drop'
    for (const { delta: d, finish_reason } of c.choices) {
      // One per choice (at most 128: OpenAI's `n`), however many an upstream sends.
      if (finish_reason != null && this.finishReasons.length < 128) this.finishReasons.push(finish_reason)
      if (typeof d.content === 'string') this.output += d.content
      if (typeof d.refusal === 'string') this.output += d.refusal
      if (d.tool_calls)
        for (const t of d.tool_calls) this.output += (t.function?.name ?? '') + (t.function?.arguments ?? '')
    }
    return carriesContent(c)
  }

  onEnd(): void {
    this.t.onEnd()
  }

  text(): string {
    return this.output
  }
}

/** The Responses API's `usage` (https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage). */
interface ResponsesUsage {
  input_tokens?: number
  input_tokens_details?: { cached_tokens?: number } | null
  output_tokens?: number
  output_tokens_details?: { reasoning_tokens?: number } | null
}

interface ResponseLike {
  model?: unknown
  usage?: ResponsesUsage | null
  output?: unknown
  error?: { code?: unknown; message?: unknown } | null
  status?: unknown
  incomplete_details?: { reason?: unknown } | null
}

function responsesUsage(u: ResponsesUsage | null | undefined): ProviderUsage | null {
  if (!u || typeof u.input_tokens !== 'number') return null
  return {
    promptTokens: u.input_tokens,
    cachedTokens: u.input_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    completionTokens: u.output_tokens ?? 0,
    reasoningTokens: u.output_tokens_details?.reasoning_tokens ?? 0,
  }
}

function parseObject(text: string, provider: string, broken: boolean): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw broken
      ? streamBroken(provider, 'an event is not valid JSON')
      : badResponse(provider, `the body is not valid JSON (${(err as Error).message})`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw broken ? streamBroken(provider, 'an event is not a JSON object') : badResponse(provider, 'not a JSON object')
  }
  return v as Record<string, unknown>
}

function decodeResponse(text: string, target: Target): NativeDecoded {
  const r = parseObject(text, target.provider, false) as ResponseLike
  const usage = responsesUsage(r.usage)
  return {
    usage,
    usageFinal: usage !== null && typeof r.usage?.output_tokens === 'number',
    model: typeof r.model === 'string' ? r.model : null,
    finishReasons: responseStatus(r),
    text: () => outputText(r.output),
  }
}

/**
 * A response's stop reason: `incomplete_details.reason` (`max_output_tokens`, `content_filter`) when it
 * says one, else its `status` (`completed`, `incomplete`)
 * (https://platform.openai.com/docs/api-reference/responses/object#responses/object-incomplete_details).
 */
function responseStatus(r: ResponseLike | null): string[] {
  const reason = r?.incomplete_details?.reason
  if (typeof reason === 'string') return [reason]
  return typeof r?.status === 'string' ? [r.status] : []
}

/** The output items' text: messages (text, refusals), function calls (name + arguments), reasoning summaries. */
function outputText(output: unknown): string {
  if (!Array.isArray(output)) return ''
  let out = ''
  for (const item of output as Array<Record<string, unknown>>) {
    if (typeof item !== 'object' || item === null) continue
    if (typeof item['name'] === 'string') out += item['name']
    if (typeof item['arguments'] === 'string') out += item['arguments']
    for (const list of [item['content'], item['summary']]) {
      if (!Array.isArray(list)) continue
      for (const part of list as Array<Record<string, unknown>>) {
        if (typeof part?.['text'] === 'string') out += part['text']
        if (typeof part?.['refusal'] === 'string') out += part['refusal']
      }
    }
  }
  return out
}

/** Events whose `delta` is output. */
const OUTPUT_DELTAS: ReadonlySet<string> = new Set([
  'response.output_text.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.refusal.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
])

/** Output items that are a call: their opening event is output (it names the tool). */
const CALL_ITEMS: ReadonlySet<string> = new Set(['function_call', 'custom_tool_call'])

/** A Responses stream's facts: usage and model at its end mark, output as it passes, errors thrown. */
class ResponsesNativeStream implements NativeStreamDecoder {
  done = false
  usage: ProviderUsage | null = null
  usageFinal = false
  model: string | null = null
  finishReasons: string[] = []
  private output = ''

  constructor(private readonly provider: string) {}

  onEvent(event: string | undefined, data: string): boolean {
    const ev = parseObject(data, this.provider, true)
    const type = typeof ev['type'] === 'string' ? ev['type'] : (event ?? '')
    if (OUTPUT_DELTAS.has(type)) {
      if (typeof ev['delta'] === 'string') this.output += ev['delta']
      return true
    }
    switch (type) {
      case 'response.output_item.added': {
        const item = ev['item'] as { type?: unknown; name?: unknown } | undefined
        if (typeof item?.type !== 'string' || !CALL_ITEMS.has(item.type)) return false
        if (typeof item.name === 'string') this.output += item.name
        return true
      }
      case 'response.created':
      case 'response.in_progress':
        this.readResponse(ev['response'])
        return false
      case 'response.completed':
      case 'response.incomplete': {
        const r = this.readResponse(ev['response'])
        this.usage = responsesUsage(r?.usage)
        this.usageFinal = this.usage !== null && typeof r?.usage?.output_tokens === 'number'
        this.finishReasons = responseStatus(r)
        this.done = true
        return false
      }
      case 'response.failed': {
        const r = this.readResponse(ev['response'])
        this.usage = responsesUsage(r?.usage)
        throw this.error(r?.error ?? null, data)
      }
      case 'error':
        throw this.error(ev, data)
      default:
        return false
    }
  }

  private readResponse(r: unknown): ResponseLike | null {
    if (typeof r !== 'object' || r === null) return null
    const res = r as ResponseLike
    if (typeof res.model === 'string') this.model = res.model
    return res
  }

  /** An `error` event or a failed response's `error` (`{code, message}`): the stream broke after it began. */
  private error(e: { code?: unknown; message?: unknown; type?: unknown } | null, data: string): ProviderError {
    const provider = this.provider
    const code = typeof e?.code === 'string' ? e.code : 'stream_error'
    const message = typeof e?.message === 'string' ? e.message : `${provider} reported an error mid-stream`
    return new ProviderError({ provider, status: 502, kind: 'stream', message, code, raw: data.slice(0, 2000) })
  }

  onEnd(): void {
    if (!this.done) throw streamBroken(this.provider, 'the body ended before response.completed')
  }

  text(): string {
    return this.output
  }
}
