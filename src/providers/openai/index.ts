/**
 * The OpenAI adapter, for `type: openai`, `type: openai-compatible` and the OpenAI-compatible presets
 * (../openai-compatible/): any server with `POST {base_url}/chat/completions`.
 *
 * It speaks the wire directly over the keep-alive client of ../http.ts instead of going through the `openai`
 * SDK: the upstream already speaks the client's format, so the SDK's request/response machinery would
 * only add CPU per call on top of the transport (docs/benchmarks.md has the figures).
 * https://platform.openai.com/docs/api-reference/chat/create
 */
import { defineProvider } from '../descriptor.ts'
import { endpoint } from '../http.ts'
import { defineHttpAdapter } from '../http-adapter.ts'
import { fromOpenAIUsage } from '../shapes.ts'
import { OPENAI_TOOL_NAMES } from '../tool-names.ts'
import type { ProviderAdapter, Target } from '../types.ts'
import { type TargetQuirks, toOpenAIBody } from './convert-request.ts'
import { toChatCompletion } from './convert-response.ts'
import { openAIEmbeddings } from './embeddings.ts'
import { httpError, transportError } from './errors.ts'
import { openaiNative } from './native.ts'
import type { Quirks } from './param-rules.ts'
import { parseOpenAIRateLimits } from './rate-limits.ts'
import { reasoningRules } from './reasoning-models.ts'
import { OpenAIStreamTransform } from './stream-transform.ts'

function prepare(target: Target) {
  // The target's own headers (lower-cased by the config loader) may replace the Authorization.
  const base = { authorization: `Bearer ${target.apiKey}`, ...target.headers, 'content-type': 'application/json' }
  const url = endpoint(`${target.baseUrl}/chat/completions`)
  return {
    json: { url, headers: { ...base, accept: 'application/json' } },
    sse: { url, headers: { ...base, accept: 'text/event-stream' } },
  }
}

/** `quirks`: how a compatible server differs from OpenAI (../openai-compatible/); none for OpenAI itself. */
export function createOpenAIAdapter(type = 'openai', quirks: Quirks | null = null): ProviderAdapter {
  /** The quirks for each target's model, worked out once per target. */
  const byTarget = new WeakMap<Target, TargetQuirks>()
  const quirksOf = (target: Target): TargetQuirks | undefined => {
    if (!quirks) return undefined
    let q = byTarget.get(target)
    if (!q) byTarget.set(target, (q = { quirks, rules: quirks.rules(target.model) }))
    return q
  }
  return defineHttpAdapter<null>({
    type,
    prepare,
    toolNames: OPENAI_TOOL_NAMES,
    encode(req, target, stream) {
      const warnings: string[] = []
      return { body: toOpenAIBody(req, target, stream, warnings, quirksOf(target)), warnings, state: null }
    },
    limits: parseOpenAIRateLimits,
    requestIdHeader: 'x-request-id',
    httpError,
    failure(err, { provider, phase, signal, timeoutMs }) {
      const during = phase === 'stream' ? 'stream' : 'request'
      return transportError(provider, err, during, signal, phase === 'request' ? 0 : timeoutMs)
    },
    decode(text, target) {
      const completion = toChatCompletion(target.provider, text)
      const usage = fromOpenAIUsage(completion.usage)
      // A compatible server's `usage` without `completion_tokens` counts only the prompt: the row estimates the rest.
      const usageFinal = usage !== null && typeof completion.usage?.completion_tokens === 'number'
      return { completion, usage, usageFinal, model: typeof completion.model === 'string' ? completion.model : null }
    },
    streamDecoder: (target) => new OpenAIStreamTransform(target.provider),
    embeddings: openAIEmbeddings(type !== 'openai'),
    // Chat completions requests pass through on every server; Responses only on OpenAI's own.
    native: openaiNative({ prepare, quirksOf, responses: type === 'openai' }),
  })
}

/** `type: openai`: https://platform.openai.com/docs/api-reference/chat */
export const openai = defineProvider({
  type: 'openai',
  api: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  simulatorPath: '/v1',
  family: /^(gpt-|chatgpt-|o\d(?:-|$)|text-|davinci|babbage)/,
  reasoningRules,
  createAdapter: () => createOpenAIAdapter('openai'),
})
