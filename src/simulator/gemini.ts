/**
 * The Gemini generateContent wire: google.rpc error bodies (an invalid key is a 400, quota a 429 with
 * RetryInfo and no rate-limit headers), the GenerateContentResponse body, and both stream framings:
 * `?alt=sse` (`data: <one-line JSON>\r\n\r\n`, nothing else) and the chunked JSON array.
 * Reference: https://ai.google.dev/api/generate-content and https://ai.google.dev/gemini-api/docs/troubleshooting
 */
import type { IncomingMessage } from 'node:http'
import { badRequest, type GeminiParsed, googleError, parseGemini } from './gemini-request.ts'
import { protoDuration } from './limits.ts'
import type { ModelInfo } from './models.ts'
import { idChars } from './rng.ts'
import type { Answer } from './types.ts'
import type { ApiWire, ErrorOut, Frame, RenderCtx } from './wire.ts'

const JSON_HEADERS = [
  'content-type',
  'application/json; charset=UTF-8',
  'vary',
  'Origin, X-Origin, Referer',
  'server',
  'scaffolding on HTTPServer2',
]
const SSE_HEADERS = [
  'content-type',
  'text/event-stream',
  'content-disposition',
  'attachment',
  'vary',
  'Origin, X-Origin, Referer',
  'server',
  'scaffolding on HTTPServer2',
]
const TROUBLESHOOT = 'Please retry or report in https://developers.generativeai.google/guide/troubleshooting'
const OVERLOADED = {
  error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' },
}
/** Text tokens per streamed chunk: Gemini streams larger pieces than the other two. */
const GROUP = 4

interface Counts {
  prompt: number
  candidates: number
  thoughts: number
}

function usageMetadata(ctx: RenderCtx, c: Counts) {
  const u: Record<string, unknown> = {
    promptTokenCount: c.prompt,
    candidatesTokenCount: c.candidates,
    totalTokenCount: c.prompt + c.candidates + c.thoughts,
  }
  if (ctx.usage.cachedTokens > 0) u['cachedContentTokenCount'] = ctx.usage.cachedTokens
  u['promptTokensDetails'] = [{ modality: 'TEXT', tokenCount: c.prompt }]
  if (ctx.usage.cachedTokens > 0) u['cacheTokensDetails'] = [{ modality: 'TEXT', tokenCount: ctx.usage.cachedTokens }]
  if (c.thoughts > 0) u['thoughtsTokenCount'] = c.thoughts
  return u
}

function finishReason(a: Answer): string {
  return a.finish === 'length' ? 'MAX_TOKENS' : 'STOP'
}

/** A candidate's content; a model turn with nothing in it has no `parts` at all, as on the API. */
function content(parts: unknown[]) {
  return parts.length > 0 ? { parts, role: 'model' } : { role: 'model' }
}

function callParts(a: Answer): unknown[] {
  return a.toolCalls.map((c) => ({ functionCall: { name: c.name, args: c.args } }))
}

/** A thought summary goes before the answer, marked `thought: true` (https://ai.google.dev/gemini-api/docs/thinking#summaries). */
function thoughtParts(a: Answer): unknown[] {
  return a.thinking !== '' ? [{ text: a.thinking, thought: true }] : []
}

function totals(answers: Answer[], ctx: RenderCtx): Counts {
  const c = { prompt: ctx.usage.promptTokens, candidates: 0, thoughts: 0 }
  for (const a of answers) {
    c.candidates += a.outputTokens
    c.thoughts += a.reasoningTokens
  }
  return c
}

/** JSON.stringify leaves U+2028/2029 raw; the SDK's line regex would split on them. */
function oneLine(s: string): string {
  return /[\u2028\u2029]/.test(s) ? s.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') : s
}

