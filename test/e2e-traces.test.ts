/**
 * Traces end to end: the real server and simulator, spans caught by the SDK's in-memory exporter — one
 * SERVER span per client request, one CLIENT span per upstream attempt under it, the GenAI semantic
 * conventions' attributes (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/) and Headroom's,
 * a caller's traceparent continued (and a malformed one ignored) — and once exported over OTLP/HTTP to a
 * receiver the test runs on 127.0.0.1.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { silentLogger } from '../src/lib/logger.ts'
import { tracingListener } from '../src/observe/tracing.ts'
import { type Running, startHeadroom } from '../src/start.ts'
import { rawPost, SIM_KEY, testConfig, useSimulator } from './harness.ts'

const ROUTES = `routes:
  r: { targets: [openai/gpt-4.1-mini] }
  over: { strategy: ordered, targets: [openai/gpt-4.1-mini, anthropic/claude-haiku-4-5] }
  g: { targets: [google/gemini-2.5-flash] }
  claude: { targets: [anthropic/claude-haiku-4-5] }
  vectors: { targets: [openai/text-embedding-3-small] }
`
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'

const sim = useSimulator({ validKeys: [SIM_KEY] })
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
let hr: Running

beforeAll(async () => {
  hr = await startHeadroom({
    dbPath: ':memory:',
    configText: testConfig(sim.url, ROUTES),
    port: 0,
    env: {},
    log: silentLogger,
    listeners: [tracingListener(provider.getTracer('test'))],
  })
})
afterAll(async () => {
  await hr.close()
  await provider.shutdown()
})
beforeEach(() => exporter.reset())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  rawPost(`${hr.url}${path}`, JSON.stringify(body), { 'content-type': 'application/json', ...headers })

/** The spans of the request just answered: its SERVER span and its CLIENT spans. */
async function spans(attempts: number): Promise<{ request: ReadableSpan; attempts: ReadableSpan[] }> {
  await vi.waitFor(() => expect(exporter.getFinishedSpans()).toHaveLength(1 + attempts))
  const all = exporter.getFinishedSpans()
  const request = all.find((s) => s.kind === SpanKind.SERVER)!
  return { request, attempts: all.filter((s) => s.kind === SpanKind.CLIENT) }
}

