/**
 * A/B: two builds of Headroom against one simulator, measured alternately at 16 connections — the way
 * to tell whether a change helps on a noisy shared machine (compare req/s and main-thread CPU).
 *
 *   git stash && npm run build && rm -rf dist-base && cp -r dist dist-base && git stash pop && npm run build
 *   npx tsx bench/ab.ts openai json 8 2        # provider, json|stream, rounds, seconds per round
 *
 * A is `dist-base/` (the baseline), B is `dist/`. CPU per request counts the 1 s warm-up of each round too,
 * so compare A with B, not with other benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuMicros, freePort, measureThroughput, ROOT } from './lib.ts'

const [provider = 'openai', mode = 'json', roundsArg = '6', secondsArg = '2'] = process.argv.slice(2)
const MODELS: Record<string, string> = {
  openai: 'openai/gpt-4.1-mini',
  anthropic: 'anthropic/claude-haiku-4-5',
  gemini: 'google/gemini-2.5-flash-lite',
}

/** CPU time of a process's main thread alone, in µs (Linux). */
function mainThreadMicros(pid: number): number {
  const st = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 1e4
}

async function start(dist: string, args: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(ROOT, dist, 'cli.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  })
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(ready)
      return proc
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`${dist} did not start`)
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
const target = (port: number) => ({
  url: `http://127.0.0.1:${port}/v1/chat/completions`,
  headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
  body: JSON.stringify({
    model: MODELS[provider],
    messages: [{ role: 'user', content: 'Say hello in a short sentence.' }],
    max_tokens: 32,
    stream: mode === 'stream',
  }),
})
const results: Record<'A' | 'B', Array<{ rps: number; cpu: number; main: number; errors: number }>> = { A: [], B: [] }
try {
  for (let r = 0; r < Number(roundsArg); r++) {
    for (const name of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
      const pid = builds[name].proc.pid!
      const c0 = cpuMicros(pid)
      const m0 = mainThreadMicros(pid)
      const m = await measureThroughput(target(builds[name].port), 16, Number(secondsArg))
      const n = Math.max(1, m.requests)
      results[name].push({
        rps: m.rps,
        cpu: (cpuMicros(pid) - c0) / n,
        main: (mainThreadMicros(pid) - m0) / n,
        errors: m.errors,
      })
    }
  }
} finally {
  for (const b of Object.values(builds)) b.proc.kill()
  simProc.kill()
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const name of ['A', 'B'] as const) {
  const xs = results[name]
  console.log(
    `${name} ${provider} ${mode}: ${median(xs.map((x) => x.rps)).toFixed(0)} req/s, CPU ${median(xs.map((x) => x.cpu)).toFixed(0)} µs/req (main thread ${median(xs.map((x) => x.main)).toFixed(0)}), errors ${xs.reduce((a, x) => a + x.errors, 0)}`,
  )
}
