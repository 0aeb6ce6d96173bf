/**
 * What the core (answer.ts) and its passthrough (passthrough.ts) share to answer a request once admitted:
 * the answer's headers — what served it and how — and what a stream that fails after it began tells the
 * client, logged once.
 */
import type { Ticket } from '../admission/admit.ts'
import type { CompiledConfig } from '../config/types.ts'
import { ApiError } from '../lib/api-error.ts'
import { ProviderError } from '../providers/types.ts'
import type { Execution, Job, Report } from '../routing/runtime.ts'
import type { ModelCall } from './answer-types.ts'
import { type ErrorResponse, headerValue, toErrorResponse, warningHeader } from './errors.ts'
import { idHeaders } from './request-id.ts'
import type { AppDeps, RequestIds } from './types.ts'

export const JSON_HEADERS = { 'content-type': 'application/json' }

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
}

/** What answering a request admitted and ready to execute needs. */
export interface Admitted {
  readonly call: ModelCall
  readonly deps: AppDeps
  readonly ticket: Ticket
  /** Admission's warnings and the translation's. */
  readonly warnings: readonly string[]
  readonly job: Job
}

/** A parameter of the canonical request → the client's name for it (ServedApi.paramName). */
type ParamName = (canonical: string) => string

/**
 * The headers of a successful answer: what served it and how, as a plain record (cheapest to write).
 * `name`: the client's names for the parameters the target's warnings begin with.
 */
export function answerHeaders(
  ids: RequestIds,
  ticket: Ticket,
  warnings: readonly string[],
  ex: Execution<unknown>,
  report: Report,
  base: Record<string, string>,
  name?: ParamName,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...base,
    ...ticket.rateLimitHeaders,
    ...idHeaders(ids),
    'x-headroom-route': headerValue(ticket.route.name),
    'x-headroom-target': headerValue(ex.target.id),
    'x-headroom-attempts': String(ex.attempts),
    'x-headroom-decision': report.decision,
  }
  const upstream = name
    ? ex.upstream.meta.warnings.map((w) => w.replace(LEADING_PARAM, name))
    : ex.upstream.meta.warnings
  const warn = warningHeader(warnings.length > 0 ? [...warnings, ...upstream] : upstream)
  if (warn) headers['x-headroom-warning'] = warn
  return headers
}

/** `tools[0].function.parameters` in `tools[0].function.parameters: Gemini cannot express …`. */
const LEADING_PARAM = /^[\w.[\]]+/

/** An error about a parameter of the translation, reworded with the client's name for it; any other as it is. */
export function inClientNames(err: unknown, name: ParamName): unknown {
  if (!(err instanceof ApiError || err instanceof ProviderError) || err.param === null) return err
  const param = name(err.param)
  if (param === err.param) return err
  const message = err.message.replace(mentions(err.param), param)
  if (err instanceof ProviderError) return err.reworded({ message, param })
  return new ApiError(err.status, message, err.code, param, err.type, err.headers)
}

/**
 * Where a message names `param`: a path (`messages[1].content`, `max_tokens`) wherever it stands alone; a plain
 * word (`messages`) only where the message begins with it, since elsewhere it is prose ("system messages").
 */
function mentions(param: string): RegExp {
  const escaped = param.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  if (/^[a-z]+$/i.test(param)) return new RegExp(`^${escaped}(?![\\w[.])`)
  return new RegExp(`(?<![\\w.\\]])${escaped}(?![\\w[])`, 'g')
}

/** A stream that failed after it began: logged, and what the client is told (scrubbed of every secret). */
export function streamFailure(
  err: unknown,
  call: ModelCall,
  ex: Execution<unknown>,
  cfg: CompiledConfig,
  deps: AppDeps,
): ErrorResponse {
  const r = toErrorResponse(err, cfg.secrets)
  // A client that went away is no failure to report (the event it would get is written to nobody).
  if (err instanceof ProviderError && err.kind === 'cancelled') return r
  call.vars.streamError = r.body.error.code ?? r.body.error.type
  deps.log.warn('stream failed after it began', {
    requestId: call.requestId,
    clientRequestId: call.clientRequestId ?? undefined,
    target: ex.target.stateId,
    decision: call.vars.report?.decision,
    error: r.body.error.message,
  })
  return r
}
