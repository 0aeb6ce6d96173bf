/**
 * The Gemini adapter (`type: gemini`): OpenAI request → `generateContent` / `streamGenerateContent`
 * over Gemini's REST API → OpenAI completion / chunks. Gemini sends no rate-limit headers, so `limits`
 * is null on success; a 429's `RetryInfo` reaches routing through the ProviderError.
 * https://ai.google.dev/api/generate-content
 *
 * Why not `@google/generative-ai`: it can only use Node's global `fetch` (no `fetch` option), which costs
 * more CPU per call than a keep-alive client; for streams it also tees the body into an aggregate response
 * and parses it twice, and its SSE parser throws on an `event:` line or a comment (docs/benchmarks.md has
 * the figures). The request and response bodies are the SDK's REST shapes either way (gemini-types.ts).
 */
import { defineProvider } from '../descriptor.ts'
import { endpoint } from '../http.ts'
import { defineHttpAdapter } from '../http-adapter.ts'
import type { PreparedTarget } from '../http-call.ts'
import { completionId } from '../shapes.ts'
import { GEMINI_TOOL_NAMES } from '../tool-names.ts'
import type { ProviderAdapter, Target } from '../types.ts'
import { toGeminiRequest } from './convert-request.ts'
import { toChatCompletion, toProviderUsage } from './convert-response.ts'
import { geminiEmbeddings } from './embeddings.ts'
import { badResponse, callFailure, httpError, httpFailure, toProviderError } from './errors.ts'
import { GeminiCallError, GeminiResponseSchema } from './gemini-types.ts'
import { modelResource } from './model-resource.ts'
import { GeminiStreamTransform } from './stream-transform.ts'

export interface GeminiAdapterOptions {
  /** Epoch ms; injectable for tests. */
  now?: () => number
}

/** URLs are `${baseUrl}/v1beta/…`: drop a trailing slash or a version an operator may have written. */
export function apiBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1beta$/, '')
}

/**
 * A target's URLs, its model id one encoded path segment (model-resource.ts): a 400 on `model` for an id
 * that cannot be one, before anything is sent. The key goes in a header, never in the URL (URLs reach logs
 * and error messages); the target's own headers (lower-cased by the config loader) may replace it.
 */
export function geminiCalls(target: Target, now: number = Date.now()): PreparedTarget {
  const { path, headers } = geminiModel(target, now)
  return {
    json: { url: endpoint(`${path}:generateContent`), headers },
    sse: { url: endpoint(`${path}:streamGenerateContent?alt=sse`), headers },
  }
}

/** The target's model: its URL (without the method), resource name (`models/…`) and headers. */
function geminiModel(target: Target, now: number) {
  const r = modelResource(target.model)
  if (!r.ok) {
    const err = new GeminiCallError({ type: 'invalid_model', message: r.problem })
    throw toProviderError(err, { provider: target.provider, now, during: 'request' })
  }
  const path = `${apiBaseUrl(target.baseUrl)}/v1beta/${r.path}`
  const headers = { 'x-goog-api-key': target.apiKey, ...target.headers, 'content-type': 'application/json' }
  return { path, resource: r.path, headers }
}

export function createGeminiAdapter(options: GeminiAdapterOptions = {}): ProviderAdapter {
  const now = options.now ?? Date.now
  const created = () => Math.floor(now() / 1000)
  return defineHttpAdapter<null>({
    type: 'gemini',
    now,
    prepare: (target) => geminiCalls(target, now()),
    toolNames: GEMINI_TOOL_NAMES,
    encode(req, target) {
      const { body, warnings } = toGeminiRequest(req, target)
      return { body: JSON.stringify(body), warnings, state: null }
    },
    limits: () => null,
    requestIdHeader: null,
    httpError(provider, status, _headers, text, at) {
      const f = httpFailure(status, text)
      return httpError(provider, f.status, f.message, f.details, at)
    },
    failure: callFailure,
    decode(text, target) {
      let raw: unknown
      try {
        raw = JSON.parse(text)
      } catch {
        throw badResponse(target.provider, 'the response body is not JSON')
      }
      const parsed = GeminiResponseSchema.safeParse(raw)
      if (!parsed.success) throw badResponse(target.provider, 'the body is not a GenerateContentResponse')
      const res = parsed.data
      if (res.error) {
        throw badResponse(target.provider, `an error inside a 2xx answer: ${res.error.message ?? 'no message'}`)
      }
      const completion = toChatCompletion(res, { id: completionId(), created: created(), model: target.model })
      const usage = toProviderUsage(res.usageMetadata)
      const model = res.modelVersion ?? null
      return { completion, usage, usageFinal: usage !== null, model, requestId: res.responseId ?? null }
    },
    streamDecoder(target) {
      const { provider, model } = target
      return new GeminiStreamTransform({ provider, id: completionId(), created: created(), model, now })
    },
    embeddings: geminiEmbeddings((target) => geminiModel(target, now())),
  })
}

/** `type: gemini`: https://ai.google.dev/api/generate-content */
export const gemini = defineProvider({
  type: 'gemini',
  api: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  simulatorPath: '',
  family: /^(gemini-|gemma-|learnlm-)/,
  // Every request to such a target would be refused: say so when routes.yaml is loaded.
  modelProblem(model) {
    const r = modelResource(model)
    return r.ok ? null : r.problem
  },
  createAdapter: () => createGeminiAdapter(),
})
