/**
 * The types of the one core (answer.ts): a request as it reads it (`ModelCall`), a client API as it serves it
 * (`ServedApi`, with its passthrough `NativeSide`), and the answer it returns for a writer (answer-node.ts on
 * node:http, answer-web.ts as a web Response) to write.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { ChatChunk, ChatCompletion, ChatRequest, OpenAIErrorBody } from '../providers/openai-schema.ts'
import type { NativeRequest } from '../providers/types.ts'
import type { RequestApi } from '../routing/events.ts'
import type { Untranslatable } from '../routing/execute.ts'
import type { ErrorResponse } from './errors.ts'
import type { StreamEnd } from './sse-writer.ts'
import type { AppDeps, AppVars, ErrorShape, RequestIds } from './types.ts'

/** One request to a model-calling endpoint as the core reads it, whatever carries it. */
export interface ModelCall extends RequestIds {
  /** Node's header record (lower-case names). */
  readonly headers: IncomingHttpHeaders
  /** The body; refused with 413 past `limit` bytes. */
  readBody(limit: number): Promise<Buffer>
  /** Calls `abort` if the client goes away before its answer is complete (from admission on). */
  onClientGone(abort: () => void): void
  /** What the error answer will need to say, filled in as the request goes. */
  readonly vars: Partial<AppVars>
}

/**
 * One client API as the core serves it. `D` is its decoded request, read through `canonical` and
 * `warnings` (chat's is the canonical request itself: nothing allocated for it).
 */
export interface ServedApi<D> {
  /** Which API it is, for its requests' RequestEvents. */
  readonly api: RequestApi
  /** The shape of its error answers. */
  readonly errorShape: ErrorShape
  /** Checks the API's own headers (a 400 for a bad one), before the body is read. */
  checkHeaders?(headers: IncomingHttpHeaders): void
  /**
   * The parsed JSON body (and the request's headers) → the decoded request; throws (or rejects with) ApiError (400)
   * for what it refuses. A promise only where decoding reads shared state (the Responses API's kept responses).
   */
  decode(body: unknown, headers: IncomingHttpHeaders, ctx: DecodeContext): D | Promise<D>
  /** The canonical request that `d` is sent as. */
  canonical(d: D): ChatRequest
  /** x-headroom-warning items about the request itself (what translation could not honour). */
  warnings(d: D): readonly string[]
  /** The JSON body of a complete answer. */
  json(answer: ChatCompletion, d: D, ids: RequestIds): string
  /**
   * A stream's SSE events, whole (`event: …\ndata: …\n\n`), a failure after the start ending it with the
   * API's error event (`fail` says what the client is told); null: the stream is written as OpenAI chat
   * chunks (sse-writer.ts).
   */
  readonly events:
    | ((
        chunks: AsyncIterable<ChatChunk>,
        d: D,
        ids: RequestIds,
        fail: (err: unknown) => ErrorResponse,
      ) => AsyncIterable<string>)
    | null
  /**
   * How this API names a parameter of the canonical request `d` was translated to (absent or null: the same),
   * for the errors and warnings a target raises about the translation.
   */
  paramName?(d: D): ((canonical: string) => string) | null
  /** Passthrough to targets that take this API as it is (null: none; every target gets the canonical request). */
  readonly native: NativeSide<D> | null
}

/** What a decoder may read besides the body: who calls, the body's size, and the app's parts. */
export interface DecodeContext {
  /** Whose request it is: `key:<name>` for a client key, `admin`, or `open` when the router has no keys. */
  readonly scope: string
  /** The body's length in bytes, as read. */
  readonly bodyBytes: number
  readonly deps: AppDeps
}

/** Reads a passed-through answer as it goes to the client untouched. */
export interface PassedWatcher {
  /** A JSON answer's body. */
  json(body: string): void
  /** One frame of a stream (whole SSE events), before the client gets it. */
  frame(data: string): void
}

/** How an API's requests are passed through, and how a passed-through stream that fails is ended. */
export interface NativeSide<D> {
  /** The request as the client sent it, and why it cannot be translated (null: it can). */
  request(d: D): { readonly native: NativeRequest; readonly untranslatable: Untranslatable | null }
  /** The API's error event, ending a passed-through stream that failed after it began (`last`: the last frame sent). */
  errorEvent(r: ErrorResponse, last: string | null): string
  /** What reads a passed-through answer of this request (absent or null: nothing does). */
  watch?(d: D): PassedWatcher | null
}

interface Answered {
  /** Status 200 with these headers. */
  readonly headers: Record<string, string>
  /** routes.yaml `server.stream_idle_timeout_ms`: how long a write the client does not take may wait. */
  readonly idleTimeoutMs: number
}

interface JsonAnswer extends Answered {
  readonly kind: 'json'
  readonly body: string
}

interface Ended {
  /** The writer calls this once, when the stream has ended, however it ended. */
  readonly ended: (how: StreamEnd) => void
}

/** An OpenAI chat-completion stream: chunks, framed by sse-writer.ts. */
export interface StreamAnswer extends Answered, Ended {
  readonly kind: 'stream'
  readonly chunks: AsyncIterable<ChatChunk>
  /** Whether the client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean
  /** The body of the error frame for a stream that fails after it began (the failure is logged). */
  readonly toError: (err: unknown) => OpenAIErrorBody
}

/** Another API's stream: its SSE events, whole, the error event included; it never throws. */
export interface EventsAnswer extends Answered, Ended {
  readonly kind: 'events'
  readonly events: AsyncIterable<string>
}

export type Answer = JsonAnswer | StreamAnswer | EventsAnswer
