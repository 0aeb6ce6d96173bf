/**
 * `npm run bench`: requests/s and latency through Headroom versus calling the simulator directly, in the
 * same run, for streaming and non-streaming requests at 1 and 16 connections, per provider format.
 *
 *   npm run bench -- --seconds 5 --providers openai,anthropic,gemini
 *
 * The simulator and Headroom each run in their own process; the load generator runs in this one. All
 * three share the machine's cores, so absolute numbers depend on the machine; the ratios are the point.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuMicros, freePort, measureLatency, measureThroughput, startChild, type Target } from './lib.ts'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, providers: { type: 'string', default: 'openai,anthropic,gemini' } },
})
const seconds = Number(values.seconds)
const providers = values.providers!.split(',') as Array<'openai' | 'anthropic' | 'gemini'>

const PROMPT = 'Say hello in a short sentence.'
const MODELS = { openai: 'gpt-4.1-mini', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash-lite' } as const
const PROVIDER_NAME = { openai: 'openai', anthropic: 'anthropic', gemini: 'google' } as const

function direct(sim: string, p: keyof typeof MODELS, stream: boolean): Target {
  const model = MODELS[p]
  switch (p) {
    case 'openai':
      return {
        url: `${sim}/v1/chat/completions`,
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }], max_tokens: 32, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
      }
    case 'anthropic':
      return {
        url: `${sim}/v1/messages`,
        headers: { 'content-type': 'application/json', 'x-api-key': 'bench-key', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model, max_tokens: 32, messages: [{ role: 'user', content: PROMPT }], stream }),
      }
    case 'gemini':
      return {
        url: `${sim}/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'bench-key' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: PROMPT }] }], generationConfig: { maxOutputTokens: 32 } }),
      }
  }
}

function through(hr: string, p: keyof typeof MODELS, stream: boolean): Target {
  return {
    url: `${hr}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer client-key' },
    body: JSON.stringify({ model: `${PROVIDER_NAME[p]}/${MODELS[p]}`, messages: [{ role: 'user', content: PROMPT }], max_tokens: 32, stream }),
  }
}

const simPort = await freePort()
const hrPort = await freePort()
const sim = `http://127.0.0.1:${simPort}`
const hr = `http://127.0.0.1:${hrPort}`
const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'))
const config = join(dir, 'routes.yaml')
writeFileSync(
  config,
  `providers:
  openai: { type: openai, base_url: "${sim}/v1", api_key: bench-key }
  anthropic: { type: anthropic, base_url: "${sim}", api_key: bench-key }
  google: { type: gemini, base_url: "${sim}", api_key: bench-key }
routes: {}
`,
)

const simProc = await startChild(['simulate', '--port', String(simPort)], {}, `${sim}/_sim/stats`)
const hrProc = await startChild(['start', '--config', config, '--port', String(hrPort)], { HEADROOM_DB: join(dir, 'bench.db') }, `${hr}/health`)

const f = (n: number, d = 2) => n.toFixed(d)
const rows: string[] = []
try {
  for (const p of providers) {
    for (const stream of [false, true]) {
      const mode = stream ? 'stream' : 'json'
      const d1 = await measureLatency(direct(sim, p, stream), seconds * 1000)
      const h1 = await measureLatency(through(hr, p, stream), seconds * 1000)
      const dKey = stream ? d1.ttfbP50 : d1.totalP50
      const hKey = stream ? h1.ttfbP50 : h1.totalP50
      rows.push(
        `| ${p} | ${mode} | 1 | ${f(dKey)} | ${f(hKey)} | **${f((hKey - dKey) * 1000, 0)} µs** | p99 ${f(stream ? d1.ttfbP99 : d1.totalP99)} / ${f(stream ? h1.ttfbP99 : h1.totalP99)} ms | ${f(1000 / d1.totalP50, 0)} / ${f(1000 / h1.totalP50, 0)} | ${f(d1.totalP50 / h1.totalP50)} |`,
      )
      const d16 = await measureThroughput(direct(sim, p, stream), 16, seconds)
      const cpu0 = cpuMicros(hrProc.proc.pid!)
      const h16 = await measureThroughput(through(hr, p, stream), 16, seconds)
      const cpuPerReq = (cpuMicros(hrProc.proc.pid!) - cpu0) / Math.max(1, h16.requests)
      rows.push(
        `| ${p} | ${mode} | 16 | ${f(d16.p50, 0)} | ${f(h16.p50, 0)} | | p99 ${f(d16.p99, 0)} / ${f(h16.p99, 0)} ms; Headroom CPU ${f(cpuPerReq, 0)} µs/req${d16.errors + h16.errors ? `; errors ${d16.errors}/${h16.errors}` : ''} | ${f(d16.rps, 0)} / ${f(h16.rps, 0)} | **${f(h16.rps / d16.rps)}** |`,
      )
      process.stderr.write(`${p} ${mode} done\n`)
    }
  }
} finally {
  await hrProc.stop()
  await simProc.stop()
}

console.log(`\nHeadroom vs direct (simulator, zero simulated latency), ${seconds} s per measurement, ${new Date().toISOString()}`)
console.log('Latency columns: ms, p50 (1 connection: time to first byte for streams, whole response otherwise); throughput: req/s direct / through.\n')
console.log('| provider | mode | conns | direct p50 ms | through p50 ms | added p50 | tail | req/s direct / through | ratio |')
console.log('|---|---|---:|---:|---:|---:|---|---:|---:|')
for (const r of rows) console.log(r)
