/**
 * Traces, as OpenTelemetry spans (https://opentelemetry.io/docs/specs/otel/trace/api/): per client request
 * one span of kind SERVER, and under it one span of kind CLIENT per upstream attempt, with the GenAI
 * semantic conventions' attributes (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/) and
 * Headroom's own (`headroom.route`, `headroom.decision`, `headroom.cost_usd`…). A request that came with a
 * W3C `traceparent` joins the caller's trace.
 *
 * The spans are made after the fact, from the RequestEvent and its attempt events (their start times and
 * durations), so that the request path carries no span objects and no context: tracing is one listener.
 * start.ts loads this module only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set: without
 * it, not one line of OpenTelemetry is loaded and no request does any work for traces.
 */
import { createRequire } from 'node:module'
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { targetSecrets, upstreamToken } from '../providers/redact.ts'
import type { Target } from '../providers/types.ts'
import type { AttemptEvent, AttemptListener, RequestApi, RequestEvent } from '../routing/events.ts'
import { priceUsage } from '../spend/pricing.ts'
import { MICROCENTS_PER_USD, requestTotals } from './request-totals.ts'

/**
 * `gen_ai.provider.name` per provider type, as the conventions name them; a type not listed is named as
 * it is (an OpenAI-compatible server's own type).
 */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
  mistral: 'mistral_ai',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'x_ai',
  perplexity: 'perplexity',
}

/** `gen_ai.operation.name` per client API (`count_tokens` is no operation of the conventions: its own name). */
const OPERATIONS: Readonly<Record<RequestApi, string>> = {
  chat: 'chat',
  messages: 'chat',
  responses: 'chat',
  embeddings: 'embeddings',
  count_tokens: 'count_tokens',
}

/** The caller's span, from a traceparent the request event validated (`00-<trace>-<parent>-<flags>`). */
function parentContext(traceparent: string | null): Context {
  if (traceparent === null) return ROOT_CONTEXT
  const [, traceId, spanId, flags] = traceparent.split('-')
  const parent: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  }
  return trace.setSpanContext(ROOT_CONTEXT, parent)
}

/** The host a target's calls go to (`server.address`), parsed once per target. */
const hosts = new WeakMap<Target, { address: string; port: number | undefined }>()
function serverOf(t: Target): { address: string; port: number | undefined } {
  let h = hosts.get(t)
  if (h === undefined) {
    try {
      const u = new URL(t.baseUrl)
      h = { address: u.hostname, port: u.port === '' ? undefined : Number(u.port) }
    } catch {
      h = { address: '', port: undefined }
    }
    hosts.set(t, h)
  }
  return h
}

/** `gen_ai.response.finish_reasons`: upstream text (a passthrough's are the provider's own), scrubbed like the model. */
function finishReasons(reasons: readonly string[], target: Target): string[] {
  const secrets = targetSecrets(target)
  return reasons.map((r) => upstreamToken(r, secrets))
}

function attemptAttributes(op: string, a: AttemptEvent): Attributes {
  const server = serverOf(a.target)
  const attrs: Attributes = {
    'gen_ai.operation.name': op,
    'gen_ai.provider.name': PROVIDER_NAMES[a.target.type] ?? a.target.type,
    'gen_ai.request.model': a.target.model,
    'gen_ai.request.stream': a.stream,
    'server.address': server.address,
    'server.port': server.port,
    'headroom.target': a.target.stateId,
    'headroom.attempt': a.attempt,
    'headroom.outcome': a.outcome,
    'http.response.status_code': a.status,
  }
  // The model as the provider named it: upstream text, scrubbed like the spend table's.
  if (a.modelServed !== null) attrs['gen_ai.response.model'] = upstreamToken(a.modelServed, targetSecrets(a.target))
  if (a.finishReasons !== null) attrs['gen_ai.response.finish_reasons'] = finishReasons(a.finishReasons, a.target)
  if (a.usage !== null) {
    attrs['gen_ai.usage.input_tokens'] = a.usage.promptTokens
    attrs['gen_ai.usage.output_tokens'] = a.usage.completionTokens
    attrs['gen_ai.usage.cache_read.input_tokens'] = a.usage.cachedTokens
    attrs['gen_ai.usage.reasoning.output_tokens'] = a.usage.reasoningTokens
    attrs['headroom.cost_usd'] = priceUsage(a.usage, a.model).costMicrocents / MICROCENTS_PER_USD
    attrs['headroom.usage_source'] = a.usageSource
  }
  if (a.ttftMs !== null) attrs['gen_ai.response.time_to_first_chunk'] = a.ttftMs / 1000
  if (a.errorCode !== null) attrs['error.type'] = a.errorCode
  return attrs
}

