/**
 * `npm run bench:cluster`: what sharing state through Redis costs a request, and what three replicas give
 * against one, in the same run, against one simulator:
 *
 *   (a) one replica, no Redis          — the baseline
 *   (b) one replica with Redis         — (b) − (a): the latency Redis state adds per request
 *   (c) three replicas sharing Redis   — spend in one PostgreSQL schema when a server answers, else one
 *                                        SQLite file each; the load generator spreads its connections
 *                                        over them round robin (autocannon: connection i → replica i % 3)
 *   (d) three replicas, no Redis       — the yardstick for (c): what three processes cost on this machine
 *
 *   npm run bench:cluster -- --seconds 5 --rounds 3 --connections 24 [--sqlite]
 *
 * Every request is a client key's with rpm, tpm and concurrency limits and a daily budget (far above the
 * load, so none is refused): each one takes the shared admission path — a Lua script at admission, one
 * at release, one per spend row. Redis commands per request are the delta of `INFO commandstats` over
 * each measured run, less the rate other clients of the same Redis sent while (a) ran (it uses no Redis).
 *
 * Everything runs on 127.0.0.1 (REDIS_URL, else redis://127.0.0.1:6379; PostgreSQL at HEADROOM_TEST_PG,
 * else postgres://postgres@127.0.0.1:5432/test), under a prefix and a schema of its own, deleted at the
 * end. The whole run is bounded: past its time limit it stops its children and exits. No Redis: a message
 * and exit 0. The replicas, the simulator, Redis and the load generator share the machine's cores, so
 * three replicas on a 2-core machine cannot show what three machines would: see docs/benchmarks.md.
 */

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import pg from 'pg'
import { dropPrefix, REDIS_URL } from '../src/admission/redis-test-utils.ts'
import { dropSchema, PG_TEST_URL } from '../src/spend/__fixtures__/pg.ts'
import { type Child, cpuMicros, freePort, measureLatency, startChild, type Target } from './lib.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '24' },
    sqlite: { type: 'boolean', default: false },
  },
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])
if (!LOOPBACK.has(new URL(REDIS_URL).hostname)) {
  console.error(
    `bench:cluster runs on this machine only: REDIS_URL must name 127.0.0.1, not ${new URL(REDIS_URL).host}`,
  )
  process.exit(2)
}

// Redis: one connection of our own, for the probe and INFO.
const redis = new Redis(REDIS_URL, {
  lazyConnect: true,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
  connectTimeout: 1000,
})
redis.on('error', () => {})
try {
  await redis.connect()
  await redis.ping()
} catch (err) {
  console.log(
    `bench:cluster needs Redis and none answers at ${REDIS_URL} (${err instanceof Error ? err.message : String(err)}).\n` +
      'Start one (e.g. `redis-server --port 6379`) or set REDIS_URL=redis://127.0.0.1:PORT, and run it again. Nothing was measured.',
  )
  redis.disconnect()
  process.exit(0)
}

/** PostgreSQL for (c)'s shared spend table, when one answers and --sqlite is not given. */
async function postgresAnswers(): Promise<boolean> {
  if (values.sqlite) return false
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

const runId = randomBytes(6).toString('hex')
const prefix = `headroom:bench-${runId}:`
const schema = (await postgresAnswers()) ? `hr_bench_${runId}` : null
const dir = mkdtempSync(join(tmpdir(), 'headroom-cluster-'))
const children: Child[] = []
let cleaned = false

async function cleanup(): Promise<void> {
  if (cleaned) return
  cleaned = true
  await Promise.all(children.map((c) => c.stop()))
  redis.disconnect()
  await dropPrefix(prefix)
  if (schema) await dropSchema(schema).catch(() => {})
  rmSync(dir, { recursive: true, force: true })
}

// Bounded: each round is 4 × (latency + warm-up + load) plus start-up and clean-up; past twice that, stop.
const limitMs = (rounds * 4 * (2 * seconds + 4) + 90) * 2 * 1000
setTimeout(() => {
  console.error(`bench:cluster: still running after ${limitMs / 1000} s, stopping`)
  void cleanup().finally(() => process.exit(1))
}, limitMs).unref()
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))

