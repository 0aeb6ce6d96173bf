/**
 * `npm run bench:soak-ids`: memory and throughput under a stream of model ids never seen before.
 *
 * Two Headroom processes with the same config (bench/soak-ids-headroom.ts: a process each, so that each
 * one's memory is its own), one simulator accepting any Gemini model id (`'*'`), and this process as the
 * load: 200,000 requests to the first Headroom, each with a new `gemini-2.5-flash-u<N>` id (a direct route,
 * a target state, a catalog lookup, a spend row each), and as many to the second with one fixed id — the
 * yardstick, in alternating rounds at 16 connections, so that the machine's drift and what the traffic
 * costs whatever the ids (the spend table's 64 MB SQLite page cache filling as the table grows) show in
 * both. After each round each Headroom runs a full GC and reports its RSS and heap.
 *
 * Pass: the unique-id Headroom's RSS at the end within 20% of its RSS after the warm-up rounds, net of
 * what the yardstick's grew over the same rounds; its heap within 20%; its CPU time per request and its
 * throughput relative to the yardstick's in the same round, last rounds against first rounds (medians of
 * a quarter of the run each), within 10%. Everything talks to
 * 127.0.0.1 only, and the run stops by itself.
 *
 * Usage: npm run bench:soak-ids [-- <rounds> <requests per round> <requests per id>]   (default 40 × 5,000 × 1)
 * With 2 requests per id, the second of each pair usually finds its new target busy (one call at a time
 * until a target first answers) and waits in that id's own admission queue: the queue path too.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon, { type Request } from 'autocannon'
import { type Child, cpuMicros, freePort, ROOT, startChild } from './lib.ts'

const ROUNDS = Number(process.argv[2] ?? 40)
const PER_ROUND = Number(process.argv[3] ?? 5_000)
const PER_ID = Number(process.argv[4] ?? 1)
const WARMUP_ROUNDS = 2
/** First and last rounds compared (after the warm-up): a quarter of the run each, by their median. */
const COMPARED_ROUNDS = Math.max(1, Math.floor((ROUNDS - WARMUP_ROUNDS) / 4))
const CONNECTIONS = 16
/** A run this long has hung: stop it. */
const HARD_LIMIT_MS = 30 * 60_000

interface Memory {
  rss: number
  heapUsed: number
}

/** Headroom in its own process, with an IPC channel for `gc` (→ its memory after a full GC) and `stop`. */
async function startHeadroomChild(
  config: string,
  db: string,
): Promise<{ proc: ChildProcess; url: string; memory(): Promise<Memory>; stop(): Promise<void> }> {
  const proc = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'soak-ids-headroom.ts'), config],
    {
      cwd: ROOT,
      env: { ...process.env, HEADROOM_DB: db },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('message', (m) => resolve((m as { url: string }).url))
    proc.once('exit', (code) => reject(new Error(`Headroom exited early (${code})`)))
  })
  return {
    proc,
    url,
    memory: () =>
      new Promise<Memory>((resolve) => {
        proc.once('message', (m) => resolve(m as Memory))
        proc.send('gc')
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve()
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000)
        proc.once('exit', () => {
          clearTimeout(t)
          resolve()
        })
        proc.send('stop')
      }),
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mb = (bytes: number) => (bytes / 1e6).toFixed(1)

let next = 0
/**
 * One round of `amount` requests; `model` null: a new id for every request. Requests per second are timed
 * to the last response (autocannon itself only notices the end on its once-a-second tick).
 */
async function round(url: string, amount: number, model: string | null): Promise<{ rps: number; bad: number }> {
  const body = (m: string) =>
    JSON.stringify({ model: m, messages: [{ role: 'user', content: 'reply: ok ok ok' }], max_tokens: 16 })
  const t0 = performance.now()
  let last = t0
  const run = autocannon({
    url,
    connections: CONNECTIONS,
    amount,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(model ?? ''),
        ...(model === null
          ? {
              setupRequest: (req: Request) => ({
                ...req,
                body: body(`gemini-2.5-flash-u${Math.floor(next++ / PER_ID)}`),
              }),
            }
          : {}),
      },
    ],
  })
  run.on('response', () => (last = performance.now()))
  const r = await run
  return { rps: r.requests.total / ((last - t0) / 1000), bad: r.errors + r.non2xx }
}

const dir = mkdtempSync(join(tmpdir(), 'headroom-soak-ids-'))
const simPort = await freePort()
const sim = `http://127.0.0.1:${simPort}`
writeFileSync(join(dir, 'sim.json'), JSON.stringify({ models: { gemini: { '*': {} } } }))
writeFileSync(
  join(dir, 'routes.yaml'),
  `providers:\n  google: { type: gemini, base_url: "${sim}", api_key: soak-key }\nroutes: {}\n`,
)

const stops: Array<() => Promise<void>> = []
const stopAll = async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
  rmSync(dir, { recursive: true, force: true })
}
const hardStop = setTimeout(() => {
  process.stderr.write(`soak: still running after ${HARD_LIMIT_MS / 60_000} min, stopping\n`)
  void stopAll().finally(() => process.exit(2))
}, HARD_LIMIT_MS)
hardStop.unref()

interface Side {
  name: string
  /** null: a new id per request. */
  model: string | null
  url: string
  pid: number
  memory(): Promise<Memory>
  rps: number[]
  /** Headroom's CPU time per request in each round, µs: what a busy machine moves least. */
  cpu: number[]
  mem: Memory[]
  bad: number
}

