/**
 * The Anthropic adapter: OpenAI chat requests served by the Messages API
 * (https://docs.claude.com/en/api/messages), spoken directly over the keep-alive client of ../http.ts.
 *
 * - Why not `@anthropic-ai/sdk` on the request path: even given a lean `fetch`, its per-call machinery
 *   (header merging into web `Headers`, URL building, a timeout AbortController, response wrapping) costs
 *   CPU on every call (docs/benchmarks.md). The SDK remains the reference the simulator is tested against.
 * - Headers per target, built once: `x-api-key` (the header Anthropic documents for API keys,
 *   https://docs.claude.com/en/api/overview#authentication), `anthropic-version: 2023-06-01`, then the
 *   target's own headers (which may add `anthropic-beta`, an `Authorization` for a proxy, or another version).
 * - `target.baseUrl` is the API origin without `/v1` (e.g. `https://api.anthropic.com`).
 * - Streams dispatch on each event's JSON `type` (a proxy's `data:`-only stream works too).
 * - Anthropic Messages requests are passed through as they came (./native.ts).
 */
import { defineProvider } from '../descriptor.ts'
import { endpoint } from '../http.ts'
import { defineHttpAdapter } from '../http-adapter.ts'
import { completionId, nowSeconds } from '../shapes.ts'
import { ANTHROPIC_TOOL_NAMES } from '../tool-names.ts'
import type { ProviderAdapter, Target } from '../types.ts'
import { toAnthropicRequest } from './convert-request.ts'
import { toChatCompletion } from './convert-response.ts'
import { badResponse, httpError, toProviderError } from './errors.ts'
import { anthropicNative } from './native.ts'
import { parseAnthropicRateLimits } from './rate-limits.ts'
import { AnthropicStreamTransform } from './stream-transform.ts'

/** The API version Anthropic's docs and SDKs before 1.x send; a target's `headers` may override it. */
const ANTHROPIC_VERSION = '2023-06-01'

function prepare(target: Target) {
  const own: Record<string, string> = {}
  for (const [k, v] of Object.entries(target.headers ?? {})) own[k.toLowerCase()] = v
  const key = { 'anthropic-version': ANTHROPIC_VERSION, 'x-api-key': target.apiKey }
  const base = { ...key, ...own, 'content-type': 'application/json' }
  const url = endpoint(`${target.baseUrl.replace(/\/+$/, '')}/v1/messages`)
  return {
    json: { url, headers: { ...base, accept: 'application/json' } },
    sse: { url, headers: { ...base, accept: 'text/event-stream' } },
  }
}

export function createAnthropicAdapter(): ProviderAdapter {
  return defineHttpAdapter<string | null>({
    type: 'anthropic',
    prepare,
    toolNames: ANTHROPIC_TOOL_NAMES,
    encode(req, target, stream) {
      const { params, warnings, jsonToolName } = toAnthropicRequest(req, target)
      return { body: JSON.stringify(stream ? { ...params, stream: true } : params), warnings, state: jsonToolName }
    },
    limits: parseAnthropicRateLimits,
    requestIdHeader: 'request-id',
    httpError,
    failure(err, { provider, phase, signal, timeoutMs, now }) {
      const during = phase === 'stream' ? 'stream' : 'request'
      return toProviderError(err, { provider, now, signal, during, idleMs: timeoutMs })
    },
    decode(text, target, jsonToolName) {
      let data: unknown
      try {
        data = JSON.parse(text)
      } catch (err) {
        // A proxy's cut or HTML page.
        throw badResponse(target.provider, `the body is not valid JSON (${(err as Error).message})`)
      }
      const msg = data as Parameters<typeof toChatCompletion>[0]
      const opts = { provider: target.provider, created: nowSeconds(), jsonToolName }
      const { completion, usage } = toChatCompletion(msg, opts)
      return { completion, usage, usageFinal: usage !== null, model: completion.model || null }
    },
    streamDecoder: (target, jsonToolName) =>
      new AnthropicStreamTransform({
        provider: target.provider,
        created: nowSeconds(),
        fallbackId: completionId(),
        fallbackModel: target.model,
        jsonToolName,
      }),
    native: anthropicNative(prepare),
  })
}

/** `type: anthropic`: https://docs.claude.com/en/api/messages */
export const anthropic = defineProvider({
  type: 'anthropic',
  api: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  simulatorPath: '',
  family: /^claude-/,
  createAdapter: createAnthropicAdapter,
})
