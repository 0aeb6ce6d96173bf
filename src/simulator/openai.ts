/**
 * The OpenAI Chat Completions wire: error bodies, headers, the `chat.completion` body and the
 * `chat.completion.chunk` stream (data-only SSE ending in `[DONE]`). Reference:
 * https://platform.openai.com/docs/api-reference/chat and https://platform.openai.com/docs/guides/error-codes
 */
import type { IncomingMessage } from 'node:http'
import { Lru } from '../lib/lru.ts'
import { goDuration, openaiLimitHeaders, retryAfterSeconds } from './limits.ts'
import { invalid, type OpenAIParsed, parseOpenAI } from './openai-request.ts'
import { fnv1a, hexChars, idChars } from './rng.ts'
import { charPieces, toolCallTokens } from './tokens.ts'
import type { Answer, FinishKind, ToolCallOut } from './types.ts'
import { str } from './values.ts'
import type { ApiWire, ErrorOut, Frame, RenderCtx } from './wire.ts'

const JSON_HEADERS = [
  'content-type',
  'application/json',
  'openai-version',
  '2020-10-01',
  'openai-organization',
  'org-simulator',
]
/** Also the Responses stream's. */
export const SSE_HEADERS = [
  'content-type',
  'text/event-stream; charset=utf-8',
  'cache-control',
  'no-cache',
  'openai-version',
  '2020-10-01',
  'openai-organization',
  'org-simulator',
]

/** An embedding model on chat completions (the real API's words for any model it does not chat with). */
const NOT_CHAT =
  'This is not a chat model and thus not supported in the v1/chat/completions endpoint. ' +
  'Did you mean to use v1/completions?'

function finishReason(f: FinishKind): string {
  return f === 'stop_sequence' ? 'stop' : f
}

/** Model ids may be anyone's (a `'*'` wildcard accepts them all): kept least recently used out. */
const fingerprints = new Lru<string, string>(10_000)
function fingerprint(model: string): string {
  let fp = fingerprints.get(model)
  if (fp === undefined) fingerprints.set(model, (fp = `fp_${hexChars(fnv1a(model), 10)}`))
  return fp
}

function chunk(head: string, tail: string, index: number, delta: string, tokens: number, finish: string | null): Frame {
  const f = finish === null ? 'null' : `"${finish}"`
  return { data: `${head}{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${f}}${tail}`, tokens }
}