export const geminiWire: ApiWire<GeminiParsed> = {
  api: 'gemini',
  serves: 'chat',
  cache: { kind: 'implicit', step: 1 },
  jsonHeaders: JSON_HEADERS,
  streamHeaders: (p) => (p.sse ? SSE_HEADERS : JSON_HEADERS),
  addHeaders(out, _requestId, elapsedMs) {
    out.push('server-timing', `gfet4t7; dur=${elapsedMs}`)
  },
  requestId: () => '',
  responseId: (seed) => idChars(seed, 22),

  key(req: IncomingMessage, url: URL) {
    const h = req.headers['x-goog-api-key']
    if (typeof h === 'string' && h !== '') return h
    return url.searchParams.get('key') ?? ''
  },
  checkHeaders: () => null,
  authError(missing) {
    if (missing) {
      return googleError(
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      )
    }
    const message = 'API key not valid. Please pass a valid API key.'
    return googleError(400, 'INVALID_ARGUMENT', message, [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
    ])
  },
  badJson: (detail) => badRequest(`Invalid JSON payload received. ${detail}`),
  notFound: (model) =>
    googleError(
      404,
      'NOT_FOUND',
      `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
    ),
  serverError: () => googleError(500, 'INTERNAL', `An internal error has occurred. ${TROUBLESHOOT}`),
  overloaded: () => ({ status: 503, body: OVERLOADED }),
  rateLimited(info) {
    const tokens = info.window !== 'requests'
    const metric = `generativelanguage.googleapis.com/generate_content_free_tier_${tokens ? 'input_token_count' : 'requests'}`
    const quotaId = tokens
      ? 'GenerateContentInputTokensPerModelPerMinute-FreeTier'
      : 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier'
    const message =
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. ' +
      `To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: ${metric}, limit: ${info.limit}, model: ${info.model}\n` +
      `Please retry in ${protoDuration(info.retryMs)}.`
    // No rate-limit headers: Gemini sends none; the hint is RetryInfo in the body.
    return googleError(429, 'RESOURCE_EXHAUSTED', message, [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: metric,
            quotaId,
            quotaDimensions: { location: 'global', model: info.model },
            quotaValue: String(info.limit),
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: protoDuration(info.retryMs) },
    ])
  },
  errorJson: (e: ErrorOut) => JSON.stringify(e.body),
  modelOf: (_body, route) => route.model ?? '',
  parse: (body, model, route) => parseGemini(body, model, route.stream),
  limitHeaders: () => {},

  render(p, answers, ctx) {
    return JSON.stringify({
      candidates: answers.map((a, index) => {
        const parts = [
          ...thoughtParts(a),
          ...(a.toolCalls.length > 0 ? callParts(a) : a.text !== '' ? [{ text: a.text }] : []),
        ]
        return { content: content(parts), finishReason: finishReason(a), index }
      }),
      usageMetadata: usageMetadata(ctx, totals(answers, ctx)),
      modelVersion: p.model.responseModel,
      responseId: ctx.id,
    })
  },

  frames(p, answers, ctx) {
    const final = totals(answers, ctx)
    const running: Counts = { prompt: final.prompt, candidates: 0, thoughts: final.thoughts }
    const steps = Math.max(1, ...answers.map((a) => (a.toolCalls.length > 0 ? 1 : Math.ceil(a.pieces.length / GROUP))))
    const bodies: Array<{ json: string; tokens: number }> = []
    for (let s = 0; s < steps; s++) {
      const candidates: unknown[] = []
      let tokens = 0
      answers.forEach((a, index) => {
        const n = a.toolCalls.length > 0 ? 1 : Math.ceil(a.pieces.length / GROUP)
        if (s >= Math.max(1, n)) return
        let parts: unknown[]
        let t: number
        if (a.toolCalls.length > 0) {
          parts = callParts(a)
          t = a.outputTokens
        } else {
          const slice = a.pieces.slice(s * GROUP, (s + 1) * GROUP)
          parts = slice.length > 0 ? [{ text: slice.join('') }] : []
          t = slice.length
        }
        if (s === 0) parts.unshift(...thoughtParts(a))
        const cand: Record<string, unknown> = { content: content(parts) }
        if (s === Math.max(1, n) - 1) cand['finishReason'] = finishReason(a)
        cand['index'] = index
        candidates.push(cand)
        tokens = Math.max(tokens, t)
        running.candidates += t
      })
      const usage = usageMetadata(ctx, s === steps - 1 ? final : running)
      bodies.push({
        json: oneLine(
          JSON.stringify({ candidates, usageMetadata: usage, modelVersion: p.model.responseModel, responseId: ctx.id }),
        ),
        tokens,
      })
    }
    return bodies.map((b, i): Frame => {
      if (p.sse) return { data: `data: ${b.json}\r\n\r\n`, tokens: b.tokens }
      const open = i === 0 ? '[' : '\r\n,'
      return { data: open + b.json + (i === bodies.length - 1 ? ']' : ''), tokens: b.tokens }
    })
  },
  errorFrame: (p, sent) =>
    p.sse
      ? `data: ${JSON.stringify(OVERLOADED)}\r\n\r\n`
      : `${sent === 0 ? '[' : '\r\n,'}${JSON.stringify(OVERLOADED)}]`,
  malformedFrame: (p, sent) => (p.sse ? 'data: {not json\r\n\r\n' : `${sent === 0 ? '[' : '\r\n,'}{not json`),
}

/** `GET /v1beta/models` entries. */
export function geminiModel(m: ModelInfo) {
  const description = `${m.displayName} (simulated)`
  const head = { name: `models/${m.id}`, version: '001', displayName: m.displayName, description }
  if (m.embedding) {
    const supportedGenerationMethods = ['embedContent', 'countTextTokens', 'countTokens', 'asyncBatchEmbedContent']
    return { ...head, inputTokenLimit: m.embedding.maxInputTokens, outputTokenLimit: 1, supportedGenerationMethods }
  }
  return {
    ...head,
    inputTokenLimit: m.contextTokens,
    outputTokenLimit: m.maxOutputTokens,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: m.reasoning,
  }
}
