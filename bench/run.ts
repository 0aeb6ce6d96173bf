/**
 * `npm run bench`: requests/s and latency through Headroom versus calling the simulator directly, in the
 * same run, for streaming and non-streaming requests at 1 and 16 connections, per provider format — chat
 * completions to each provider, and the other two client APIs, passed through: `/v1/messages` to Anthropic
 * (against Anthropic's own endpoint) and `/v1/responses` to OpenAI (against OpenAI's own `/v1/responses`).
 *
 *   npm run bench -- --seconds 5 --providers openai,anthropic,gemini --apis messages,responses
 *
 * The simulator and Headroom each run in their own process; the load generator runs in this one. All
 * three share the machine's cores, so absolute numbers depend on the machine; the ratios are the point.
 */

import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, measureLatency, measureThroughput, ROOT, startChild, type Target } from './lib.ts'
import { planBench } from './plan.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    providers: { type: 'string', default: 'openai,anthropic,gemini' },
    apis: { type: 'string', default: 'messages,responses' },
  },
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const providers = values.providers!.split(',').filter(Boolean) as Array<'openai' | 'anthropic' | 'gemini'>
const apis = values.apis!.split(',').filter(Boolean) as Array<'messages' | 'responses'>

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
        body: JSON.stringify({
          model,
          messages: [{ role: 'user', content: PROMPT }],
          max_tokens: 32,
          stream,
          ...(stream ? { stream_options: { include_usage: true } } : {}),
        }),
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
        body: JSON.stringify({
          contents: [{ role: 'user', parts: [{ text: PROMPT }] }],
          generationConfig: { maxOutputTokens: 32 },
        }),
      }
  }
}