/** Whether a request failed as far as its span says: Headroom's or the targets' failure, not the client's. */
function failed(e: RequestEvent): boolean {
  if (e.status >= 500 || e.status === 429) return true
  return e.status < 400 && e.errorCode !== null && e.errorCode !== 'client_closed'
}

/** Spans of a request and of its attempts, made after the fact and ended at once. */
export function recordRequest(tracer: Tracer, e: RequestEvent): void {
  const op = OPERATIONS[e.api]
  const model = e.modelRequested ?? ''
  const totals = requestTotals(e)
  const serving = e.attemptEvents.length > 0 ? e.attemptEvents[e.attemptEvents.length - 1]! : null
  const attrs: Attributes = {
    'gen_ai.operation.name': op,
    'gen_ai.request.model': model,
    'gen_ai.request.stream': e.stream,
    'gen_ai.usage.input_tokens': totals.promptTokens,
    'gen_ai.usage.output_tokens': totals.completionTokens,
    'http.response.status_code': e.status,
    'headroom.request_id': e.requestId,
    'headroom.api': e.api,
    'headroom.attempts': e.attempts,
    'headroom.decision': e.decision,
    'headroom.cost_usd': totals.costMicrocents / MICROCENTS_PER_USD,
    'headroom.cache': e.cache,
    'headroom.queued_ms': e.queuedMs,
  }
  if (e.route !== null) attrs['headroom.route'] = e.route
  if (e.target !== null) attrs['headroom.target'] = e.target
  if (serving !== null) {
    attrs['gen_ai.provider.name'] = PROVIDER_NAMES[serving.target.type] ?? serving.target.type
    if (serving.modelServed !== null)
      attrs['gen_ai.response.model'] = upstreamToken(serving.modelServed, targetSecrets(serving.target))
    if (serving.finishReasons !== null)
      attrs['gen_ai.response.finish_reasons'] = finishReasons(serving.finishReasons, serving.target)
  }
  if (e.ttftMs !== null) attrs['gen_ai.response.time_to_first_chunk'] = e.ttftMs / 1000
  if (e.errorCode !== null) attrs['error.type'] = e.errorCode
  const start = e.startedAt
  const span = tracer.startSpan(
    model === '' ? op : `${op} ${model}`,
    { kind: SpanKind.SERVER, startTime: start, attributes: attrs },
    parentContext(e.traceparent),
  )
  if (failed(e)) span.setStatus({ code: SpanStatusCode.ERROR, message: e.errorCode ?? undefined })
  const ctx = trace.setSpan(ROOT_CONTEXT, span)
  for (const a of e.attemptEvents) {
    const child = tracer.startSpan(
      `${op} ${a.target.model}`,
      { kind: SpanKind.CLIENT, startTime: a.startedAt, attributes: attemptAttributes(op, a) },
      ctx,
    )
    if (a.outcome === 'error' || a.outcome === 'failed_over')
      child.setStatus({ code: SpanStatusCode.ERROR, message: a.errorCode ?? undefined })
    child.end(a.startedAt + a.latencyMs)
  }
  span.end(start + e.latencyMs)
}

/** Tracing as a listener: each request's spans, recorded once it was answered. */
export function tracingListener(tracer: Tracer): AttemptListener {
  return {
    onAttempt() {},
    onRequest: (e) => recordRequest(tracer, e),
  }
}

/** Where spans go, from the environment (https://opentelemetry.io/docs/specs/otel/protocol/exporter/); null: off. */
function otlpTracesUrl(env: Record<string, string | undefined>): string | null {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return null
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim()
  if (traces) return traces
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim()
  if (!base) return null
  return `${base.replace(/\/+$/, '')}/v1/traces`
}

export interface Tracing {
  readonly listener: AttemptListener
  /** Exports what is still batched, then stops. */
  shutdown(): Promise<void>
}

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

/**
 * Tracing as the environment asks: null when no OTLP endpoint is set, else a tracer provider exporting in
 * batches over OTLP/HTTP (JSON), its service named by `OTEL_SERVICE_NAME` (default `headroom`), and its
 * listener.
 */
export function startTracing(env: Record<string, string | undefined>): Tracing | null {
  const url = otlpTracesUrl(env)
  if (url === null) return null
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env['OTEL_SERVICE_NAME']?.trim() || 'headroom',
      'service.version': VERSION,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  })
  return {
    listener: tracingListener(provider.getTracer('headroom', VERSION)),
    shutdown: () => provider.shutdown(),
  }
}
