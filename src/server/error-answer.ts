/**
 * The one error answer: anything thrown while handling a request → OpenAI's error body (errors.ts), or
 * Anthropic's for a request that asked for its shape (`vars.errorShape`: /v1/messages, or an Anthropic
 * client's `anthropic-version`), with the request id, the caller's x-ratelimit-* headers and what is known
 * of the routing. Every endpoint, on node:http or through Hono, answers errors through it.
 */
import { encodeError } from '../ingress/anthropic-messages/encode-error.ts'
import { ApiError } from '../lib/api-error.ts'
import { redactKeys } from '../providers/redact.ts'
import { ProviderError } from '../providers/types.ts'
import { headerValue, toErrorResponse, warningHeader } from './errors.ts'
import { idHeaders } from './request-id.ts'
import type { AppDeps, AppVars, RequestIds } from './types.ts'

/** An error answer in the shape its client reads. */
export interface ErrorAnswer {
  status: number
  body: unknown
  headers: Record<string, string>
  /** The error's code, else its type (OpenAI's names, whatever the shape): for the request's event. */
  code: string
}

export function answerError(err: unknown, vars: Partial<AppVars>, ids: RequestIds, deps: AppDeps): ErrorAnswer {
  const r = toErrorResponse(err, deps.config.current().secrets)
  const report = vars.report
  // Failures are logged with the routing decision: at error when Headroom or the upstream failed (5xx),
  // at warn when the targets refused (rate limits, keys, quotas: a 4xx the client did not cause).
  const upstreamRefusal =
    err instanceof ProviderError && r.status < 500 && err.kind !== 'bad_request' && err.kind !== 'cancelled'
  if ((r.status >= 500 && !(err instanceof ApiError)) || upstreamRefusal) {
    // A stack only for Headroom's own failures: a ProviderError's is noise, and its first line is the
    // upstream's message as it came, before the scrub.
    const stack =
      r.status === 500 && !(err instanceof ProviderError)
        ? redactKeys(String((err as Error)?.stack ?? err), deps.config.current().secrets)
        : undefined
    deps.log[upstreamRefusal ? 'warn' : 'error']('request failed', {
      requestId: ids.requestId,
      clientRequestId: ids.clientRequestId ?? undefined,
      status: r.status,
      route: vars.route,
      decision: report?.decision,
      error: r.body.error.message,
      stack,
    })
  }
  const headers: Record<string, string> = { ...vars.rateLimitHeaders, ...r.headers, ...idHeaders(ids) }
  if (vars.route) headers['x-headroom-route'] = headerValue(vars.route)
  if (report?.target) headers['x-headroom-target'] = headerValue(report.target.id)
  if (report && report.attempts > 0) headers['x-headroom-attempts'] = String(report.attempts)
  if (report?.decision) headers['x-headroom-decision'] = report.decision
  const warn = warningHeader(vars.warnings ?? [])
  if (warn) headers['x-headroom-warning'] = warn
  const code = r.body.error.code ?? r.body.error.type
  if (vars.errorShape === 'anthropic') {
    // Anthropic's bodies name the request too (https://docs.anthropic.com/en/api/errors).
    const e = encodeError(r.status, r.body.error)
    return { status: e.status, body: { ...e.body, request_id: ids.requestId }, headers, code }
  }
  return { status: r.status, body: r.body, headers, code }
}
