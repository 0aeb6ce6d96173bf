/**
 * The Anthropic Messages wire: `{"type":"error",…,"request_id"}` errors, `request-id` and
 * `anthropic-ratelimit-*` headers, the `message` body and the named-event stream
 * (message_start, content blocks, message_delta with cumulative usage, message_stop). Reference:
 * https://docs.anthropic.com/en/api/messages, https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * and https://docs.anthropic.com/en/api/errors
 */
import type { IncomingMessage } from 'node:http'
import { type AnthropicParsed, invalid, parseAnthropic } from './anthropic-request.ts'
import { anthropicLimitHeaders, retryAfterSeconds } from './limits.ts'
import { idChars } from './rng.ts'
import { charPieces, toolCallTokens } from './tokens.ts'
import type { Answer, FinishKind } from './types.ts'
import { str } from './values.ts'
import type { ApiWire, ErrorOut, Frame, RenderCtx } from './wire.ts'

const JSON_HEADERS = [
  'content-type',
  'application/json',
  'anthropic-organization-id',
  '00000000-0000-4000-8000-000000000000',
]
const SSE_HEADERS = [
  'content-type',
  'text/event-stream; charset=utf-8',
  'cache-control',
  'no-cache',
  'anthropic-organization-id',
  '00000000-0000-4000-8000-000000000000',
]

const STOP_REASON: Record<FinishKind, string> = {
  stop: 'end_turn',
  stop_sequence: 'stop_sequence',
  length: 'max_tokens',
  tool_calls: 'tool_use',
}

function usage(a: Answer, ctx: RenderCtx) {
  const u = ctx.usage
  return {
    input_tokens: u.promptTokens - u.cachedTokens - u.cacheWrite5m - u.cacheWrite1h,
    cache_creation_input_tokens: u.cacheWrite5m + u.cacheWrite1h,
    cache_read_input_tokens: u.cachedTokens,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5m, ephemeral_1h_input_tokens: u.cacheWrite1h },
    output_tokens: a.outputTokens + a.reasoningTokens,
    service_tier: 'standard',
  }
}

function signature(a: Answer): string {
  return `Eq${Buffer.from(a.thinking.slice(0, 48)).toString('base64')}`
}

function event(type: string, body: string, tokens = 0): Frame {
  return { data: `event: ${type}\ndata: ${body}\n\n`, tokens }
}

