/**
 * Benchmark plumbing: child processes on 127.0.0.1, free ports, CPU accounting from /proc, and two load
 * generators — a sequential one for latency (time to first byte and to the end) and autocannon for
 * throughput.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import autocannon from 'autocannon'

export const ROOT = join(import.meta.dirname, '..')

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

export interface Child {
  proc: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts the compiled CLI, `node dist/cli.js …` — what `npm start` runs (`npm run bench` builds it
 * first) — and waits until `readyUrl` answers. Node itself, not a wrapper, so that the pid is the one
 * doing the work and its CPU time can be read.
 */
export async function startChild(
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
  nodeArgs: string[] = [],
  /** 'pipe': its log (stdout) is read by the caller (`proc.stdout`); by default it is dropped. */
  stdout: 'ignore' | 'pipe' = 'ignore',
): Promise<Child> {
  const proc = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'cli.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'pipe'],
  })
  let stderr = ''
  proc.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)))
  const deadline = Date.now() + 20_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`child exited early:\n${stderr}`)
    try {
      await get(readyUrl)
      break
    } catch {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL')
        throw new Error(`child not ready after 20 s:\n${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve()
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000)
        proc.once('exit', () => {
          clearTimeout(t)
          resolve()
        })
        proc.kill('SIGTERM')
      }),
  }
}

function get(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.resume()
      res.on('end', () => resolve())
    })
    req.on('error', reject)
    req.setTimeout(1000, () => req.destroy(new Error('timeout')))
  })
}

/** CPU time (user + system) a process has used, in µs, from /proc (Linux). */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime
    return (ticks / 100) * 1e6 // USER_HZ is 100 on Linux
  } catch {
    return NaN
  }
}

/** CPU time of a process's main thread alone, in µs (Linux). */
export function mainThreadMicros(pid: number): number {
  const st = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 1e4
}

export interface Target {
  url: string
  headers: Record<string, string>
  body: string
}

export interface LatencyResult {
  n: number
  ttfbP50: number
  ttfbP99: number
  totalP50: number
  totalP99: number
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

function once(t: Target): Promise<{ ttfb: number; total: number; status: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(t.url)
    const start = performance.now()
    let ttfb = 0
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        agent,
        headers: { ...t.headers, 'content-length': Buffer.byteLength(t.body) },
      },
      (res) => {
        res.once('data', () => (ttfb = performance.now() - start))
        res.on('data', () => {})
        res.on('end', () => resolve({ ttfb, total: performance.now() - start, status: res.statusCode ?? 0 }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(t.body)
  })
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/**
 * Sequential requests, one at a time over keep-alive connections, for `ms` (after a warm-up). Several
 * targets (replicas): each request goes to the next, round robin.
 */
export async function measureLatency(t: Target | readonly Target[], ms: number): Promise<LatencyResult> {
  const targets = Array.isArray(t) ? t : [t]
  let i = 0
  const next = (): Target => targets[i++ % targets.length]!
  for (let w = 0; w < 200; w++) await once(next())
  const ttfb: number[] = []
  const total: number[] = []
  const end = performance.now() + ms
  while (performance.now() < end) {
    const target = next()
    const r = await once(target)
    if (r.status !== 200) throw new Error(`status ${r.status} from ${target.url}`)
    ttfb.push(r.ttfb)
    total.push(r.total)
  }
  ttfb.sort((a, b) => a - b)
  total.sort((a, b) => a - b)
  return {
    n: total.length,
    ttfbP50: pct(ttfb, 50),
    ttfbP99: pct(ttfb, 99),
    totalP50: pct(total, 50),
    totalP99: pct(total, 99),
  }
}

export interface ThroughputResult {
  rps: number
  p50: number
  p99: number
  errors: number
  requests: number
  /** CPU µs per request of each of `pids`, over the measured run (the warm-up left out). */
  cpuPerRequest: number[]
}

/**
 * `pids`: processes whose CPU per request to report (the proxy under test, the simulator), or functions
 * that read a CPU time in µs (a process's main thread: mainThreadMicros).
 */
export async function measureThroughput(
  t: Target,
  connections: number,
  seconds: number,
  pids: Array<number | (() => number)> = [],
): Promise<ThroughputResult> {
  const run = (duration: number) =>
    autocannon({ url: t.url, method: 'POST', headers: t.headers, body: t.body, connections, duration, pipelining: 1 })
  const cpu = pids.map((p) => (typeof p === 'number' ? () => cpuMicros(p) : p))
  await run(1) // warm-up
  const cpu0 = cpu.map((read) => read())
  const r = await run(seconds)
  const n = Math.max(1, r.requests.total)
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    requests: r.requests.total,
    cpuPerRequest: cpu.map((read, i) => (read() - cpu0[i]!) / n),
  }
}