const KEY = 'sk-bench-cluster-0001'
const simPort = await freePort()
const sim = `http://127.0.0.1:${simPort}`
const config = join(dir, 'routes.yaml')
writeFileSync(
  config,
  `providers:
  openai: { type: openai, base_url: "${sim}/v1", api_key: bench-key }
keys:
  - name: bench
    key: ${KEY}
    limits: { rpm: 100000000, tpm: 100000000000, concurrency: 10000 }
    budget: { daily_usd: 1000000 }
routes:
  fast: { targets: [openai/gpt-4.1-mini] }
`,
)

const body = JSON.stringify({
  model: 'fast',
  messages: [{ role: 'user', content: 'Say hello in a short sentence.' }],
  max_tokens: 32,
})
const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }
const target = (url: string): Target => ({ url: `${url}/v1/chat/completions`, headers, body })

interface Setup {
  label: string
  urls: string[]
  pids: number[]
  /** Whether it talks to Redis (its commands per request are reported). */
  redis: boolean
}

/**
 * Times each replica said Redis was unreachable or too slow (> 50 ms), by URL: while degraded a replica
 * skips Redis, so a run with such episodes measured less than the shared path.
 */
const degradedEpisodes = new Map<string, number>()

async function replica(env: Record<string, string>): Promise<{ url: string; pid: number }> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  // HEADROOM_REDIS_URL '' (not inherited from the shell) for the replica without Redis. Log level warn for
  // all: no per-request lines for this process to read, only the warnings counted here.
  const child = await startChild(
    ['start', '--config', config, '--port', String(port)],
    { HEADROOM_REDIS_URL: '', HEADROOM_LOG_LEVEL: 'warn', ...env },
    `${url}/health`,
    [],
    'pipe',
  )
  children.push(child)
  degradedEpisodes.set(url, 0)
  if (child.proc.stdout)
    createInterface({ input: child.proc.stdout }).on('line', (line) => {
      if (line.includes('unreachable or slower than')) degradedEpisodes.set(url, (degradedEpisodes.get(url) ?? 0) + 1)
    })
  return { url, pid: child.proc.pid ?? 0 }
}

/**
 * Fails the run if a replica meant to share state does not within 10 s. One slow answer at start-up (> 50
 * ms, on a busy machine) leaves it degraded until a request probes Redis again: requests are sent meanwhile.
 */
