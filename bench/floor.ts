/**
 * The floor: the least a passed-through chat completion can cost a router that keeps Headroom's contract,
 * whatever its design — the bare proxy (bench/bare-proxy.ts) plus only the work no design can drop, done
 * with Headroom's own parts and nothing else: the body parsed and its `model` replaced, a request id, one
 * table lookup for the target, the decision headers, the answer's usage read, a spend row through the real
 * batched writer into SQLite, the request's metrics in prom-client, and one pino log line. No validation,
 * no admission, no breaker, no timers, no failover. Run by `bench/ab.ts <api> json N s floor` next to the
 * bare proxy, in the same rounds, to tell what share of the gap to it a design could ever close.
 *
 *   node --import tsx bench/floor.ts --port 9200 --upstream http://127.0.0.1:9100 --db /tmp/floor.db
 *
 * NO_SPEND=1, NO_METRICS=1 and NO_LOG=1 leave a part out (`FLOOR_ENV='{"NO_SPEND":"1"}' npx tsx bench/ab.ts …
 * floor`), to tell what each costs; SPEND_AT / SPEND_GAP set the writer's flushAtRows / minCommitGapMs.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { parseArgs } from 'node:util'
import { Counter, Histogram, Registry } from 'prom-client'
import { Agent } from 'undici'
import { createLogger } from '../src/lib/logger.ts'
import { openSpendDb } from '../src/spend/db.ts'
import { SpendWriter } from '../src/spend/writer.ts'

const { values } = parseArgs({
  options: { port: { type: 'string' }, upstream: { type: 'string' }, db: { type: 'string' } },
})
const upstream = new URL(values.upstream!).origin
const agent = new Agent({ keepAliveTimeout: 4_000 })
const writer = new SpendWriter(
  openSpendDb(values.db!),
  process.env.SPEND_AT
    ? { flushAtRows: Number(process.env.SPEND_AT), minCommitGapMs: Number(process.env.SPEND_GAP ?? 50) }
    : {},
)
const log = createLogger('info')
const registry = new Registry()
const requests = new Counter({ name: 'r', help: 'r', labelNames: ['route', 'status'], registers: [registry] })
const upstreamCalls = new Counter({
  name: 'u',
  help: 'u',
  labelNames: ['provider', 'target', 'outcome'],
  registers: [registry],
})
const tokens = new Counter({ name: 't', help: 't', labelNames: ['provider', 'target', 'kind'], registers: [registry] })
const duration = new Histogram({ name: 'd', help: 'd', labelNames: ['route'], registers: [registry] })
/** The routes table: `provider/model` → where it goes and as what model. */
const TARGETS = new Map([
  ['openai/gpt-4.1-mini', { provider: 'openai', path: '/v1/chat/completions', model: 'gpt-4.1-mini' }],
  ['anthropic/claude-haiku-4-5', { provider: 'anthropic', path: '/v1/messages', model: 'claude-haiku-4-5' }],
])
const FORWARD = ['content-type', 'anthropic-version', 'accept']
const PREFIX = randomBytes(6).toString('hex')
let seq = 0

http
  .createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (b: Buffer) => parts.push(b))
    req.on('end', () => {
      const started = Date.now()
      const requestId = `req_${PREFIX}${(seq++).toString(16).padStart(6, '0')}`
      let body: { model: string }
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { model: string }
      } catch {
        res.writeHead(400)
        res.end()
        return
      }
      const target = TARGETS.get(body.model)
      if (!target) {
        res.writeHead(404)
        res.end()
        return
      }
      const asked = body.model
      body.model = target.model
      const headers: Record<string, string> = { authorization: 'Bearer k' }
      for (const h of FORWARD) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h]
      agent
        .request({ origin: upstream, path: target.path, method: 'POST', headers, body: JSON.stringify(body) })
        .then(async (r) => {
          const text = await r.body.text()
          const answer = JSON.parse(text) as { model?: string; usage?: Record<string, number> }
          const u = answer.usage ?? {}
          const promptTokens = u['prompt_tokens'] ?? u['input_tokens'] ?? 0
          const completionTokens = u['completion_tokens'] ?? u['output_tokens'] ?? 0
          res.writeHead(r.statusCode, {
            'content-type': 'application/json',
            'x-request-id': requestId,
            'x-headroom-route': asked,
            'x-headroom-target': asked,
            'x-headroom-attempts': '1',
            'x-headroom-decision': `ordered: ${target.provider}#1/${target.model}`,
          })
          res.end(text)
          const latencyMs = Date.now() - started
          if (!process.env.NO_SPEND)
            writer.write({
              ts: started,
              requestId,
              clientRequestId: null,
              virtualKey: null,
              endUser: null,
              route: asked,
              provider: target.provider,
              keyAlias: `${target.provider}#1`,
              modelRequested: asked,
              modelServed: answer.model ?? target.model,
              stream: false,
              outcome: 'ok',
              httpStatus: r.statusCode,
              errorCode: null,
              attempt: 1,
              promptTokens,
              cachedTokens: 0,
              cacheWriteTokens: 0,
              completionTokens,
              reasoningTokens: 0,
              costMicrocents: promptTokens * 40 + completionTokens * 160,
              latencyMs,
              ttftMs: null,
              usageSource: 'provider',
              priceEntry: target.model,
              queuedMs: 0,
            })
          if (!process.env.NO_METRICS) {
            requests.inc({ route: asked, status: String(r.statusCode) })
            duration.observe({ route: asked }, latencyMs / 1000)
            upstreamCalls.inc({ provider: target.provider, target: asked, outcome: 'ok' })
            tokens.inc({ provider: target.provider, target: asked, kind: 'prompt' }, promptTokens)
            tokens.inc({ provider: target.provider, target: asked, kind: 'completion' }, completionTokens)
          }
          if (!process.env.NO_LOG)
            log.info('request', {
              requestId,
              api: 'chat',
              route: asked,
              target: asked,
              attempts: 1,
              status: r.statusCode,
              stream: false,
              errorCode: null,
              promptTokens,
              completionTokens,
              costUsd: (promptTokens * 40 + completionTokens * 160) / 1e8,
              latencyMs,
              ttftMs: null,
              queuedMs: 0,
              cache: null,
            })
        })
        .catch(() => {
          res.writeHead(502)
          res.end()
        })
    })
  })
  .listen(Number(values.port), '127.0.0.1')
process.on('SIGINT', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
