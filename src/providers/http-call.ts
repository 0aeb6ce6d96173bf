/**
 * What the HTTP adapter skeleton (./http-adapter.ts) and its passthrough calls (./http-native.ts) share: a
 * call's URL and headers, the send with its helpers, and the meta a stream leaves when it is over.
 */
import type { Endpoint, UpstreamResponse } from './http.ts'
import type { ProviderError, ProviderUsage, RateLimitSnapshot, Target, UpstreamMeta } from './types.ts'

/** One upstream call's URL and headers (content-type and accept included). */
export interface Call {
  readonly url: Endpoint
  readonly headers: Readonly<Record<string, string>>
}

/** A target's two calls: the JSON answer and the stream. */
export interface PreparedTarget {
  readonly json: Call
  readonly sse: Call
}

/** Where a call failed: sending it (up to the response headers), reading a JSON body, or reading a stream. */
export type Phase = 'request' | 'body' | 'stream'

/** The skeleton's send and its helpers, for the passthrough calls (./http-native.ts). */
export interface SendIo {
  /** Sends the body; resolves with a 2xx response (body unread), throws the provider's ProviderError otherwise. */
  send(call: Call, body: string, target: Target, signal: AbortSignal): Promise<UpstreamResponse>
  /** A 2xx JSON answer's body as text; throws ProviderError when it cannot be read, or is not JSON. */
  jsonText(res: UpstreamResponse, target: Target, signal: AbortSignal): Promise<string>
  fail(err: unknown, target: Target, phase: Phase, signal: AbortSignal): ProviderError
  limits(headers: UpstreamResponse['headers']): RateLimitSnapshot | null
  newMeta(res: UpstreamResponse, warnings: string[]): UpstreamMeta
  /** Called when the adapter is closed (drop what was prepared per target). */
  onClose(f: () => void): void
}

/** Read once a stream is over, however it ended (a broken stream still bills what it used). */
export function closeMeta(
  meta: UpstreamMeta,
  d: {
    readonly usage: ProviderUsage | null
    readonly usageFinal: boolean
    readonly model: string | null
    readonly requestId?: string | null
    readonly finishReasons?: readonly string[]
  },
): void {
  meta.usage = d.usage
  if (d.finishReasons !== undefined && d.finishReasons.length > 0) meta.finishReasons = d.finishReasons
  meta.usageFinal = d.usageFinal
  meta.model = d.model
  if (d.requestId != null) meta.requestId = d.requestId
}