function through(hr: string, p: keyof typeof MODELS, stream: boolean): Target {
  return {
    url: `${hr}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer client-key' },
    body: JSON.stringify({
      model: `${PROVIDER_NAME[p]}/${MODELS[p]}`,
      messages: [{ role: 'user', content: PROMPT }],
      max_tokens: 32,
      stream,
    }),
  }
}

/** `/v1/messages` through Headroom to Anthropic: the same body as Anthropic's own, the model as Headroom names it. */
function throughMessages(hr: string, stream: boolean): Target {
  const t = direct(hr, 'anthropic', stream)
  return { ...t, body: JSON.stringify({ ...JSON.parse(t.body), model: `anthropic/${MODELS.anthropic}` }) }
}

/** The Responses API: OpenAI's own endpoint (`base`: the simulator) or Headroom's, the same request. */
function responses(base: string, model: string, stream: boolean): Target {
  return {
    url: `${base}/v1/responses`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
    body: JSON.stringify({ model, input: PROMPT, max_output_tokens: 32, stream, store: false }),
  }
}

/** One row pair of the table: what is called directly, and the same through Headroom. */
interface Case {
  label: string
  direct: (stream: boolean) => Target
  through: (stream: boolean) => Target
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

const offPort = await freePort()
const hrOff = `http://127.0.0.1:${offPort}`
const simProc = await startChild(['simulate', '--port', String(simPort)], {}, `${sim}/_sim/stats`)
const hrProc = await startChild(
  ['start', '--config', config, '--port', String(hrPort)],
  { HEADROOM_DB: join(dir, 'bench.db') },
  `${hr}/health`,
)
// The same, with the spend ledger off: what writing a row per request costs.
const offProc = await startChild(
  ['start', '--config', config, '--port', String(offPort)],
  { HEADROOM_DB: join(dir, 'off.db'), HEADROOM_SPEND: 'off' },
  `${hrOff}/health`,
)

// The floor: a bare node:http + undici proxy in front of the same simulator (bench/bare-proxy.ts).
const barePort = await freePort()
const bare = `http://127.0.0.1:${barePort}`
const bareProc = spawn(
  process.execPath,
  ['--import', 'tsx', join(ROOT, 'bench', 'bare-proxy.ts'), '--port', String(barePort), '--upstream', sim],
  { stdio: 'ignore', cwd: ROOT },
)
for (let i = 0; i < 100; i++) {
  try {
    await fetch(bare, { method: 'POST' })
    break
  } catch {
    await new Promise((r) => setTimeout(r, 100))
  }
}
const viaBare = (t: Target): Target => ({ ...t, url: t.url.replace(sim, bare) })

const f = (n: number, d = 2) => n.toFixed(d)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const rows: string[] = []
let ledger = ''
const cases: Case[] = [
  ...providers.map((p) => ({
    label: p,
    direct: (stream: boolean) => direct(sim, p, stream),
    through: (stream: boolean) => through(hr, p, stream),
  })),
  ...apis.map((api) =>
    api === 'messages'
      ? {
          label: 'messages → anthropic',
          direct: (stream: boolean) => direct(sim, 'anthropic', stream),
          through: (stream: boolean) => throughMessages(hr, stream),
        }
      : {
          label: 'responses → openai',
          direct: (stream: boolean) => responses(sim, MODELS.openai, stream),
          through: (stream: boolean) => responses(hr, `openai/${MODELS.openai}`, stream),
        },
  ),
]
// The machines here are shared and noisy: direct and through are measured alternately, in several
// short rounds, and each figure is the median over the rounds.
try {
  for (const c of cases) {
    const p = c.label
    for (const stream of [false, true]) {
      const mode = stream ? 'stream' : 'json'
      const lat = {
        d: [] as number[],
        h: [] as number[],
        b: [] as number[],
        dTail: [] as number[],
        hTail: [] as number[],
      }
      const thr = {
        d: [] as number[],
        h: [] as number[],
        ratio: [] as number[],
        bareRatio: [] as number[],
        cpu: [] as number[],
        simCpu: [] as number[],
        bareCpu: [] as number[],
        vsBare: [] as number[],
        errors: 0,
      }
      for (let r = 0; r < rounds; r++) {
        const d1 = await measureLatency(c.direct(stream), seconds * 1000)
        const h1 = await measureLatency(c.through(stream), seconds * 1000)
        const b1 = await measureLatency(viaBare(c.direct(stream)), seconds * 1000)
        lat.d.push(stream ? d1.ttfbP50 : d1.totalP50)
        lat.h.push(stream ? h1.ttfbP50 : h1.totalP50)
        lat.b.push((stream ? b1.ttfbP50 : b1.totalP50) - (stream ? d1.ttfbP50 : d1.totalP50))
        lat.dTail.push(stream ? d1.ttfbP99 : d1.totalP99)
        lat.hTail.push(stream ? h1.ttfbP99 : h1.totalP99)
        const d16 = await measureThroughput(c.direct(stream), 16, seconds)
        const h16 = await measureThroughput(c.through(stream), 16, seconds, [hrProc.proc.pid!, simProc.proc.pid!])
        // The simulator's CPU for the same requests: a yardstick that moves with the machine's speed,
        // so Headroom's CPU relative to it is steadier than either alone on a shared machine.
        thr.cpu.push(h16.cpuPerRequest[0]!)
        thr.simCpu.push(h16.cpuPerRequest[1]!)
        thr.d.push(d16.rps)
        thr.h.push(h16.rps)
        thr.ratio.push(h16.rps / d16.rps)
        const b16 = await measureThroughput(viaBare(c.direct(stream)), 16, seconds, [bareProc.pid!])
        thr.bareRatio.push(b16.rps / d16.rps)
        // The yardstick the goal is stated in: Headroom's CPU per request over a bare proxy's, same round.
        thr.bareCpu.push(b16.cpuPerRequest[0]!)
        thr.vsBare.push(h16.cpuPerRequest[0]! / b16.cpuPerRequest[0]!)
        thr.errors += d16.errors + h16.errors + b16.errors
      }
      const added = lat.h.map((h, i) => h - lat.d[i]!)
      rows.push(
        `| ${p} | ${mode} | 1 | ${f(median(lat.d))} | ${f(median(lat.h))} | **${f(median(added) * 1000, 0)} µs** | p99 ${f(median(lat.dTail))} / ${f(median(lat.hTail))} ms; a bare proxy adds ${f(median(lat.b) * 1000, 0)} µs | |`,
      )
      rows.push(
        `| ${p} | ${mode} | 16 | | | | CPU/req: Headroom ${f(median(thr.cpu), 0)} µs, a bare proxy ${f(median(thr.bareCpu), 0)} µs (**×${f(median(thr.vsBare))}**), simulator ${f(median(thr.simCpu), 0)} µs (×${f(median(thr.cpu) / median(thr.simCpu), 1)}); a bare proxy reaches ${f(median(thr.bareRatio))}${thr.errors ? `; errors ${thr.errors}` : ''} | ${f(median(thr.d), 0)} / ${f(median(thr.h), 0)} (**${f(median(thr.ratio))}**) |`,
      )
      process.stderr.write(`${p} ${mode} done\n`)
    }
  }
  // Ledger on vs off, same requests, alternating.
  const on: number[] = []
  const off: number[] = []
  const onRps: number[] = []
  const offRps: number[] = []
  for (let r = 0; r < rounds; r++) {
    on.push((await measureLatency(through(hr, 'openai', false), seconds * 1000)).totalP50)
    off.push((await measureLatency(through(hrOff, 'openai', false), seconds * 1000)).totalP50)
    onRps.push((await measureThroughput(through(hr, 'openai', false), 16, seconds)).rps)
    offRps.push((await measureThroughput(through(hrOff, 'openai', false), 16, seconds)).rps)
  }
  ledger = `| ledger on | ${f(median(on))} ms | ${f(median(onRps), 0)} req/s |\n| ledger off | ${f(median(off))} ms | ${f(median(offRps), 0)} req/s |`
} finally {
  bareProc.kill()
  await offProc.stop()
  await hrProc.stop()
  await simProc.stop()
}

console.log(
  `\nHeadroom vs calling the simulator directly (zero simulated latency); medians of ${rounds} alternating rounds of ${seconds} s; ${new Date().toISOString()}`,
)
console.log(
  '1 connection: p50 latency in ms (streams: time to first byte; otherwise the whole response). 16 connections: req/s direct / through (ratio).\n',
)
console.log(
  '| provider / API | mode | conns | direct p50 ms | through p50 ms | added p50 | notes | req/s direct / through (ratio) |',
)
console.log('|---|---|---:|---:|---:|---:|---|---:|')
for (const r of rows) console.log(r)

console.log('\nThe spend ledger on vs off (openai, non-streaming; p50 latency at 1 connection, throughput at 16):\n')
console.log('| | p50 | throughput |')
console.log('|---|---:|---:|')
console.log(ledger)

console.log('\nPlanning a route of 10 targets (request profile + plan), µs per request, in-process:\n')
console.log('| strategy | profile µs | plan µs | total µs |')
console.log('|---|---:|---:|---:|')
for (const r of planBench())
  console.log(`| ${r.strategy} | ${r.profileUs.toFixed(1)} | ${r.planUs.toFixed(1)} | **${r.totalUs.toFixed(1)}** |`)
