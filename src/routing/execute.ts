/**
 * Runs a request against its route's targets. (For now the first target serves; the attempt loop
 * with retries, breakers and failover builds on this.)
 *
 * Streams are held until their first content: the upstream call is made, and chunks are pulled until
 * one carries content or a tool call. A failure before that point rejects here — the client has seen
 * nothing yet, so it can get a proper HTTP error (or, later, an invisible failover) — and a failure after
 * it surfaces from the iterator as a mid-stream error.
 */
import type { ChatChunk, ChatCompletion, ChatRequest } from '../providers/openai-schema.ts'
import type { AdapterRegistry } from '../providers/registry.ts'
import { ProviderError, type Target, type Upstream } from '../providers/types.ts'
import type { Resolved } from './resolve.ts'

export interface Execution<T> {
  readonly target: Target
  readonly upstream: Upstream<T>
  readonly attempts: number
}

function asProviderError(target: Target, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err
  // An adapter bug, not an upstream failure; still answered in OpenAI shape.
  return new ProviderError({
    provider: target.provider,
    status: 502,
    kind: 'server',
    message: `the ${target.provider} adapter failed: ${(err as Error)?.message ?? String(err)}`,
    code: 'adapter_error',
    raw: err,
  })
}

export async function executeComplete(
  req: ChatRequest,
  resolved: Resolved,
  adapters: AdapterRegistry,
  signal: AbortSignal,
): Promise<Execution<ChatCompletion>> {
  const target = resolved.targets[0]!
  try {
    const upstream = await adapters(target.type).complete(req, target, signal)
    return { target, upstream, attempts: 1 }
  } catch (err) {
    throw asProviderError(target, err)
  }
}

export async function executeStream(
  req: ChatRequest,
  resolved: Resolved,
  adapters: AdapterRegistry,
  signal: AbortSignal,
): Promise<Execution<AsyncIterable<ChatChunk>>> {
  const target = resolved.targets[0]!
  try {
    const upstream = await adapters(target.type).stream(req, target, signal)
    const body = await primeStream(upstream.body, target)
    return { target, upstream: { ...upstream, body }, attempts: 1 }
  } catch (err) {
    throw asProviderError(target, err)
  }
}

function carriesContent(c: ChatChunk): boolean {
  for (const ch of c.choices) {
    const d = ch.delta
    if ((typeof d.content === 'string' && d.content.length > 0) || (d.tool_calls?.length ?? 0) > 0 || typeof d.refusal === 'string') return true
    if (ch.finish_reason) return true // an empty answer is an answer
  }
  return c.usage != null
}

/** Pulls chunks until the first one with content; returns an iterable replaying them, then the rest. */
async function primeStream(source: AsyncIterable<ChatChunk>, target: Target): Promise<AsyncIterable<ChatChunk>> {
  const it = source[Symbol.asyncIterator]()
  const head: ChatChunk[] = []
  let ended = false
  for (;;) {
    const r = await it.next()
    if (r.done) {
      ended = true
      break
    }
    head.push(r.value)
    if (carriesContent(r.value)) break
  }
  return {
    [Symbol.asyncIterator]: async function* () {
      try {
        yield* head
        if (ended) return
        for (;;) {
          let r: IteratorResult<ChatChunk>
          try {
            r = await it.next()
          } catch (err) {
            throw asProviderError(target, err)
          }
          if (r.done) return
          yield r.value
        }
      } finally {
        // The consumer stopped early (client gone): release the upstream.
        if (!ended) await it.return?.()
      }
    },
  }
}