function usageOf(answers: Answer[], ctx: RenderCtx) {
  let completion = 0
  let reasoning = 0
  for (const a of answers) {
    completion += a.outputTokens + a.reasoningTokens
    reasoning += a.reasoningTokens
  }
  return {
    prompt_tokens: ctx.usage.promptTokens,
    completion_tokens: completion,
    total_tokens: ctx.usage.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: ctx.usage.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

function serverError(message = 'The server had an error while processing your request. Sorry about that!') {
  return { error: { message, type: 'server_error', param: null, code: null } }
}

export const openaiWire: ApiWire<OpenAIParsed> = {
  api: 'openai',
  serves: 'chat',
  cache: { kind: 'implicit', step: 128 },
  jsonHeaders: JSON_HEADERS,
  streamHeaders: () => SSE_HEADERS,
  addHeaders(out, requestId, elapsedMs) {
    out.push('x-request-id', requestId, 'openai-processing-ms', String(elapsedMs))
  },
  requestId: (seed) => `req_${hexChars(seed, 32)}`,
  responseId: (seed) => `chatcmpl-${idChars(seed, 29)}`,

  key(req: IncomingMessage) {
    const auth = req.headers.authorization
    if (!auth?.startsWith('Bearer ')) return ''
    return auth.slice(7).trim()
  },
  checkHeaders: () => null,
  authError(missing, key) {
    if (missing) {
      return invalid(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        null,
        null,
        401,
      )
    }
    const masked =
      key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}` : '***'
    return invalid(
      `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      null,
      'invalid_api_key',
      401,
    )
  },
  badJson: () =>
    invalid(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    ),
  notFound: (model) =>
    invalid(`The model \`${model}\` does not exist or you do not have access to it.`, null, 'model_not_found', 404),
  wrongKind: () => invalid(NOT_CHAT, 'model', null, 404),
  serverError: () => ({ status: 500, body: serverError() }),
  overloaded: () => ({ status: 503, body: serverError('The server is overloaded or not ready yet.') }),
  rateLimited(info) {
    const what = info.window === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)'
    const message =
      `Rate limit reached for ${info.model} in organization org-simulator on ${what}: Limit ${info.limit}, Used ${info.used}, ` +
      `Requested ${info.requested}. Please try again in ${goDuration(info.retryMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`
    const headers = ['retry-after', retryAfterSeconds(info.retryMs)]
    if (info.state) openaiLimitHeaders(info.state, headers)
    const type = info.window === 'requests' ? 'requests' : 'tokens'
    return { status: 429, headers, body: { error: { message, type, param: null, code: 'rate_limit_exceeded' } } }
  },
  errorJson: (e: ErrorOut) => JSON.stringify(e.body),
  modelOf(body) {
    const m = str(body['model'])
    return m === undefined || m === '' ? invalid('you must provide a model parameter') : m
  },
  parse: (body, model, route) => parseOpenAI(body, model, route.compatible === true),
  limitHeaders: (state, _now, out) => openaiLimitHeaders(state, out),

  render(p, answers, ctx) {
    return JSON.stringify({
      id: ctx.id,
      object: 'chat.completion',
      created: ctx.created,
      model: p.model.responseModel,
      choices: answers.map((a, index) => {
        const message: Record<string, unknown> = {
          role: 'assistant',
          content: a.toolCalls.length > 0 && a.text === '' ? null : a.text,
          refusal: null,
          annotations: [],
        }
        if (a.toolCalls.length > 0) {
          message['tool_calls'] = a.toolCalls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.name, arguments: c.argsJson },
          }))
        }
        return { index, message, logprobs: null, finish_reason: finishReason(a.finish) }
      }),
      usage: usageOf(answers, ctx),
      service_tier: 'default',
      system_fingerprint: fingerprint(p.model.id),
    })
  },

  frames(p, answers, ctx) {
    // Every chunk shares one prefix and suffix; only the choice part is serialised per chunk.
    const head = `data: {"id":"${ctx.id}","object":"chat.completion.chunk","created":${ctx.created},"model":${JSON.stringify(p.model.responseModel)},"service_tier":"default","system_fingerprint":"${fingerprint(p.model.id)}","choices":[`
    const tail = p.includeUsage ? '],"usage":null}\n\n' : ']}\n\n'
    const out: Frame[] = []
    for (let index = 0; index < answers.length; index++) {
      const a = answers[index] as Answer
      if (a.toolCalls.length === 0) {
        out.push(chunk(head, tail, index, '{"role":"assistant","content":"","refusal":null}', 0, null))
        const group = a.json ? 4 : 1
        for (let i = 0; i < a.pieces.length; i += group) {
          const n = Math.min(group, a.pieces.length - i)
          const text = n === 1 ? (a.pieces[i] as string) : a.pieces.slice(i, i + n).join('')
          out.push(chunk(head, tail, index, `{"content":${JSON.stringify(text)}}`, n, null))
        }
      } else {
        for (let k = 0; k < a.toolCalls.length; k++) {
          const c = a.toolCalls[k] as ToolCallOut
          const first = { index: k, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }
          const delta =
            k === 0 ? { role: 'assistant', content: null, tool_calls: [first], refusal: null } : { tool_calls: [first] }
          out.push(chunk(head, tail, index, JSON.stringify(delta), 0, null))
          const parts = charPieces(c.argsJson, Math.max(8, Math.ceil(c.argsJson.length / 3)))
          const per = Math.max(1, Math.ceil(toolCallTokens(c.argsJson) / Math.max(1, parts.length)))
          for (const part of parts)
            out.push(
              chunk(
                head,
                tail,
                index,
                `{"tool_calls":[{"index":${k},"function":{"arguments":${JSON.stringify(part)}}}]}`,
                per,
                null,
              ),
            )
        }
      }
      out.push(chunk(head, tail, index, '{}', 0, finishReason(a.finish)))
    }
    if (p.includeUsage) out.push({ data: `${head}],"usage":${JSON.stringify(usageOf(answers, ctx))}}\n\n`, tokens: 0 })
    out.push({ data: 'data: [DONE]\n\n', tokens: 0 })
    return out
  },
  errorFrame: () => `data: ${JSON.stringify(serverError())}\n\n`,
  malformedFrame: () => 'data: {not json\n\n',
}

/** `GET /v1/models` and `GET /v1/models/{id}`. */
export function openaiModelList(models: readonly { id: string; created: number }[]): string {
  return JSON.stringify({
    object: 'list',
    data: models.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'system' })),
  })
}
