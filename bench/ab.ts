/**
 * A/B: two builds of Headroom against one simulator, measured alternately at 16 connections — the way
 * to tell whether a change helps on a noisy shared machine (compare req/s and main-thread CPU).
 *
 *   npm run build && rm -rf dist-base && cp -r dist dist-base     # before the change: the baseline
 *   npm run build                                                  # after it
 *   npx tsx bench/ab.ts openai json 8 2        # provider, json|stream, rounds, seconds per round
 *   npx tsx bench/ab.ts openai json 8 2 bare   # and bench/bare-proxy.ts in the same rounds
 *   npx tsx bench/ab.ts messages stream 8 2 bare    # /v1/messages passed through to Anthropic
 *   npx tsx bench/ab.ts responses json 8 2 bare     # /v1/responses passed through to OpenAI
 *   npx tsx bench/ab.ts openai json 8 2 floor  # and bench/floor.ts too (openai or messages, JSON)
 *
 * The provider is openai, anthropic or gemini (chat completions), or one of the passthrough APIs:
 * `messages` (Anthropic) or `responses` (OpenAI). The bare proxy forwards the same body (with the model as
 * the provider names it) to the provider's own endpoint: for chat, OpenAI's only.
 *
 * A is `dist-base/` (the baseline), B is `dist/`. CPU per request is over each round's measured seconds
 * (its 1 s warm-up left out), as in `npm run bench`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, mainThreadMicros, measureThroughput, ROOT } from './lib.ts'

const [provider = 'openai', mode = 'json', roundsArg = '6', secondsArg = '2', yardstick] = process.argv.slice(2)
const withBare =
  (yardstick === 'bare' || yardstick === 'floor') && ['openai', 'messages', 'responses'].includes(provider)
const withFloor = yardstick === 'floor' && ['openai', 'messages'].includes(provider)
const MODELS: Record<string, string> = {
  openai: 'openai/gpt-4.1-mini',
  anthropic: 'anthropic/claude-haiku-4-5',
  gemini: 'google/gemini-2.5-flash-lite',
}

async function start(dist: string, args: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(ROOT, dist, 'cli.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  })
  await answering(ready, dist)
  return proc
}

async function answering(url: string, what: string, method = 'GET'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url, { method })
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`${what} did not start`)
}

const dir = mkdtempSync(join(tmpdir(), 'headroom-ab-'))
const simPort = await freePort()
const sim = `http://127.0.0.1:${simPort}`
const config = join(dir, 'routes.yaml')
writeFileSync(
  config,
  `providers:\n  openai: { type: openai, base_url: "${sim}/v1", api_key: k }\n  anthropic: { type: anthropic, base_url: "${sim}", api_key: k }\n  google: { type: gemini, base_url: "${sim}", api_key: k }\nroutes: {}\n`,
)
const simProc = await start('dist', ['simulate', '--port', String(simPort)], {}, `${sim}/_sim/stats`)
const builds: Record<'A' | 'B', { port: number; proc: ChildProcess }> = {} as never
for (const [name, dist] of [
  ['A', 'dist-base'],
  ['B', 'dist'],
] as const) {
  const port = await freePort()
  builds[name] = {
    port,
    proc: await start(
      dist,
      ['start', '--config', config, '--port', String(port)],
      { HEADROOM_DB: join(dir, `${name}.db`) },
      `http://127.0.0.1:${port}/health`,
    ),
  }
}
// The bare proxy forwards the body as it comes: what Headroom sends the simulator (usage asked for on streams).
const barePort = await freePort()
const bare = withBare
  ? spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench', 'bare-proxy.ts'), '--port', String(barePort), '--upstream', sim],
      { stdio: 'ignore', cwd: ROOT },
    )
  : null
if (bare) await answering(`http://127.0.0.1:${barePort}`, 'bench/bare-proxy.ts', 'POST')
// The floor (bench/floor.ts): the bare proxy plus only what no design of Headroom could drop.
const floorPort = await freePort()
const floor = withFloor
  ? spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'bench', 'floor.ts'),
        '--port',
        String(floorPort),
        '--upstream',
        sim,
        '--db',
        join(dir, 'floor.db'),
      ],
      { stdio: 'ignore', cwd: ROOT, env: { ...process.env, ...JSON.parse(process.env.FLOOR_ENV ?? '{}') } },
    )
  : null
if (floor) await answering(`http://127.0.0.1:${floorPort}`, 'bench/floor.ts', 'POST')
const stream = mode === 'stream'
const PROMPT = 'Say hello in a short sentence.'
type Body = Record<string, unknown>
/** The request for an API (chat, messages, responses), at `base`, with `model` and `auth` headers. */
function request(base: string, model: string, headers: Record<string, string>) {
  const ctype = { 'content-type': 'application/json', ...headers }
  if (provider === 'messages') {
    const body: Body = { model, max_tokens: 32, messages: [{ role: 'user', content: PROMPT }], stream }
    return {
      url: `${base}/v1/messages`,
      headers: { ...ctype, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    }
  }
  if (provider === 'responses') {
    const body: Body = { model, input: PROMPT, max_output_tokens: 32, stream, store: false }
    return { url: `${base}/v1/responses`, headers: ctype, body: JSON.stringify(body) }
  }
  const body: Body = { model, messages: [{ role: 'user', content: PROMPT }], max_tokens: 32, stream }
  return { url: `${base}/v1/chat/completions`, headers: ctype, body: JSON.stringify(body) }
}
const bareTarget =
  provider === 'messages'
    ? request(`http://127.0.0.1:${barePort}`, 'claude-haiku-4-5', { 'x-api-key': 'k' })
    : provider === 'responses'
      ? request(`http://127.0.0.1:${barePort}`, 'gpt-4.1-mini', { authorization: 'Bearer k' })
      : (() => {
          const t = request(`http://127.0.0.1:${barePort}`, 'gpt-4.1-mini', { authorization: 'Bearer k' })
          // What Headroom sends the simulator: usage asked for on streams.
          const extra = stream ? { stream_options: { include_usage: true } } : {}
          return { ...t, body: JSON.stringify({ ...JSON.parse(t.body), ...extra }) }
        })()
const modelThrough =
  provider === 'messages' ? MODELS.anthropic! : provider === 'responses' ? MODELS.openai! : MODELS[provider]!
const target = (port: number) =>
  request(
    `http://127.0.0.1:${port}`,
    modelThrough,
    provider === 'messages' ? { 'x-api-key': 'x' } : { authorization: 'Bearer x' },
  )
type Round = { rps: number; cpu: number; main: number; errors: number }
const results: Record<'A' | 'B' | 'bare' | 'floor', Round[]> = { A: [], B: [], bare: [], floor: [] }
try {
  for (let r = 0; r < Number(roundsArg); r++) {
    if (bare) {
      const pid = bare.pid!
      const m = await measureThroughput(bareTarget, 16, Number(secondsArg), [pid, () => mainThreadMicros(pid)])
      results.bare.push({ rps: m.rps, cpu: m.cpuPerRequest[0]!, main: m.cpuPerRequest[1]!, errors: m.errors })
    }
    if (floor) {
      const pid = floor.pid!
      const m = await measureThroughput(target(floorPort), 16, Number(secondsArg), [pid, () => mainThreadMicros(pid)])
      results.floor.push({ rps: m.rps, cpu: m.cpuPerRequest[0]!, main: m.cpuPerRequest[1]!, errors: m.errors })
    }
    for (const name of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
      const pid = builds[name].proc.pid!
      const m = await measureThroughput(target(builds[name].port), 16, Number(secondsArg), [
        pid,
        () => mainThreadMicros(pid),
      ])
      results[name].push({ rps: m.rps, cpu: m.cpuPerRequest[0]!, main: m.cpuPerRequest[1]!, errors: m.errors })
    }
  }
} finally {
  for (const b of Object.values(builds)) b.proc.kill()
  bare?.kill()
  floor?.kill()
  simProc.kill()
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const name of withFloor
  ? (['A', 'B', 'bare', 'floor'] as const)
  : withBare
    ? (['A', 'B', 'bare'] as const)
    : (['A', 'B'] as const)) {
  const xs = results[name]
  console.log(
    `${name} ${provider} ${mode}: ${median(xs.map((x) => x.rps)).toFixed(0)} req/s, CPU ${median(xs.map((x) => x.cpu)).toFixed(0)} µs/req (main thread ${median(xs.map((x) => x.main)).toFixed(0)}), errors ${xs.reduce((a, x) => a + x.errors, 0)}`,
  )
}
if (withBare) {
  // Per round, each build's CPU per request over the bare proxy's in the same round: the median of those.
  const ratio = (name: 'A' | 'B' | 'floor') =>
    median(results[name].map((x, i) => x.cpu / results.bare[i]!.cpu)).toFixed(2)
  console.log(
    `CPU per request over the bare proxy's: A ×${ratio('A')}, B ×${ratio('B')}${withFloor ? `, floor ×${ratio('floor')}` : ''}`,
  )
}