async function expectShared(url: string): Promise<void> {
  let health: unknown
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    health = await (await fetch(`${url}/health`)).json()
    if ((health as { state?: { shared?: boolean } }).state?.shared === true) return
    await fetch(target(url).url, { method: 'POST', headers, body }).then((r) => r.arrayBuffer())
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${url}/health does not say shared after 10 s: ${JSON.stringify(health)} — is Redis answering?`)
}

let setups: Setup[]
let simPid = 0
try {
  const simChild = await startChild(['simulate', '--port', String(simPort)], {}, `${sim}/_sim/stats`)
  children.push(simChild)
  simPid = simChild.proc.pid ?? 0
  const a = await replica({ HEADROOM_DB: join(dir, 'a.db') })
  const b = await replica({
    HEADROOM_DB: join(dir, 'b.db'),
    HEADROOM_REDIS_URL: REDIS_URL,
    HEADROOM_REDIS_PREFIX: `${prefix}b:`,
  })
  const pgUrl = new URL(PG_TEST_URL)
  if (schema) pgUrl.searchParams.set('schema', schema)
  const c = []
  // One after the other: the first applies the PostgreSQL migrations, the others find them applied.
  for (let i = 0; i < 3; i++)
    c.push(
      await replica({
        HEADROOM_DB: schema ? pgUrl.href : join(dir, `c${i}.db`),
        HEADROOM_REDIS_URL: REDIS_URL,
        HEADROOM_REDIS_PREFIX: `${prefix}c:`,
      }),
    )
  const d = []
  for (let i = 0; i < 3; i++) d.push(await replica({ HEADROOM_DB: join(dir, `d${i}.db`) }))
  for (const r of [b, ...c]) await expectShared(r.url)
  setups = [
    { label: '(a) one replica, no Redis', urls: [a.url], pids: [a.pid], redis: false },
    { label: '(b) one replica, Redis', urls: [b.url], pids: [b.pid], redis: true },
    {
      label: `(c) three replicas, Redis${schema ? ' + PostgreSQL' : ''}`,
      urls: c.map((r) => r.url),
      pids: c.map((r) => r.pid),
      redis: true,
    },
    { label: '(d) three replicas, no Redis', urls: d.map((r) => r.url), pids: d.map((r) => r.pid), redis: false },
  ]
} catch (err) {
  await cleanup()
  throw err
}

interface RedisCounters {
  /** Calls of every command, those run inside Lua scripts included. */
  all: number
  /** EVALSHA and EVAL calls: each one a round trip from a replica (ioredis sends them unpipelined here). */
  scripts: number
  /** Redis's own CPU, µs. */
  cpu: number
}

async function redisCounters(): Promise<RedisCounters> {
  const text = (await redis.call('INFO', 'commandstats', 'cpu')) as string
  let all = 0
  let scripts = 0
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const calls = Number(m[2])
    all += calls
    if (m[1] === 'evalsha' || m[1] === 'eval') scripts += calls
  }
  const num = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? Number.NaN)
  return { all, scripts, cpu: (num('used_cpu_user') + num('used_cpu_sys')) * 1e6 }
}

interface Measured {
  p50: number
  p99: number
  rps: number
  loadP50: number
  loadP99: number
  errors: number
  requests: number
  /** µs of CPU per request: the replicas (summed), the simulator, Redis. */
  cpu: number
  simCpu: number
  redisCpu: number
  /** Redis calls over the measured load run (ours and anyone else's), and its length in seconds. */
  all: number
  scripts: number
  elapsed: number
}

async function measure(s: Setup): Promise<Measured> {
  const lat = await measureLatency(s.urls.map(target), seconds * 1000)
  const run = (duration: number) =>
    autocannon({ url: s.urls.map((u) => target(u).url), method: 'POST', headers, body, connections, duration })
  await run(1) // warm-up
  const cpu0 = s.pids.map(cpuMicros)
  const sim0 = cpuMicros(simPid)
  const r0 = await redisCounters()
  const t0 = performance.now()
  const r = await run(seconds)
  const elapsed = (performance.now() - t0) / 1000
  const r1 = await redisCounters()
  const n = Math.max(1, r.requests.total)
  const cpu = s.pids.reduce((sum, pid, i) => sum + cpuMicros(pid) - (cpu0[i] ?? 0), 0)
  return {
    p50: lat.totalP50,
    p99: lat.totalP99,
    rps: r.requests.average,
    loadP50: r.latency.p50,
    loadP99: r.latency.p99,
    errors: r.errors + r.non2xx,
    requests: r.requests.total,
    cpu: cpu / n,
    simCpu: (cpuMicros(simPid) - sim0) / n,
    redisCpu: (r1.cpu - r0.cpu) / n,
    // Less our own INFO between the two readings (a command is counted once it has run).
    all: r1.all - r0.all - 1,
    scripts: r1.scripts - r0.scripts,
    elapsed,
  }
}

// Alternating (a), (b), (c) in each round, the figure the median over rounds: this machine is shared and
// its speed moves within minutes.
const results = new Map<string, Measured[]>(setups.map((s) => [s.label, []]))
// What a replica burns with no request (timers, the spend writer's flushes, Redis probes), ms/s: at low
// req/s it weighs in the CPU per request, and (c) pays it three times.
const allPids = setups.flatMap((s) => s.pids)
const idle0 = allPids.map(cpuMicros)
await new Promise((r) => setTimeout(r, 3000))
const idleMsPerS = allPids.map((pid, i) => (cpuMicros(pid) - (idle0[i] ?? 0)) / 3000)
const started = new Date()
// The machine's 1-minute load average before and after: other work on it moves every figure.
const loadBefore = loadavg()[0] ?? Number.NaN
try {
  for (let round = 0; round < rounds; round++) {
    for (const s of setups) {
      results.get(s.label)?.push(await measure(s))
      process.stderr.write(`round ${round + 1}/${rounds}: ${s.label} done\n`)
    }
  }
} finally {
  await cleanup()
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN
const med = (label: string, f: (m: Measured) => number) => median((results.get(label) ?? []).map(f))
const [A, B, C, D] = setups.map((s) => s.label) as [string, string, string, string]
// Other clients of this Redis: their rate while (a) ran (it sends Redis nothing), taken off (b) and (c).
const background = med(A, (m) => m.all / m.elapsed)
const backgroundScripts = med(A, (m) => m.scripts / m.elapsed)
const perRequest = (label: string, pick: 'all' | 'scripts', bg: number) =>
  med(label, (m) => (m[pick] - bg * m.elapsed) / Math.max(1, m.requests))
const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '–')

const cores = cpus()
const loadAfter = loadavg()[0] ?? Number.NaN
console.log(
  `\nbench:cluster, ${started.toISOString()}; ${cores.length} cores (${cores[0]?.model.trim() ?? '?'}), Node ${process.version}; ` +
    `Redis ${REDIS_URL}; (c)'s spend: ${schema ? 'one PostgreSQL schema' : 'one SQLite file per replica'}; ` +
    `load average ${f(loadBefore)} before, ${f(loadAfter)} after`,
)
console.log(
  `medians of ${rounds} alternating rounds; 1 connection: ${seconds} s of sequential requests (round robin over (c)'s replicas); ` +
    `${connections} connections: ${seconds} s of autocannon, connections spread round robin over the replicas\n`,
)
console.log(
  '| setup | p50 / p99 ms, 1 conn | req/s | p50 / p99 ms under load | CPU µs/req: replicas, simulator, Redis | Redis scripts/req | Redis commands/req | errors | Redis lost (times) |',
)
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const s of setups) {
  const L = s.label
  const errors = (results.get(L) ?? []).reduce((sum, m) => sum + m.errors, 0)
  const m = (pick: (x: Measured) => number, d = 0) => f(med(L, pick), d)
  const ifRedis = (text: string) => (s.redis ? text : '–')
  const cells = [
    L,
    `${m((x) => x.p50, 2)} / ${m((x) => x.p99, 2)}`,
    m((x) => x.rps),
    `${m((x) => x.loadP50)} / ${m((x) => x.loadP99)}`,
    `${m((x) => x.cpu)}, ${m((x) => x.simCpu)}, ${ifRedis(m((x) => x.redisCpu))}`,
    ifRedis(f(perRequest(L, 'scripts', backgroundScripts))),
    ifRedis(f(perRequest(L, 'all', background))),
    String(errors),
    ifRedis(String(s.urls.reduce((sum, u) => sum + (degradedEpisodes.get(u) ?? 0), 0))),
  ]
  console.log(`| ${cells.join(' | ')} |`)
}
const added = med(B, (m) => m.p50) - med(A, (m) => m.p50)
console.log(
  `\nRedis state adds ${f(added * 1000, 0)} µs to a request's p50 at 1 connection ((b) − (a)); ` +
    `under load (b) serves ${f(med(B, (m) => m.rps) / med(A, (m) => m.rps))}× (a)'s requests per second.`,
)
console.log(
  `Three replicas vs one with Redis: ${f(med(C, (m) => m.rps) / med(B, (m) => m.rps))}× the requests per second ((c) / (b)); ` +
    `vs one without Redis: ${f(med(C, (m) => m.rps) / med(A, (m) => m.rps))}× ((c) / (a)); ` +
    `three without Redis vs one: ${f(med(D, (m) => m.rps) / med(A, (m) => m.rps))}× ((d) / (a)); ` +
    `sharing, three replicas: ${f(med(C, (m) => m.rps) / med(D, (m) => m.rps))}× ((c) / (d)).`,
)
console.log(
  `Idle, before the load: each replica used ${idleMsPerS.map((x) => f(x, 1)).join(', ')} ms of CPU per second ((a), (b), (c)×3, (d)×3).`,
)
console.log(
  `Other clients of this Redis sent ${f(background, 1)} commands/s (${f(backgroundScripts, 1)} scripts/s) while (a) ran; ` +
    'that rate is taken off (b) and (c). Commands/req counts the commands run inside the scripts too; scripts/req is the round trips.',
)