describe('spans per request and per attempt', () => {
  it('failover: a SERVER span continuing the caller’s trace, a CLIENT span per attempt, GenAI attributes', async () => {
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'rate_limit' }])
    const r = await post(
      '/v1/chat/completions',
      { model: 'over', messages: [{ role: 'user', content: 'reply: hello there' }] },
      { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
    )
    expect(r.status).toBe(200)
    const { request, attempts } = await spans(2)
    expect(request.name).toBe('chat over')
    expect(request.spanContext().traceId).toBe(TRACE_ID)
    expect(request.parentSpanContext?.spanId).toBe(PARENT_ID)
    expect(request.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'over',
      'gen_ai.request.stream': false,
      'headroom.route': 'over',
      'headroom.decision': r.headers.get('x-headroom-decision'),
      'headroom.attempts': 2,
      'headroom.request_id': r.headers.get('x-request-id'),
      'http.response.status_code': 200,
    })
    expect(request.attributes['gen_ai.response.model']).toMatch(/^claude-haiku-4-5/)
    // Translated to a chat completion: OpenAI's vocabulary (Anthropic's end_turn is stop).
    expect(request.attributes['gen_ai.response.finish_reasons']).toEqual(['stop'])
    expect(request.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0)
    expect(request.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0)
    expect(request.attributes['headroom.cost_usd']).toBeGreaterThan(0)
    expect(request.status.code).toBe(SpanStatusCode.UNSET)

    const [first, second] = attempts.sort(
      (a, b) => Number(a.attributes['headroom.attempt']) - Number(b.attributes['headroom.attempt']),
    )
    for (const a of [first!, second!]) {
      expect(a.spanContext().traceId).toBe(TRACE_ID)
      expect(a.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
    }
    expect(first!.name).toBe('chat gpt-4.1-mini')
    expect(first!.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4.1-mini',
      'headroom.outcome': 'failed_over',
      'http.response.status_code': 429,
      'server.address': '127.0.0.1',
    })
    expect(first!.status.code).toBe(SpanStatusCode.ERROR)
    expect(first!.attributes['gen_ai.response.finish_reasons']).toBeUndefined()
    expect(second!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop'])
    expect(second!.attributes).toMatchObject({ 'gen_ai.provider.name': 'anthropic', 'headroom.outcome': 'ok' })
    expect(second!.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0)
    // Each span lies within the request's.
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6
    for (const a of attempts) {
      expect(ms(a.startTime)).toBeGreaterThanOrEqual(ms(request.startTime))
      expect(ms(a.endTime)).toBeLessThanOrEqual(ms(request.endTime) + 1)
    }
  })

  it('a stream from Gemini: gcp.gemini, time to first chunk', async () => {
    const r = await post('/v1/chat/completions', {
      model: 'g',
      stream: true,
      messages: [{ role: 'user', content: 'reply: one two three' }],
    })
    expect(r.text).toContain('[DONE]')
    const { request, attempts } = await spans(1)
    expect(request.attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.stream': true })
    expect(request.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0)
    expect(attempts[0]!.attributes['gen_ai.request.model']).toBe('gemini-2.5-flash')
    expect(request.attributes['gen_ai.response.finish_reasons']).toEqual(['stop'])
    expect(attempts[0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop'])
    // No traceparent: a trace of its own.
    expect(request.parentSpanContext).toBeUndefined()
  })

  it('/v1/messages passed through, JSON and stream: Anthropic’s own stop reason', async () => {
    for (const stream of [false, true]) {
      exporter.reset()
      const r = await post('/v1/messages', {
        model: 'claude',
        max_tokens: 64,
        stream,
        messages: [{ role: 'user', content: 'reply: hello there' }],
      })
      expect(r.status).toBe(200)
      const { request, attempts } = await spans(1)
      expect(request.attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn'])
      expect(attempts[0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn'])
    }
  })

  it('embeddings; a malformed traceparent is ignored', async () => {
    for (const bad of [
      `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
      `ff-${TRACE_ID}-${PARENT_ID}-01`,
      'x'.repeat(600),
      `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`,
    ]) {
      exporter.reset()
      const r = await post('/v1/embeddings', { model: 'vectors', input: 'hello' }, { traceparent: bad })
      expect(r.status).toBe(200)
      const { request } = await spans(1)
      expect(request.name).toBe('embeddings vectors')
      expect(request.attributes['gen_ai.operation.name']).toBe('embeddings')
      expect(request.attributes['gen_ai.response.finish_reasons']).toBeUndefined()
      expect(request.parentSpanContext).toBeUndefined()
      expect(request.spanContext().traceId).not.toBe(TRACE_ID)
    }
  })

  it('a refusal is one span, no attempt; a failure is an error', async () => {
    const refused = await post('/v1/chat/completions', { model: 'nope/x', messages: [{ role: 'user', content: 'x' }] })
    expect(refused.status).toBe(404)
    const a = await spans(0)
    expect(a.request.attributes).toMatchObject({ 'http.response.status_code': 404, 'error.type': 'model_not_found' })
    expect(a.request.status.code).toBe(SpanStatusCode.UNSET) // the client's mistake, not a failure
    exporter.reset()
    sim.script('openai', 'gpt-4.1-mini', [{ kind: 'server_error' }, { kind: 'server_error' }, { kind: 'server_error' }])
    const failed = await post('/v1/chat/completions', { model: 'r', messages: [{ role: 'user', content: 'x' }] })
    expect(failed.status).toBeGreaterThanOrEqual(500)
    await vi.waitFor(() => expect(exporter.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER)).toBe(true))
    const request = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!
    expect(request.status.code).toBe(SpanStatusCode.ERROR)
  })
})

describe('OTLP/HTTP export', () => {
  it('with OTEL_EXPORTER_OTLP_ENDPOINT set, the spans reach the collector as OTLP JSON', async () => {
    const received: Array<{ path: string; type: string; body: string }> = []
    const collector = createServer((req: IncomingMessage, res) => {
      let body = ''
      req.on('data', (b: Buffer) => (body += b.toString()))
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    })
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r))
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
    const traced = await startHeadroom({
      dbPath: ':memory:',
      configText: testConfig(sim.url, ROUTES),
      port: 0,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'headroom-test' },
      log: silentLogger,
    })
    try {
      const r = await rawPost(
        `${traced.url}/v1/chat/completions`,
        JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'reply: ok' }] }),
        { 'content-type': 'application/json', traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
      )
      expect(r.status).toBe(200)
    } finally {
      await traced.close() // exports what is batched
      collector.close()
    }
    expect(received.length).toBeGreaterThan(0)
    expect(received[0]).toMatchObject({ path: '/v1/traces', type: 'application/json' })
    const body = received.map((x) => x.body).join('\n')
    expect(body).toContain('"headroom-test"')
    expect(body).toContain('"chat r"')
    expect(body).toContain('"chat gpt-4.1-mini"')
    expect(body).toContain('"gen_ai.provider.name"')
    expect(body).toContain(TRACE_ID)
    expect(body).not.toContain(SIM_KEY)
  })
})