export const anthropicWire: ApiWire<AnthropicParsed> = {
  api: 'anthropic',
  serves: 'chat',
  cache: { kind: 'explicit' },
  jsonHeaders: JSON_HEADERS,
  streamHeaders: () => SSE_HEADERS,
  addHeaders(out, requestId) {
    out.push('request-id', requestId)
  },
  requestId: (seed) => `req_011C${idChars(seed, 20)}`,
  responseId: (seed) => `msg_01${idChars(seed, 22)}`,

  // SDK 0.x sends x-api-key, SDK 1.x sends Authorization: Bearer; both reach the same API.
  key(req: IncomingMessage) {
    const k = req.headers['x-api-key']
    if (typeof k === 'string' && k !== '') return k
    const auth = req.headers.authorization
    return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : ''
  },
  checkHeaders(req) {
    const v = req.headers['anthropic-version']
    return typeof v === 'string' && v !== '' ? null : invalid('anthropic-version: header is required')
  },
  authError: (missing) =>
    invalid(missing ? 'x-api-key header is required' : 'invalid x-api-key', 401, 'authentication_error'),
  badJson: (detail) => invalid(`There was an error parsing the body: ${detail}`),
  notFound: (model) => invalid(`model: ${model}`, 404, 'not_found_error'),
  serverError: () => invalid('Internal server error', 500, 'api_error'),
  overloaded: () => invalid('Overloaded', 529, 'overloaded_error'),
  rateLimited(info) {
    const what =
      info.window === 'requests'
        ? 'requests'
        : info.window === 'input'
          ? 'input tokens'
          : info.window === 'output'
            ? 'output tokens'
            : 'tokens'
    const e = invalid(
      `This request would exceed the rate limit for your organization (00000000-0000-4000-8000-000000000000) of ${info.limit} ${what} per minute. ` +
        'For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. ' +
        'Please reduce the prompt length or the maximum tokens requested, or try again later.',
      429,
      'rate_limit_error',
    )
    e.headers = ['retry-after', retryAfterSeconds(info.retryMs)]
    if (info.state) anthropicLimitHeaders(info.state, Date.now(), e.headers)
    return e
  },
  errorJson: (e: ErrorOut, requestId) => JSON.stringify({ ...(e.body as object), request_id: requestId }),
  modelOf(body) {
    const m = str(body['model'])
    return m === undefined ? invalid('model: Field required') : m
  },
  parse: (body, model) => parseAnthropic(body, model),
  limitHeaders: (state, now, out) => anthropicLimitHeaders(state, now, out),

  render(p, answers, ctx) {
    const a = answers[0] as Answer
    const content: unknown[] = []
    if (a.thinking) content.push({ type: 'thinking', thinking: a.thinking, signature: signature(a) })
    if (a.text !== '') content.push({ type: 'text', text: a.text })
    for (const c of a.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.args })
    return JSON.stringify({
      id: ctx.id,
      type: 'message',
      role: 'assistant',
      model: p.model.responseModel,
      content,
      stop_reason: STOP_REASON[a.finish],
      stop_sequence: a.stopSequence,
      usage: usage(a, ctx),
    })
  },

  frames(p, answers, ctx) {
    const a = answers[0] as Answer
    const u = usage(a, ctx)
    const out: Frame[] = []
    const start = { ...u, output_tokens: 1 }
    out.push(
      event(
        'message_start',
        JSON.stringify({
          type: 'message_start',
          message: {
            id: ctx.id,
            type: 'message',
            role: 'assistant',
            model: p.model.responseModel,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: start,
          },
        }),
      ),
    )
    let index = 0
    const block = (startBlock: unknown, deltas: Array<[unknown, number]>) => {
      out.push(
        event('content_block_start', JSON.stringify({ type: 'content_block_start', index, content_block: startBlock })),
      )
      if (index === 0) out.push(event('ping', '{"type": "ping"}'))
      for (const [delta, tokens] of deltas)
        out.push(event('content_block_delta', JSON.stringify({ type: 'content_block_delta', index, delta }), tokens))
      out.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`))
      index++
    }
    if (a.thinking) {
      const parts = charPieces(a.thinking, Math.max(16, Math.ceil(a.thinking.length / 8)))
      const per = Math.max(1, Math.ceil(a.reasoningTokens / parts.length))
      const deltas: Array<[unknown, number]> = parts.map((t) => [{ type: 'thinking_delta', thinking: t }, per])
      deltas.push([{ type: 'signature_delta', signature: signature(a) }, 0])
      block({ type: 'thinking', thinking: '', signature: '' }, deltas)
    }
    if (a.pieces.length > 0) {
      const group = a.json ? 4 : 1
      const deltas: Array<[unknown, number]> = []
      for (let i = 0; i < a.pieces.length; i += group) {
        const n = Math.min(group, a.pieces.length - i)
        deltas.push([{ type: 'text_delta', text: a.pieces.slice(i, i + n).join('') }, n])
      }
      block({ type: 'text', text: '' }, deltas)
    }
    for (const c of a.toolCalls) {
      // Like the real API: the first fragment is empty, the JSON follows in several pieces.
      const parts = charPieces(c.argsJson, Math.max(8, Math.ceil(c.argsJson.length / 3)))
      const per = Math.max(1, Math.ceil(toolCallTokens(c.argsJson) / Math.max(1, parts.length)))
      const deltas: Array<[unknown, number]> = [[{ type: 'input_json_delta', partial_json: '' }, 0]]
      for (const part of parts) deltas.push([{ type: 'input_json_delta', partial_json: part }, per])
      block({ type: 'tool_use', id: c.id, name: c.name, input: {} }, deltas)
    }
    const final = {
      input_tokens: u.input_tokens,
      cache_creation_input_tokens: u.cache_creation_input_tokens,
      cache_read_input_tokens: u.cache_read_input_tokens,
      output_tokens: u.output_tokens,
    }
    out.push(
      event(
        'message_delta',
        JSON.stringify({
          type: 'message_delta',
          delta: { stop_reason: STOP_REASON[a.finish], stop_sequence: a.stopSequence },
          usage: final,
        }),
      ),
    )
    out.push(event('message_stop', '{"type":"message_stop"}'))
    return out
  },
  errorFrame: () =>
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
  malformedFrame: () => 'event: content_block_delta\ndata: {not json\n\n',
}

/** Anthropic's `GET /v1/models` (told apart from OpenAI's by the `anthropic-version` header). */
export function anthropicModelList(
  models: readonly { responseModel: string; displayName: string; created: number }[],
): string {
  const data = models.map((m) => ({
    type: 'model',
    id: m.responseModel,
    display_name: m.displayName,
    created_at: new Date(m.created * 1000).toISOString().replace('.000Z', 'Z'),
  }))
  return JSON.stringify({
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  })
}
