/**
 * What the core (answer.ts) and its passthrough (passthrough.ts) share to answer a request once admitted:
 * the answer's headers — what served it and how — and what a stream that fails after it began tells the
 * client, logged once.
 */
import type { Ticket } from '../admission/admit.ts'
import type { CompiledConfig } from '../config/types.ts'
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

/** The headers of a successful answer: what served it and how, as a plain record (cheapest to write). */
export function answerHeaders(
  ids: RequestIds,
  ticket: Ticket,
  warnings: readonly string[],
  ex: Execution<unknown>,
  report: Report,
  base: Record<string, string>,
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
  const upstream = ex.upstream.meta.warnings
  const warn = warningHeader(warnings.length > 0 ? [...warnings, ...upstream] : upstream)
  if (warn) headers['x-headroom-warning'] = warn
  return headers
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