let verdict = 1
try {
  const simProc: Child = await startChild(
    ['simulate', '--host', '127.0.0.1', '--port', String(simPort), '--config', join(dir, 'sim.json')],
    {},
    `${sim}/_sim/stats`,
  )
  stops.push(() => simProc.stop())
  const sides: Side[] = []
  for (const [name, model] of [
    ['unique ids', null],
    ['one fixed id', 'gemini-2.5-flash'],
  ] as const) {
    // Each its own spend database, a real file: every request writes its row, as in production.
    const hr = await startHeadroomChild(join(dir, 'routes.yaml'), join(dir, `spend-${sides.length}.db`))
    stops.push(() => hr.stop())
    sides.push({
      name,
      model,
      url: `${hr.url}/v1/chat/completions`,
      pid: hr.proc.pid!,
      memory: hr.memory,
      rps: [],
      cpu: [],
      mem: [],
      bad: 0,
    })
  }
  const [unique, fixed] = sides as [Side, Side]

  for (let i = 0; i < ROUNDS; i++) {
    for (const side of sides) {
      const cpu0 = cpuMicros(side.pid)
      const r = await round(side.url, PER_ROUND, side.model)
      side.cpu.push((cpuMicros(side.pid) - cpu0) / PER_ROUND)
      side.rps.push(r.rps)
      side.bad += r.bad
      side.mem.push(await side.memory())
    }
    const line = sides
      .map(
        (s) =>
          `${s.name}: ${s.rps.at(-1)!.toFixed(0)} req/s, ${s.cpu.at(-1)!.toFixed(0)} µs CPU/req, RSS ${mb(s.mem.at(-1)!.rss)} MB, heap ${mb(s.mem.at(-1)!.heapUsed)} MB`,
      )
      .join(' | ')
    process.stderr.write(`round ${String(i + 1).padStart(2)} (${Math.ceil(next / PER_ID)} unique ids) ${line}\n`)
  }

  const w = WARMUP_ROUNDS - 1
  const growth = (s: Side) => s.mem.at(-1)!.rss - s.mem[w]!.rss
  const rssRatio = (unique.mem[w]!.rss + growth(unique) - growth(fixed)) / unique.mem[w]!.rss
  const heapRatio = unique.mem.at(-1)!.heapUsed / unique.mem[w]!.heapUsed
  const firstRounds = <T>(xs: T[]) => xs.slice(WARMUP_ROUNDS, WARMUP_ROUNDS + COMPARED_ROUNDS)
  const lastRounds = <T>(xs: T[]) => xs.slice(-COMPARED_ROUNDS)
  const relative = unique.rps.map((r, i) => r / fixed.rps[i]!)
  const rpsRatio = median(lastRounds(relative)) / median(firstRounds(relative))
  const cpuRatio = median(lastRounds(unique.cpu)) / median(firstRounds(unique.cpu))
  const bad = unique.bad + fixed.bad
  const span = `rounds ${WARMUP_ROUNDS + 1}–${WARMUP_ROUNDS + COMPARED_ROUNDS} vs the last ${COMPARED_ROUNDS} (medians)`
  console.log(
    `\n${next} requests with ${Math.ceil(next / PER_ID)} unique model ids (${PER_ID} request${PER_ID === 1 ? '' : 's'} each) and as many with one fixed id, in ${ROUNDS} alternating rounds of ${PER_ROUND} at ${CONNECTIONS} connections (${bad} not 2xx)`,
  )
  for (const s of sides) {
    const m = s.mem
    console.log(
      `${s.name.padEnd(12)} RSS after GC ${mb(m[w]!.rss)} MB after ${WARMUP_ROUNDS} warm-up rounds → ${mb(m.at(-1)!.rss)} MB at the end (max ${mb(Math.max(...m.map((x) => x.rss)))}); heap ${mb(m[w]!.heapUsed)} → ${mb(m.at(-1)!.heapUsed)} MB; ` +
        `${span}: ${median(firstRounds(s.rps)).toFixed(0)} → ${median(lastRounds(s.rps)).toFixed(0)} req/s, ${median(firstRounds(s.cpu)).toFixed(0)} → ${median(lastRounds(s.cpu)).toFixed(0)} µs CPU/req`,
    )
  }
  console.log(
    `unique ids: RSS net of the yardstick ×${rssRatio.toFixed(3)} (growth ${mb(growth(unique))} MB vs ${mb(growth(fixed))} MB), heap ×${heapRatio.toFixed(3)}, ` +
      `CPU per request ×${cpuRatio.toFixed(3)}, throughput relative to the yardstick ×${median(firstRounds(relative)).toFixed(3)} → ×${median(lastRounds(relative)).toFixed(3)} (×${rpsRatio.toFixed(3)})`,
  )
  const ok = rssRatio <= 1.2 && heapRatio <= 1.2 && cpuRatio <= 1.1 && rpsRatio >= 0.9 && rpsRatio <= 1.1 && bad === 0
  console.log(ok ? 'bounded: OK' : 'memory or throughput moved with the id count (or errors): LOOK')
  verdict = ok ? 0 : 1
} finally {
  clearTimeout(hardStop)
  await stopAll()
}
process.exitCode = verdict
